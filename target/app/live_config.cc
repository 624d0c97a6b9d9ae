#include "target/app/live_config.h"

#include <fmt/format.h>

#include <set>

#include "lib/common/fs_root.h"
#include "lib/common/log.h"
#include "target/app/device_factory.h"
#include "target/config/config_check.h"
#include "target/config/config_diff.h"
#include "target/config/config_validate.h"
#include "target/config/initiator_match.h"
#include "target/config/scst_config_parser.h"

namespace srp::target {
namespace {

using config::Configuration;

// What one LUN set should contain after the change.
using DesiredLuns = std::map<uint32_t, std::shared_ptr<LogicalUnit>>;

struct DesiredGroup {
  std::string name;
  std::vector<std::string> initiators;
  DesiredLuns luns;
};

struct DesiredTarget {
  bool enabled = true;
  DesiredLuns default_luns;
  std::vector<DesiredGroup> groups;
};

Result<DesiredLuns> Resolve(const std::vector<config::LunAssignment>& luns,
                            const std::map<std::string, std::shared_ptr<LogicalUnit>>& units) {
  DesiredLuns out;
  for (const config::LunAssignment& a : luns) {
    auto it = units.find(a.device);
    if (it == units.end())
      return config::ErrorAt(a.where, fmt::format("unknown device {}", a.device));
    out[static_cast<uint32_t>(a.lun)] = it->second;
  }
  return out;
}

Result<DesiredTarget> Desire(const config::Target& t,
                             const std::map<std::string, std::shared_ptr<LogicalUnit>>& units) {
  DesiredTarget d;
  SRP_ASSIGN_OR_RETURN(d.enabled, config::GetBool(t.attributes, "enabled", true));
  SRP_ASSIGN_OR_RETURN(d.default_luns, Resolve(t.default_luns, units));
  for (const config::Group& g : t.groups) {
    DesiredGroup dg;
    dg.name = g.name;
    for (const config::InitiatorEntry& i : g.initiators) dg.initiators.push_back(i.name);
    SRP_ASSIGN_OR_RETURN(dg.luns, Resolve(g.luns, units));
    d.groups.push_back(std::move(dg));
  }
  return d;
}

std::string SetName(std::string_view target, std::string_view group) {
  return group.empty() ? std::string(target) : fmt::format("{}/{}", target, group);
}

// Brings `map` to `want` in place: removals, replacements, additions. Returns change lines.
void Sync(LunMap& map, const DesiredLuns& want, const std::string& set_name,
          std::vector<std::string>* applied) {
  for (uint32_t lun : map.Luns()) {
    if (!want.contains(lun)) {
      if (map.Remove(lun).ok())
        applied->push_back(fmt::format("{}: LUN {} removed", set_name, lun));
    }
  }
  for (const auto& [lun, unit] : want) {
    std::shared_ptr<LogicalUnit> now = map.Find(lun);
    if (now == unit) continue;
    Status st = now ? map.Replace(lun, unit) : map.Add(lun, unit);
    if (st.ok()) {
      applied->push_back(fmt::format("{}: LUN {} {} {}", set_name, lun,
                                     now ? "now maps" : "added:", unit->name()));
    } else {
      SRP_LOG(kWarning, "{}: LUN {}: {}", set_name, lun, st.ToString());
    }
  }
}

std::shared_ptr<LunMap> NewMap(const DesiredLuns& want) {
  auto map = std::make_shared<LunMap>();
  for (const auto& [lun, unit] : want) (void)map->Add(lun, unit);
  return map;
}

void CollectWarnings(const Configuration& c, ReloadReport* report) {
  for (const config::TargetDriver& d : c.drivers)
    for (const config::Target& t : d.targets)
      for (const config::Group& g : t.groups)
        for (const config::InitiatorEntry& i : g.initiators)
          if (!config::InitiatorEntryCanMatch(i.name))
            report->warnings.push_back(fmt::format(
                "{}: INITIATOR {} of group {} can never match: sessions are named by a GID, a "
                "port GUID, an initiator port id (0x + 32 hex) or an IP address",
                i.where.ToString(), i.name, g.name));
}

}  // namespace

Result<std::unique_ptr<LiveConfig>> LiveConfig::Create(Configuration model, uint32_t queue_depth,
                                                       std::string path) {
  std::unique_ptr<LiveConfig> live(new LiveConfig(queue_depth, std::move(path)));
  if (const config::TargetDriver* d = config::FindDriver(model, config::kDriverIbSrpt))
    SRP_RETURN_IF_ERROR(ReadDriverParameters(*d, &live->startup_parameters_));
  std::lock_guard lock(live->mu_);
  SRP_ASSIGN_OR_RETURN(ReloadReport report, live->ApplyLocked(std::move(model), true));
  for (const std::string& w : report.warnings) SRP_LOG(kWarning, "{}", w);
  return live;
}

Result<std::unique_ptr<LiveConfig>> LiveConfig::Load(const std::string& path,
                                                     uint32_t queue_depth) {
  SRP_ASSIGN_OR_RETURN(Configuration model, config::LoadScstConfig(path));
  return Create(std::move(model), queue_depth, path);
}

Result<std::string> LiveConfig::TargetForPort(const Gid& port_gid,
                                              std::string_view port_name) const {
  std::lock_guard lock(mu_);
  const config::TargetDriver* d = config::FindDriver(model_, config::kDriverIbSrpt);
  if (d == nullptr || d->targets.empty())
    return NotFound("the configuration has no TARGET_DRIVER ib_srpt { TARGET ... } block");
  if (d->targets.size() == 1) return d->targets.front().name;
  for (const config::Target& t : d->targets) {
    auto gid = ParseGid(t.name);
    if ((gid.ok() && *gid == port_gid) || (!port_name.empty() && t.name == port_name))
      return t.name;
  }
  return NotFound(
      fmt::format("no TARGET is named after port {} ({})", FormatGidColon(port_gid), port_name));
}

std::shared_ptr<AccessControl> LiveConfig::Access(std::string_view target) const {
  std::lock_guard lock(mu_);
  auto it = targets_.find(target);
  return it == targets_.end() ? nullptr : it->second.access;
}

uint16_t LiveConfig::RelativeTargetId(std::string_view target) const {
  std::lock_guard lock(mu_);
  if (const config::TargetDriver* d = config::FindDriver(model_, config::kDriverIbSrpt)) {
    if (const config::Target* t = config::FindTarget(*d, target)) {
      auto id = config::GetUint(t->attributes, "rel_tgt_id", 1);
      if (id.ok() && *id >= 1 && *id <= 65535) return static_cast<uint16_t>(*id);
    }
  }
  return 1;
}

void LiveConfig::MarkServed(std::string_view target) {
  std::lock_guard lock(mu_);
  auto it = targets_.find(target);
  if (it != targets_.end()) it->second.served = true;
}

Result<ReloadReport> LiveConfig::Apply(Configuration next) {
  std::lock_guard lock(mu_);
  return ApplyLocked(std::move(next), false);
}

Result<ReloadReport> LiveConfig::Reload() {
  if (path_.empty()) return InvalidArgument("the target was started without --config");
  SRP_ASSIGN_OR_RETURN(Configuration next, config::LoadScstConfig(path_));
  return Apply(std::move(next));
}

Result<ReloadReport> LiveConfig::Edit(const config::ConfigEdit& edit) {
  std::lock_guard lock(mu_);
  Configuration next = model_;
  SRP_RETURN_IF_ERROR(config::ApplyConfigEdit(next, edit));
  return ApplyLocked(std::move(next), false);
}

Configuration LiveConfig::Model() const {
  std::lock_guard lock(mu_);
  return model_;
}

std::vector<DeviceInfo> LiveConfig::Devices() const {
  std::lock_guard lock(mu_);
  std::vector<DeviceInfo> out;
  for (const config::Handler& h : model_.handlers) {
    for (const config::Device& dev : h.devices) {
      DeviceInfo info;
      info.name = dev.name;
      info.handler = h.name;
      info.filename = config::GetString(dev.attributes, "filename");
      if (auto it = units_.find(dev.name); it != units_.end()) {
        info.block_size = it->second->block_size();
        info.num_blocks = it->second->num_blocks();
        info.read_only = it->second->read_only();
      }
      for (const config::TargetDriver& d : model_.drivers)
        for (const config::Target& t : d.targets) {
          for (const config::LunAssignment& l : t.default_luns)
            if (l.device == dev.name) info.luns.push_back(fmt::format("{}:{}", t.name, l.lun));
          for (const config::Group& g : t.groups)
            for (const config::LunAssignment& l : g.luns)
              if (l.device == dev.name)
                info.luns.push_back(fmt::format("{}/{}:{}", t.name, g.name, l.lun));
        }
      out.push_back(std::move(info));
    }
  }
  return out;
}

Result<ReloadReport> LiveConfig::ApplyLocked(Configuration next, bool initial) {
  ReloadReport report;
  // 1. Validate: nothing below runs on a configuration that fails.
  SRP_RETURN_IF_ERROR(config::CheckConfiguration(next));
  SRP_RETURN_IF_ERROR(config::ValidateConfiguration(next, FsRoot("/")));
  DriverParameters params;
  if (const config::TargetDriver* d = config::FindDriver(next, config::kDriverIbSrpt))
    SRP_RETURN_IF_ERROR(ReadDriverParameters(*d, &params));
  CollectWarnings(next, &report);

  // 2. Open what is new or changed; keep what is unchanged.
  config::ConfigDiff diff = config::DiffConfigurations(model_, next);
  std::set<std::string> reopen(diff.changed_devices.begin(), diff.changed_devices.end());
  std::map<std::string, std::shared_ptr<LogicalUnit>> units;
  for (const config::Handler& h : next.handlers) {
    for (const config::Device& dev : h.devices) {
      auto old = units_.find(dev.name);
      if (!initial && old != units_.end() && !reopen.contains(dev.name)) {
        units[dev.name] = old->second;
        continue;
      }
      SRP_ASSIGN_OR_RETURN(units[dev.name], OpenConfiguredDevice(h, dev, queue_depth_));
      if (!initial)
        report.applied.push_back(
            fmt::format("device {} {}", dev.name, old == units_.end() ? "opened" : "reopened"));
    }
  }
  std::map<std::string, DesiredTarget, std::less<>> desired;
  if (const config::TargetDriver* d = config::FindDriver(next, config::kDriverIbSrpt)) {
    for (const config::Target& t : d->targets) {
      SRP_ASSIGN_OR_RETURN(desired[t.name], Desire(t, units));
    }
  }
  if (!initial) {
    for (const config::AttributeChange& c : diff.changed_attributes) {
      if (!c.owner.target.empty()) continue;
      report.needs_restart.push_back(fmt::format(
          "driver {} attribute {}: {} -> {} (takes effect at the next start)", c.owner.driver,
          c.key, c.old_value.value_or("(unset)"), c.new_value.value_or("(unset)")));
    }
  }

  // 3. Commit. Nothing below fails.
  for (auto& [name, state] : targets_) {
    if (desired.contains(name)) continue;
    // A removed TARGET: its port stays up but refuses logins and exports nothing.
    AclTable old = state.access->Snapshot();
    Sync(*old.default_luns, {}, name, &report.applied);
    for (AclGroup& g : old.groups) Sync(*g.luns, {}, SetName(name, g.name), &report.applied);
    report.applied.push_back(fmt::format("target {} removed: logins are refused", name));
    for (std::string& line : state.access->Replace(AclTable{false, old.default_luns, {}}))
      report.applied.push_back(std::move(line));
  }
  for (auto& [name, want] : desired) {
    auto it = targets_.find(name);
    if (it == targets_.end()) {
      AclTable table;
      table.enabled = want.enabled;
      table.default_luns = NewMap(want.default_luns);
      for (const DesiredGroup& g : want.groups)
        table.groups.push_back(AclGroup{g.name, g.initiators, NewMap(g.luns)});
      targets_[name].access = std::make_shared<AccessControl>(std::move(table));
      if (!initial)
        report.needs_restart.push_back(fmt::format(
            "target {} is new: it is served when a port of that name is started", name));
      continue;
    }
    AclTable old = it->second.access->Snapshot();
    AclTable table;
    table.enabled = want.enabled;
    if (old.enabled != want.enabled)
      report.applied.push_back(
          fmt::format("target {} {}", name, want.enabled ? "enabled" : "disabled"));
    table.default_luns = old.default_luns;
    Sync(*table.default_luns, want.default_luns, name, &report.applied);
    for (const DesiredGroup& g : want.groups) {
      std::shared_ptr<LunMap> map;
      for (const AclGroup& og : old.groups)
        if (og.name == g.name) map = og.luns;
      if (map) {
        Sync(*map, g.luns, SetName(name, g.name), &report.applied);
      } else {
        map = NewMap(g.luns);
        report.applied.push_back(fmt::format("group {} added", SetName(name, g.name)));
      }
      table.groups.push_back(AclGroup{g.name, g.initiators, map});
    }
    for (const AclGroup& og : old.groups) {
      bool kept = false;
      for (const DesiredGroup& g : want.groups) kept = kept || g.name == og.name;
      if (!kept) {
        // Sessions of a removed group lose its LUNs (and are told so) until they log in again.
        Sync(*og.luns, {}, SetName(name, og.name), &report.applied);
        report.applied.push_back(fmt::format("group {} removed", SetName(name, og.name)));
      }
    }
    for (const config::InitiatorChange& c : diff.added_initiators)
      if (c.group.target == name)
        report.applied.push_back(
            fmt::format("group {}: INITIATOR {} added", SetName(name, c.group.group), c.initiator));
    for (const config::InitiatorChange& c : diff.removed_initiators)
      if (c.group.target == name)
        report.applied.push_back(fmt::format("group {}: INITIATOR {} removed",
                                             SetName(name, c.group.group), c.initiator));
    // The ports serving this TARGET end the sessions the new table no longer admits.
    for (std::string& line : it->second.access->Replace(std::move(table)))
      report.applied.push_back(std::move(line));
  }
  units_ = std::move(units);
  model_ = std::move(next);
  for (const std::string& line : report.applied) SRP_LOG(kInfo, "config: {}", line);
  for (const std::string& line : report.needs_restart)
    SRP_LOG(kWarning, "config: needs restart: {}", line);
  return report;
}

}  // namespace srp::target
