// SRP request-limit accounting on the initiator side (§3 of docs/srp-reference.md).
//
// One credit per SRP_CMD and SRP_TSK_MGMT; one credit is always kept back for task
// management, so an SRP_CMD needs at least two. Every SRP_RSP, SRP_CRED_REQ and
// SRP_AER_REQ adds its req_lim_delta (a signed 32-bit value). CRED_RSP/AER_RSP cost nothing.
#pragma once

#include <cstdint>

namespace srp::initiator {

class CreditCounter {
 public:
  CreditCounter() = default;
  explicit CreditCounter(int64_t initial) : req_lim_(initial) {}

  int64_t available() const { return req_lim_; }
  // Takes a credit for an SRP_CMD; false (nothing taken) unless two or more are left.
  bool TryTakeForCommand();
  // Takes a credit for an SRP_TSK_MGMT; may use the reserved one.
  bool TryTakeForTaskManagement();
  // Adds a req_lim_delta as received (the wire's u32 read as a signed value).
  void AddDelta(uint32_t wire_delta);
  // Times a command had to wait because only the reserved credit was left.
  uint64_t zero_req_lim() const { return zero_req_lim_; }

 private:
  int64_t req_lim_ = 0;
  uint64_t zero_req_lim_ = 0;
};

}  // namespace srp::initiator
