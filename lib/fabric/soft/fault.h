// Fault injection for the soft fabric (public API; tests and tools use it).
//
// A FaultPlan is set per Fabric (SetFaultPlan) or from the environment variable
// SRP_SOFT_FAULTS when the fabric is opened, e.g.
//   SRP_SOFT_FAULTS="fail_wr=3,fail_status=remote_access,delay_us=100"
// Keys (comma-separated key=value; unknown keys are an error):
//   drop_after_wrs=N  after the Nth send-queue work request posted on this fabric
//                     (counting all connections), that WR's connection is cut
//                     abruptly (like a cable pull): locally the oldest outstanding WR
//                     completes with kTransportRetryExceeded, the rest are flushed
//                     and a kDisconnected event is queued; the peer sees the
//                     socket close (kDisconnected + flushes). Fires once.
//   fail_wr=N         the Nth send-queue WR posted on this fabric is not executed
//                     and completes with `fail_status`; the QP then goes to error
//                     (later WRs flushed, kError event). Fires once.
//   fail_status=S     general (default) | remote_access | local_protection |
//                     remote_operation | rnr | retry_exceeded | local_length
//   delay_us=N        sleep N microseconds per posted work request (send and receive).
// Counters restart when a plan is set.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"

namespace srp::fabric::soft {

struct FaultPlan {
  uint64_t drop_after_wrs = 0;  // 0 = off
  uint64_t fail_wr = 0;         // 0 = off; 1-based
  WcStatus fail_status = WcStatus::kGeneralError;
  uint32_t delay_us = 0;

  bool empty() const { return drop_after_wrs == 0 && fail_wr == 0 && delay_us == 0; }
};

// Parses the SRP_SOFT_FAULTS syntax above ("" = empty plan).
Result<FaultPlan> ParseFaultPlan(std::string_view text);
// The same syntax back ("" for an empty plan).
std::string FormatFaultPlan(const FaultPlan& plan);

// Installs `plan` on a soft fabric (replacing any previous plan, resetting its
// counters). kInvalidArgument if `fabric` is not a soft fabric.
Status SetFaultPlan(Fabric& fabric, const FaultPlan& plan);
Result<FaultPlan> GetFaultPlan(Fabric& fabric);

// Cuts `connection` now, as drop_after_wrs does. kInvalidArgument if it is not a
// soft connection.
Status DropConnection(Connection& connection);

}  // namespace srp::fabric::soft
