#include "tuning/irq_affinity_knob.h"

#include <fmt/format.h>

#include <cerrno>

#include "tuning/cpu_list.h"
#include "tuning/interrupts.h"

namespace srp::tuning {

IrqAffinityKnob::IrqAffinityKnob(const FsRoot& fs, int irq)
    : TuningKnob("irq_affinity", std::to_string(irq)), fs_(&fs), irq_(irq) {}

std::string IrqAffinityKnob::Path(std::string_view file) const {
  return fmt::format("/proc/irq/{}/{}", irq_, file);
}

bool IrqAffinityKnob::HasList() const { return fs_->Exists(Path("smp_affinity_list")); }

std::string IrqAffinityKnob::WriteTarget() const {
  return Path(HasList() ? "smp_affinity_list" : "smp_affinity");
}

Result<std::string> IrqAffinityKnob::Read() {
  if (HasList()) {
    SRP_ASSIGN_OR_RETURN(std::string text, fs_->ReadTrimmed(Path("smp_affinity_list")));
    SRP_ASSIGN_OR_RETURN(CpuSet cpus, ParseCpuList(text));
    return FormatCpuList(cpus);
  }
  SRP_ASSIGN_OR_RETURN(std::string text, fs_->ReadTrimmed(Path("smp_affinity")));
  SRP_ASSIGN_OR_RETURN(CpuSet cpus, ParseCpuMask(text));
  return FormatCpuList(cpus);
}

Result<std::string> IrqAffinityKnob::Canonicalize(std::string_view value) {
  SRP_ASSIGN_OR_RETURN(CpuSet cpus, ParseCpuListOrMask(value));
  if (cpus.empty()) return InvalidArgument("IRQ affinity needs at least one CPU");
  if (!fs_->Exists(Path("")))
    return NotFound(fmt::format("IRQ {} does not exist ({})", irq_, Path("")));
  return FormatCpuList(cpus);
}

bool IrqAffinityKnob::LooksManaged(const Status& write_error, const std::string& requested) const {
  if (write_error.sys_errno() == EIO) return true;
  Result<std::string> effective = fs_->ReadTrimmed(Path("effective_affinity_list"));
  if (effective.ok()) {
    Result<CpuSet> cpus = ParseCpuList(*effective);
    return cpus.ok() && FormatCpuList(*cpus) != requested;
  }
  effective = fs_->ReadTrimmed(Path("effective_affinity"));
  if (!effective.ok()) return false;
  Result<CpuSet> cpus = ParseCpuMask(*effective);
  return cpus.ok() && FormatCpuList(*cpus) != requested;
}

Status IrqAffinityKnob::Write(const std::string& value) {
  Status s;
  if (HasList()) {
    s = fs_->WriteFile(Path("smp_affinity_list"), value);
  } else {
    SRP_ASSIGN_OR_RETURN(std::string old_mask, fs_->ReadTrimmed(Path("smp_affinity")));
    SRP_ASSIGN_OR_RETURN(CpuSet cpus, ParseCpuList(value));
    s = fs_->WriteFile(Path("smp_affinity"), FormatCpuMask(cpus, CpuMaskWidth(old_mask)));
  }
  if (!s.ok() && LooksManaged(s, value)) {
    MarkNotSettable(fmt::format("kernel-managed IRQ {} ({})", irq_, s.message()));
    return Status::Ok();
  }
  return s;
}

Result<std::vector<std::unique_ptr<TuningKnob>>> MakeIrqAffinityKnobs(const FsRoot& fs,
                                                                      std::string_view pattern) {
  SRP_ASSIGN_OR_RETURN(InterruptTable table, ReadInterrupts(fs));
  std::vector<int> irqs = SelectIrqs(table, pattern);
  if (irqs.empty())
    return NotFound(fmt::format("no IRQ in /proc/interrupts matches '{}'", pattern));
  std::vector<std::unique_ptr<TuningKnob>> knobs;
  for (int irq : irqs) knobs.push_back(std::make_unique<IrqAffinityKnob>(fs, irq));
  return knobs;
}

}  // namespace srp::tuning
