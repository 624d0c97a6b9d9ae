// Unit attention conditions of one logical unit, kept per I_T nexus (SAM-5 5.14, SPC-4 6.x).
//
// A nexus is registered the first time it sends a command; with `power_on_for_new_nexus` it
// starts with POWER ON, RESET, OR BUS DEVICE RESET OCCURRED (off by default: our user-space
// tools do not retry on UNIT ATTENTION). Conditions are reported oldest first, one per command;
// duplicates are not queued and at most kMaxPending are kept (further ones are dropped, as SPC-4
// permits).
//
// Thread-safe (one mutex). Step 3 may move this state into per-(session, LU) objects to take
// the lock off the per-command path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "lib/scsi/sense.h"

namespace srp::target {

class UnitAttentionTable {
 public:
  static constexpr size_t kMaxPending = 8;

  explicit UnitAttentionTable(bool power_on_for_new_nexus = false)
      : power_on_for_new_nexus_(power_on_for_new_nexus) {}

  // Registers `nexus` if new (queueing POWER ON/RESET). With `take`, removes and returns the
  // oldest pending condition; without, only registers.
  std::optional<scsi::Asc> Check(uint64_t nexus, bool take);
  // Queues `asc` for every registered nexus (e.g. CAPACITY DATA HAS CHANGED, REPORTED LUNS
  // DATA HAS CHANGED).
  void EstablishForAll(scsi::Asc asc);
  // Queues `asc` for every registered nexus except `except` (LUN RESET, MODE SELECT).
  void EstablishForAllExcept(uint64_t except, scsi::Asc asc);
  // Copies every registered nexus and its pending conditions from `other` (a unit replacing
  // another under the same LUN keeps the initiators' state). Nexuses already known keep theirs.
  void AdoptFrom(const UnitAttentionTable& other);
  // Queues `asc` for one nexus (registering it first if new).
  void Establish(uint64_t nexus, scsi::Asc asc);
  // Removes a pending `asc` of `nexus` if queued (REPORT LUNS clears REPORTED LUNS DATA HAS
  // CHANGED).
  void Clear(uint64_t nexus, scsi::Asc asc);
  // Drops all state of a nexus that went away (session closed).
  void Forget(uint64_t nexus);
  size_t Pending(uint64_t nexus) const;

 private:
  // REQUIRES: mu_ held.
  std::deque<scsi::Asc>& Register(uint64_t nexus);
  static void Push(std::deque<scsi::Asc>& q, scsi::Asc asc);

  const bool power_on_for_new_nexus_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::deque<scsi::Asc>> pending_;  // GUARDED_BY(mu_)
};

}  // namespace srp::target
