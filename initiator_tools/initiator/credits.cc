#include "initiator_tools/initiator/credits.h"

namespace srp::initiator {

bool CreditCounter::TryTakeForCommand() {
  if (req_lim_ < 2) {
    ++zero_req_lim_;
    return false;
  }
  --req_lim_;
  return true;
}

bool CreditCounter::TryTakeForTaskManagement() {
  if (req_lim_ < 1) return false;
  --req_lim_;
  return true;
}

void CreditCounter::AddDelta(uint32_t wire_delta) { req_lim_ += static_cast<int32_t>(wire_delta); }

}  // namespace srp::initiator
