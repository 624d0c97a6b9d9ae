// The CPU affinity of one IRQ: /proc/irq/N/smp_affinity_list (CPU list) when
// present, else /proc/irq/N/smp_affinity (hex mask, written back with the
// width it was read with).
//
// Values are CPU lists ("0-3,8") or "0x"-prefixed masks; Read() returns the
// canonical CPU list. A kernel-managed IRQ (MSI-X vectors spread by the
// kernel) is recorded as not settable instead of failing: the write fails
// with EIO, or it fails otherwise while /proc/irq/N/effective_affinity shows
// a CPU set different from the requested one.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/fs_root.h"
#include "tuning/knob.h"

namespace srp::tuning {

class IrqAffinityKnob final : public TuningKnob {
 public:
  // REQUIRES: `fs` outlives the knob.
  IrqAffinityKnob(const FsRoot& fs, int irq);

  Result<std::string> Read() override;
  Result<std::string> Canonicalize(std::string_view value) override;
  std::string WriteTarget() const override;

 protected:
  Status Write(const std::string& value) override;

 private:
  bool HasList() const;
  std::string Path(std::string_view file) const;
  // True when a failed write means "managed by the kernel".
  bool LooksManaged(const Status& write_error, const std::string& requested) const;

  const FsRoot* fs_;
  int irq_;
};

// One knob per IRQ in /proc/interrupts whose name matches the glob `pattern`
// ("mlx5_comp*"), in table order. NotFound when none matches.
// REQUIRES: `fs` outlives the knobs.
Result<std::vector<std::unique_ptr<TuningKnob>>> MakeIrqAffinityKnobs(const FsRoot& fs,
                                                                      std::string_view pattern);

}  // namespace srp::tuning
