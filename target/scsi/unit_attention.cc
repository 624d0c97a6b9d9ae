#include "target/scsi/unit_attention.h"

#include <algorithm>

namespace srp::target {

std::deque<scsi::Asc>& UnitAttentionTable::Register(uint64_t nexus) {
  auto [it, inserted] = pending_.try_emplace(nexus);
  if (inserted && power_on_for_new_nexus_)
    it->second.push_back(scsi::kAscPowerOnResetOrBusDeviceReset);
  return it->second;
}

void UnitAttentionTable::Push(std::deque<scsi::Asc>& q, scsi::Asc asc) {
  if (q.size() >= kMaxPending) return;
  if (std::find(q.begin(), q.end(), asc) != q.end()) return;
  q.push_back(asc);
}

std::optional<scsi::Asc> UnitAttentionTable::Check(uint64_t nexus, bool take) {
  std::lock_guard lock(mu_);
  auto& q = Register(nexus);
  if (!take || q.empty()) return std::nullopt;
  const scsi::Asc front = q.front();
  q.pop_front();
  return front;
}

void UnitAttentionTable::EstablishForAll(scsi::Asc asc) {
  std::lock_guard lock(mu_);
  for (auto& [nexus, q] : pending_) Push(q, asc);
}

void UnitAttentionTable::EstablishForAllExcept(uint64_t except, scsi::Asc asc) {
  std::lock_guard lock(mu_);
  for (auto& [nexus, q] : pending_) {
    if (nexus != except) Push(q, asc);
  }
}

void UnitAttentionTable::AdoptFrom(const UnitAttentionTable& other) {
  if (&other == this) return;
  std::unordered_map<uint64_t, std::deque<scsi::Asc>> copy;
  {
    std::lock_guard lock(other.mu_);
    copy = other.pending_;
  }
  std::lock_guard lock(mu_);
  for (auto& [nexus, q] : copy) pending_.try_emplace(nexus, std::move(q));
}

void UnitAttentionTable::Establish(uint64_t nexus, scsi::Asc asc) {
  std::lock_guard lock(mu_);
  Push(Register(nexus), asc);
}

void UnitAttentionTable::Clear(uint64_t nexus, scsi::Asc asc) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(nexus);
  if (it == pending_.end()) return;
  auto& q = it->second;
  q.erase(std::remove(q.begin(), q.end(), asc), q.end());
}

void UnitAttentionTable::Forget(uint64_t nexus) {
  std::lock_guard lock(mu_);
  pending_.erase(nexus);
}

size_t UnitAttentionTable::Pending(uint64_t nexus) const {
  std::lock_guard lock(mu_);
  auto it = pending_.find(nexus);
  return it == pending_.end() ? 0 : it->second.size();
}

}  // namespace srp::target
