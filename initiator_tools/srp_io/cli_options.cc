#include "initiator_tools/srp_io/cli_options.h"

namespace srp::srp_io {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kRejected:
      return kExitRejected;
    case StatusCode::kUnavailable:
    case StatusCode::kNotFound:
      return kExitUnreachable;
    case StatusCode::kTimedOut:
    case StatusCode::kDisconnected:
    case StatusCode::kCancelled:
      return kExitSessionLost;
    default:
      return kExitScsiError;
  }
}

}  // namespace srp::srp_io
