// The target's thread mode (0 or 1). The harness owns the target process, so
// Apply calls an injected callback that restarts the target with the mode;
// Read returns the mode last set (or the one given at construction).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "tuning/knob.h"

namespace srp::tuning {

using ThreadModeSetter = std::function<Status(int thread_mode)>;

class ThreadModeKnob final : public TuningKnob {
 public:
  // `current_mode`: the mode the target runs with now; -1 if unknown (Read
  // then fails with Unavailable). Name "thread_mode:<target>".
  ThreadModeKnob(std::string target, int current_mode, ThreadModeSetter setter);

  Result<std::string> Read() override;
  Result<std::string> Canonicalize(std::string_view value) override;
  std::string WriteTarget() const override;

 protected:
  Status Write(const std::string& value) override;

 private:
  int current_;
  ThreadModeSetter setter_;
};

}  // namespace srp::tuning
