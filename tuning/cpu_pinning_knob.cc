#include "tuning/cpu_pinning_knob.h"

#include <fmt/format.h>

#include "tuning/cpu_list.h"

namespace srp::tuning {

CpuPinningKnob::CpuPinningKnob(AffinityApi& api, pid_t pid)
    : TuningKnob("cpu_pinning", fmt::format("pid {}", pid)), api_(&api), pid_(pid) {}

std::string CpuPinningKnob::WriteTarget() const {
  return fmt::format("sched_setaffinity(pid {})", pid_);
}

Result<std::string> CpuPinningKnob::Read() {
  SRP_ASSIGN_OR_RETURN(CpuSet cpus, api_->Get(pid_));
  return FormatCpuList(cpus);
}

Result<std::string> CpuPinningKnob::Canonicalize(std::string_view value) {
  SRP_ASSIGN_OR_RETURN(CpuSet cpus, ParseCpuListOrMask(value));
  if (cpus.empty()) return InvalidArgument("CPU pinning needs at least one CPU");
  return FormatCpuList(cpus);
}

Status CpuPinningKnob::Write(const std::string& value) {
  SRP_ASSIGN_OR_RETURN(CpuSet cpus, ParseCpuList(value));
  return api_->Set(pid_, cpus);
}

}  // namespace srp::tuning
