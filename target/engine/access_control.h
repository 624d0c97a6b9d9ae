// AccessControl: which LUNs a session sees (SCST ACL groups, reference §8).
//
// One object per TARGET. An initiator whose identity matches an INITIATOR line of a GROUP sees
// that group's LunMap; every other initiator sees the target's default LunMap. The decision is
// taken once, at login: the session keeps its LunMap for its lifetime (a LUN added to or
// removed from that map is seen at once, with REPORTED LUNS DATA HAS CHANGED; a session that
// should move to another group does so when it logs in again).
//
// Thread-safe: Resolve (acceptor thread) and Replace (reload, control socket) may run at the
// same time; Replace swaps the whole table under a mutex, so a login sees either the old or the
// new table, never a mix.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "target/config/initiator_match.h"
#include "target/scsi/lun_map.h"

namespace srp::target {

struct AclGroup {
  std::string name;
  std::vector<std::string> initiators;  // INITIATOR lines as written (initiator_match.h)
  std::shared_ptr<LunMap> luns;         // required
};

struct AclTable {
  bool enabled = true;                   // false: every login is refused
  std::shared_ptr<LunMap> default_luns;  // required
  std::vector<AclGroup> groups;          // first matching group wins (file order)
};

struct AclResolution {
  bool enabled = true;
  std::string group;  // empty = the default LUN set
  std::shared_ptr<LunMap> luns;
  size_t groups_defined = 0;  // > 0 and group empty: the session matched no INITIATOR line
};

class AccessControl {
 public:
  explicit AccessControl(AclTable table) : table_(std::move(table)) {}
  // Every initiator sees `luns` (the single-group form of step 2).
  static std::shared_ptr<AccessControl> AllSee(std::shared_ptr<LunMap> luns);

  AclResolution Resolve(const config::SessionIdentity& who) const;
  void Replace(AclTable table);
  AclTable Snapshot() const;

 private:
  mutable std::mutex mu_;
  AclTable table_;  // GUARDED_BY(mu_)
};

// The identity SCST matches INITIATOR lines against: the IB CM source GID (null for RDMA CM),
// the RDMA CM source address (text, empty for IB CM) and the SRP initiator port id.
// `session_name` is what listings show ("fe80:0000:..." or the IP).
config::SessionIdentity MakeSessionIdentity(const Gid* gid, const std::string& ip,
                                            const std::array<uint8_t, 16>& initiator_port_id,
                                            const std::string& session_name);

}  // namespace srp::target
