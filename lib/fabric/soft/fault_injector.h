// Internal: the per-fabric fault state behind fault.h. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>

#include "lib/fabric/soft/fault.h"

namespace srp::fabric::soft {

class FaultInjector {
 public:
  struct Verdict {
    bool fail = false;
    WcStatus status = WcStatus::kGeneralError;
    bool drop_after = false;  // cut the connection after posting this WR
  };

  void Set(const FaultPlan& plan);
  FaultPlan Get() const;
  // Called once per posted send-queue WR.
  Verdict OnSendWr();
  // Per-WR delay (0 = none). Cheap when no plan is set.
  uint32_t delay_us() const;

 private:
  mutable std::mutex mu_;
  FaultPlan plan_;         // guarded by mu_
  uint64_t send_wrs_ = 0;  // guarded by mu_
  bool active_ = false;    // guarded by mu_
};

}  // namespace srp::fabric::soft
