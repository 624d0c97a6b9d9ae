#include "target/config/config_edit.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "target/config/config_check.h"

namespace srp::target::config {
namespace {

constexpr std::array<std::pair<ConfigEdit::Op, std::string_view>, 11> kOpNames = {{
    {ConfigEdit::Op::kOpenDevice, "open_dev"},
    {ConfigEdit::Op::kCloseDevice, "close_dev"},
    {ConfigEdit::Op::kAddLun, "add_lun"},
    {ConfigEdit::Op::kRemoveLun, "rem_lun"},
    {ConfigEdit::Op::kAddGroup, "add_group"},
    {ConfigEdit::Op::kRemoveGroup, "rem_group"},
    {ConfigEdit::Op::kAddInitiator, "add_init"},
    {ConfigEdit::Op::kRemoveInitiator, "rem_init"},
    {ConfigEdit::Op::kEnableTarget, "enable_target"},
    {ConfigEdit::Op::kDisableTarget, "disable_target"},
    {ConfigEdit::Op::kClearConfig, "clear_config"},
}};

bool IsDefaultGroup(std::string_view g) {
  if (g.empty()) return true;
  if (g.size() != 7) return false;
  std::string lower;
  for (char c : g) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "default";
}

TargetDriver& DriverFor(Configuration& c, const std::string& name) {
  for (TargetDriver& d : c.drivers)
    if (d.name == name) return d;
  c.drivers.push_back(TargetDriver{name, {}, {}, {}});
  return c.drivers.back();
}

// The edit's target: by name, or the only one when the name is empty.
Result<Target*> FindTargetFor(Configuration& c, const ConfigEdit& e, bool create) {
  TargetDriver* driver = nullptr;
  for (TargetDriver& d : c.drivers)
    if (d.name == e.driver) driver = &d;
  if (e.target.empty()) {
    if (driver == nullptr || driver->targets.size() != 1)
      return InvalidArgument(fmt::format("name the target (-target): driver {} has {} targets",
                                         e.driver, driver == nullptr ? 0 : driver->targets.size()));
    return &driver->targets.front();
  }
  if (driver != nullptr) {
    for (Target& t : driver->targets)
      if (t.name == e.target) return &t;
  }
  if (!create) return NotFound(fmt::format("no target {} in driver {}", e.target, e.driver));
  TargetDriver& d = DriverFor(c, e.driver);
  d.targets.push_back(Target{e.target, {}, {}, {}, {}});
  return &d.targets.back();
}

Result<Group*> FindGroupIn(Target& t, const std::string& name) {
  for (Group& g : t.groups)
    if (g.name == name) return &g;
  return NotFound(fmt::format("target {} has no group {}", t.name, name));
}

// The LUN list of the edit's set (default or group).
Result<std::vector<LunAssignment>*> LunsFor(Target& t, const std::string& group) {
  if (IsDefaultGroup(group)) return &t.default_luns;
  SRP_ASSIGN_OR_RETURN(Group * g, FindGroupIn(t, group));
  return &g->luns;
}

bool DeviceInUse(const Configuration& c, std::string_view device) {
  for (const TargetDriver& d : c.drivers)
    for (const Target& t : d.targets) {
      for (const LunAssignment& l : t.default_luns)
        if (l.device == device) return true;
      for (const Group& g : t.groups)
        for (const LunAssignment& l : g.luns)
          if (l.device == device) return true;
    }
  return false;
}

Status Apply(Configuration& c, const ConfigEdit& e) {
  using Op = ConfigEdit::Op;
  switch (e.op) {
    case Op::kOpenDevice: {
      if (e.device.empty()) return InvalidArgument("a device name is required");
      if (!IsKnownHandler(e.handler))
        return InvalidArgument(fmt::format("unknown handler '{}'", e.handler));
      if (FindDevice(c, e.device) != nullptr)
        return InvalidArgument(fmt::format("device {} already exists", e.device));
      Handler* handler = nullptr;
      for (Handler& h : c.handlers)
        if (h.name == e.handler) handler = &h;
      if (handler == nullptr) {
        c.handlers.push_back(Handler{e.handler, {}, {}, {}});
        handler = &c.handlers.back();
      }
      Device dev{e.device, {}, {}};
      for (const auto& [k, v] : e.attributes) SetAttribute(dev.attributes, k, v);
      handler->devices.push_back(std::move(dev));
      return Status::Ok();
    }
    case Op::kCloseDevice: {
      if (FindDevice(c, e.device) == nullptr)
        return NotFound(fmt::format("no device {}", e.device));
      if (DeviceInUse(c, e.device))
        return InvalidArgument(
            fmt::format("device {} is still assigned to a LUN (remove the LUN first)", e.device));
      for (Handler& h : c.handlers)
        std::erase_if(h.devices, [&](const Device& d) { return d.name == e.device; });
      std::erase_if(c.handlers, [](const Handler& h) { return h.devices.empty(); });
      return Status::Ok();
    }
    case Op::kAddLun: {
      if (FindDevice(c, e.device) == nullptr)
        return NotFound(fmt::format("no device {} (open it first)", e.device));
      SRP_ASSIGN_OR_RETURN(Target * t, FindTargetFor(c, e, /*create=*/true));
      SRP_ASSIGN_OR_RETURN(std::vector<LunAssignment> * luns, LunsFor(*t, e.group));
      for (const LunAssignment& l : *luns)
        if (l.lun == e.lun)
          return InvalidArgument(
              fmt::format("LUN {} is already assigned (to {})", e.lun, l.device));
      LunAssignment a;
      a.lun = e.lun;
      a.device = e.device;
      for (const auto& [k, v] : e.attributes) SetAttribute(a.attributes, k, v);
      luns->push_back(std::move(a));
      std::stable_sort(
          luns->begin(), luns->end(),
          [](const LunAssignment& x, const LunAssignment& y) { return x.lun < y.lun; });
      return Status::Ok();
    }
    case Op::kRemoveLun: {
      SRP_ASSIGN_OR_RETURN(Target * t, FindTargetFor(c, e, false));
      SRP_ASSIGN_OR_RETURN(std::vector<LunAssignment> * luns, LunsFor(*t, e.group));
      if (std::erase_if(*luns, [&](const LunAssignment& l) { return l.lun == e.lun; }) == 0)
        return NotFound(fmt::format("LUN {} is not assigned", e.lun));
      return Status::Ok();
    }
    case Op::kAddGroup: {
      if (IsDefaultGroup(e.group)) return InvalidArgument("a group name is required");
      SRP_ASSIGN_OR_RETURN(Target * t, FindTargetFor(c, e, true));
      if (FindGroupIn(*t, e.group).ok())
        return InvalidArgument(fmt::format("group {} already exists", e.group));
      t->groups.push_back(Group{e.group, {}, {}, {}, {}});
      return Status::Ok();
    }
    case Op::kRemoveGroup: {
      SRP_ASSIGN_OR_RETURN(Target * t, FindTargetFor(c, e, false));
      SRP_RETURN_IF_ERROR(FindGroupIn(*t, e.group).status());
      std::erase_if(t->groups, [&](const Group& g) { return g.name == e.group; });
      return Status::Ok();
    }
    case Op::kAddInitiator:
    case Op::kRemoveInitiator: {
      if (e.initiator.empty()) return InvalidArgument("an initiator name is required");
      SRP_ASSIGN_OR_RETURN(Target * t, FindTargetFor(c, e, false));
      SRP_ASSIGN_OR_RETURN(Group * g, FindGroupIn(*t, e.group));
      auto same = [&](const InitiatorEntry& i) { return i.name == e.initiator; };
      bool present = std::any_of(g->initiators.begin(), g->initiators.end(), same);
      if (e.op == Op::kAddInitiator) {
        if (present)
          return InvalidArgument(
              fmt::format("initiator {} is already in group {}", e.initiator, e.group));
        g->initiators.push_back(InitiatorEntry{e.initiator, {}});
      } else {
        if (!present)
          return NotFound(fmt::format("initiator {} is not in group {}", e.initiator, e.group));
        std::erase_if(g->initiators, same);
      }
      return Status::Ok();
    }
    case Op::kEnableTarget:
    case Op::kDisableTarget: {
      SRP_ASSIGN_OR_RETURN(Target * t, FindTargetFor(c, e, e.op == Op::kEnableTarget));
      SetAttribute(t->attributes, "enabled", e.op == Op::kEnableTarget ? "1" : "0");
      return Status::Ok();
    }
    case Op::kClearConfig:
      c = Configuration{};
      return Status::Ok();
  }
  return InvalidArgument("unknown edit");
}

}  // namespace

std::string_view ConfigEditOpName(ConfigEdit::Op op) {
  for (const auto& [o, name] : kOpNames)
    if (o == op) return name;
  return "?";
}

Result<ConfigEdit::Op> ParseConfigEditOp(std::string_view name) {
  for (const auto& [o, n] : kOpNames)
    if (n == name) return o;
  return InvalidArgument(fmt::format("unknown operation '{}'", name));
}

Status ApplyConfigEdit(Configuration& config, const ConfigEdit& edit) {
  Configuration copy = config;
  SRP_RETURN_IF_ERROR(Apply(copy, edit));
  SRP_RETURN_IF_ERROR(CheckConfiguration(copy));
  config = std::move(copy);
  return Status::Ok();
}

Result<std::vector<std::pair<std::string, std::string>>> ParseAttributeList(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    size_t comma = text.find(',', pos);
    std::string_view item =
        text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return InvalidArgument(fmt::format("attribute '{}' is not key=value", item));
    out.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace srp::target::config
