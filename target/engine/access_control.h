// AccessControl: which LUNs a session sees (SCST ACL groups, reference §8).
//
// One object per TARGET. An initiator whose identity matches an INITIATOR line of a GROUP sees
// that group's LunMap; every other initiator sees the target's default LunMap. Every login
// (also a channel joining an existing session) is resolved on its own identity; the session
// keeps its LunMap for its lifetime (a LUN added to or removed from that map is seen at once,
// with REPORTED LUNS DATA HAS CHANGED). When Replace installs a table under which a logged-in
// channel would resolve to another group, or which disables the target, the observers (the
// SrpPorts serving this TARGET) end those channels, as SCST does when access is revoked.
//
// Thread-safe: Resolve (acceptor thread) and Replace (reload, control socket) may run at the
// same time; Replace swaps the whole table under a mutex, so a login sees either the old or the
// new table, never a mix. Replace calls are serialised, and so are their observer calls.
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

class AccessControl;

// Told after every AccessControl::Replace, on the replacing thread.
class AclObserver {
 public:
  virtual ~AclObserver() = default;
  // Re-checks what was admitted under the old table and ends what the new one no longer
  // admits. Returns one line per session or channel ended (for the reload report).
  virtual std::vector<std::string> OnAclReplaced(const AccessControl& acl) = 0;
};

class AccessControl {
 public:
  explicit AccessControl(AclTable table) : table_(std::move(table)) {}
  // Every initiator sees `luns` (the single-group form of step 2).
  static std::shared_ptr<AccessControl> AllSee(std::shared_ptr<LunMap> luns);

  AclResolution Resolve(const config::SessionIdentity& who) const;
  // Installs `table`, then calls every observer; returns their lines, in order.
  std::vector<std::string> Replace(AclTable table);
  AclTable Snapshot() const;

  // REQUIRES: `observer` stays valid until RemoveObserver returns. RemoveObserver waits for a
  // running Replace to finish its observer calls.
  void AddObserver(AclObserver* observer);
  void RemoveObserver(AclObserver* observer);

 private:
  std::mutex observers_mu_;              // taken before mu_; held across the observer calls
  std::vector<AclObserver*> observers_;  // GUARDED_BY(observers_mu_)
  mutable std::mutex mu_;
  AclTable table_;  // GUARDED_BY(mu_)
};

// "group NAME", or "the default LUN set" for the empty name (log and reject texts).
std::string DescribeGroup(const std::string& group);

// The identity SCST matches INITIATOR lines against: the IB CM source GID (null for RDMA CM),
// the RDMA CM source address (text, empty for IB CM) and the SRP initiator port id.
// `session_name` is what listings show ("fe80:0000:..." or the IP).
config::SessionIdentity MakeSessionIdentity(const Gid* gid, const std::string& ip,
                                            const std::array<uint8_t, 16>& initiator_port_id,
                                            const std::string& session_name);

}  // namespace srp::target
