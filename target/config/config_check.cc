#include "target/config/config_check.h"

#include <fmt/format.h>

#include <map>
#include <string>

#include "target/config/attribute_rules.h"

namespace srp::target::config {
namespace {

// Remembers the first location of each name; reports a duplicate.
class UniqueNames {
 public:
  explicit UniqueNames(std::string_view what) : what_(what) {}

  Status Add(const std::string& name, const SourceLocation& where) {
    auto [it, inserted] = first_.emplace(name, where);
    if (inserted) return Status::Ok();
    return ErrorAt(where, fmt::format("duplicate {} '{}' (first defined at {})", what_, name,
                                      it->second.ToString()));
  }

 private:
  std::string_view what_;
  std::map<std::string, SourceLocation> first_;
};

Status CheckAttributes(AttributeContext context, const AttributeList& attrs) {
  UniqueNames keys("attribute");
  for (const Attribute& a : attrs) {
    if (!IsValidAttributeName(a.key)) {
      return ErrorAt(a.where, fmt::format("invalid attribute name '{}'", a.key));
    }
    if (a.value.find_first_of("\n\r") != std::string::npos) {
      return ErrorAt(a.where,
                     fmt::format("attribute '{}': the value contains a line break", a.key));
    }
    SRP_RETURN_IF_ERROR(keys.Add(a.key, a.where));
    SRP_RETURN_IF_ERROR(CheckAttribute(context, a));
  }
  return Status::Ok();
}

Status CheckLunSet(const Configuration& config, const std::vector<LunAssignment>& luns,
                   std::string_view set_name) {
  std::map<uint64_t, SourceLocation> seen;
  for (const LunAssignment& l : luns) {
    if (l.lun > kMaxLun) {
      return ErrorAt(l.where, fmt::format("LUN {} is out of range (0..{})", l.lun, kMaxLun));
    }
    auto [it, inserted] = seen.emplace(l.lun, l.where);
    if (!inserted) {
      return ErrorAt(l.where, fmt::format("duplicate LUN {} in {} (first assigned at {})", l.lun,
                                          set_name, it->second.ToString()));
    }
    if (FindDevice(config, l.device) == nullptr) {
      return ErrorAt(l.where, fmt::format("LUN {} refers to unknown device '{}'", l.lun, l.device));
    }
    SRP_RETURN_IF_ERROR(CheckAttributes(AttributeContext::kLun, l.attributes));
  }
  return Status::Ok();
}

Status CheckTarget(const Configuration& config, const Target& target) {
  SRP_RETURN_IF_ERROR(CheckAttributes(AttributeContext::kTarget, target.attributes));
  SRP_RETURN_IF_ERROR(CheckLunSet(config, target.default_luns,
                                  fmt::format("the default LUN set of TARGET '{}'", target.name)));
  UniqueNames groups("GROUP");
  UniqueNames initiators("INITIATOR");
  for (const Group& g : target.groups) {
    SRP_RETURN_IF_ERROR(groups.Add(g.name, g.where));
    SRP_RETURN_IF_ERROR(CheckAttributes(AttributeContext::kGroup, g.attributes));
    SRP_RETURN_IF_ERROR(CheckLunSet(config, g.luns, fmt::format("GROUP '{}'", g.name)));
    // One initiator name may belong to one group of a target only: SCST's
    // ACL lookup takes the first match, so a second entry would be dead.
    for (const InitiatorEntry& i : g.initiators) {
      if (i.name.empty()) return ErrorAt(i.where, "empty INITIATOR name");
      SRP_RETURN_IF_ERROR(initiators.Add(i.name, i.where));
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckConfiguration(const Configuration& config) {
  UniqueNames handlers("HANDLER");
  UniqueNames devices("device");
  for (const Handler& h : config.handlers) {
    if (!IsKnownHandler(h.name)) {
      return ErrorAt(h.where, fmt::format("unknown handler '{}' (known: vdisk_fileio, "
                                          "vdisk_blockio, vdisk_nullio, vdisk_memory, dev_disk)",
                                          h.name));
    }
    SRP_RETURN_IF_ERROR(handlers.Add(h.name, h.where));
    SRP_RETURN_IF_ERROR(CheckAttributes(AttributeContext::kHandler, h.attributes));
    for (const Device& d : h.devices) {
      if (d.name.empty()) return ErrorAt(d.where, "empty DEVICE name");
      SRP_RETURN_IF_ERROR(devices.Add(d.name, d.where));
      SRP_RETURN_IF_ERROR(CheckAttributes(AttributeContext::kDevice, d.attributes));
    }
  }
  UniqueNames drivers("TARGET_DRIVER");
  for (const TargetDriver& drv : config.drivers) {
    if (drv.name != kDriverIbSrpt) {
      return ErrorAt(drv.where, fmt::format("unknown target driver '{}' (only ib_srpt)", drv.name));
    }
    SRP_RETURN_IF_ERROR(drivers.Add(drv.name, drv.where));
    SRP_RETURN_IF_ERROR(CheckAttributes(AttributeContext::kDriver, drv.attributes));
    UniqueNames targets("TARGET");
    for (const Target& t : drv.targets) {
      if (t.name.empty()) return ErrorAt(t.where, "empty TARGET name");
      SRP_RETURN_IF_ERROR(targets.Add(t.name, t.where));
      SRP_RETURN_IF_ERROR(CheckTarget(config, t));
    }
  }
  return Status::Ok();
}

}  // namespace srp::target::config
