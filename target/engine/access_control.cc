#include "target/engine/access_control.h"

namespace srp::target {

std::shared_ptr<AccessControl> AccessControl::AllSee(std::shared_ptr<LunMap> luns) {
  AclTable table;
  table.default_luns = std::move(luns);
  return std::make_shared<AccessControl>(std::move(table));
}

AclResolution AccessControl::Resolve(const config::SessionIdentity& who) const {
  std::lock_guard lock(mu_);
  AclResolution r;
  r.enabled = table_.enabled;
  r.groups_defined = table_.groups.size();
  for (const AclGroup& g : table_.groups) {
    for (const std::string& entry : g.initiators) {
      if (config::InitiatorMatches(entry, who)) {
        r.group = g.name;
        r.luns = g.luns;
        return r;
      }
    }
  }
  r.luns = table_.default_luns;
  return r;
}

void AccessControl::Replace(AclTable table) {
  std::lock_guard lock(mu_);
  table_ = std::move(table);
}

AclTable AccessControl::Snapshot() const {
  std::lock_guard lock(mu_);
  return table_;
}

config::SessionIdentity MakeSessionIdentity(const Gid* gid, const std::string& ip,
                                            const std::array<uint8_t, 16>& initiator_port_id,
                                            const std::string& session_name) {
  config::SessionIdentity who;
  who.initiator_port_id = initiator_port_id;
  if (gid != nullptr) who.port_gid = *gid;
  if (!ip.empty()) {
    auto parsed = config::ParseIpAddress(ip);
    if (parsed.ok()) who.ip = *parsed;
  }
  who.session_name = session_name;
  return who;
}

}  // namespace srp::target
