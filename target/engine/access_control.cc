#include "target/engine/access_control.h"

#include <algorithm>

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

std::vector<std::string> AccessControl::Replace(AclTable table) {
  std::lock_guard observers_lock(observers_mu_);
  {
    std::lock_guard lock(mu_);
    table_ = std::move(table);
  }
  std::vector<std::string> lines;
  for (AclObserver* o : observers_) {
    for (std::string& line : o->OnAclReplaced(*this)) lines.push_back(std::move(line));
  }
  return lines;
}

void AccessControl::AddObserver(AclObserver* observer) {
  std::lock_guard lock(observers_mu_);
  observers_.push_back(observer);
}

void AccessControl::RemoveObserver(AclObserver* observer) {
  std::lock_guard lock(observers_mu_);
  std::erase(observers_, observer);
}

AclTable AccessControl::Snapshot() const {
  std::lock_guard lock(mu_);
  return table_;
}

std::string DescribeGroup(const std::string& group) {
  return group.empty() ? std::string("the default LUN set") : "group " + group;
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
