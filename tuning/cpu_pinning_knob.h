// CPU pinning of a process/thread (taskset semantics): values are CPU lists
// ("0,2-3", like `taskset -c`) or "0x"-prefixed masks (like plain `taskset`).
// Read() returns the canonical CPU list of the current affinity.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "tuning/affinity_api.h"
#include "tuning/knob.h"

namespace srp::tuning {

class CpuPinningKnob final : public TuningKnob {
 public:
  // REQUIRES: `api` outlives the knob. Name: "cpu_pinning:pid <pid>".
  CpuPinningKnob(AffinityApi& api, pid_t pid);

  Result<std::string> Read() override;
  Result<std::string> Canonicalize(std::string_view value) override;
  std::string WriteTarget() const override;

 protected:
  Status Write(const std::string& value) override;

 private:
  AffinityApi* api_;
  pid_t pid_;
};

}  // namespace srp::tuning
