#include "tuning/knob_factory.h"

#include <fmt/format.h>

#include <charconv>

#include "tuning/cpu_pinning_knob.h"
#include "tuning/irq_affinity_knob.h"
#include "tuning/rq_affinity_knob.h"
#include "tuning/scheduler_knob.h"

namespace srp::tuning {
namespace {

Result<int> ParseInt(std::string_view s, std::string_view what) {
  int v = -1;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < 0)
    return InvalidArgument(fmt::format("bad {} '{}'", what, s));
  return v;
}

template <typename T, typename... Args>
Result<std::unique_ptr<TuningKnob>> Make(Args&&... args) {
  return std::unique_ptr<TuningKnob>(std::make_unique<T>(std::forward<Args>(args)...));
}

bool ValidDeviceName(std::string_view dev) {
  return !dev.empty() && dev.find('/') == std::string_view::npos && dev != "." && dev != "..";
}

}  // namespace

Result<std::unique_ptr<TuningKnob>> MakeKnob(std::string_view kind, std::string_view target,
                                             const KnobDeps& deps) {
  if (kind == "scheduler" || kind == "rq_affinity" || kind == "irq_affinity") {
    if (deps.fs == nullptr) return InvalidArgument(fmt::format("{} knob needs a FsRoot", kind));
  }
  if (kind == "scheduler" || kind == "rq_affinity") {
    if (!ValidDeviceName(target)) return InvalidArgument(fmt::format("bad device '{}'", target));
    if (kind == "scheduler") return Make<SchedulerKnob>(*deps.fs, std::string(target));
    return Make<RqAffinityKnob>(*deps.fs, std::string(target));
  }
  if (kind == "irq_affinity") {
    SRP_ASSIGN_OR_RETURN(int irq, ParseInt(target, "IRQ number"));
    return Make<IrqAffinityKnob>(*deps.fs, irq);
  }
  if (kind == "cpu_pinning") {
    if (deps.affinity == nullptr) return InvalidArgument("cpu_pinning knob needs an AffinityApi");
    std::string_view pid_text = target;
    if (pid_text.rfind("pid ", 0) == 0) pid_text.remove_prefix(4);
    SRP_ASSIGN_OR_RETURN(int pid, ParseInt(pid_text, "pid"));
    return Make<CpuPinningKnob>(*deps.affinity, static_cast<pid_t>(pid));
  }
  if (kind == "thread_mode") {
    return Make<ThreadModeKnob>(std::string(target), -1, deps.thread_mode);
  }
  return InvalidArgument(fmt::format(
      "unknown knob kind '{}' (scheduler, rq_affinity, irq_affinity, cpu_pinning, thread_mode)",
      kind));
}

}  // namespace srp::tuning
