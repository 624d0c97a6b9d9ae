// What changed between two configurations, so that a reload applies only the
// difference: sessions of untouched targets/groups stay up, and the LUN sets
// that changed get a REPORTED LUNS DATA HAS CHANGED unit attention.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "target/config/config_model.h"

namespace srp::target::config {

// A LUN set: the default set of a target (group empty) or a group's set.
struct LunSetRef {
  std::string driver;
  std::string target;
  std::string group;  // empty = the target's default LUN set
  auto operator<=>(const LunSetRef&) const = default;
};

struct LunChange {
  LunSetRef set;
  uint64_t lun = 0;
  std::string device;
  bool operator==(const LunChange&) const = default;
};

// An attribute of a driver (target and group empty), a target (group empty)
// or a group. A missing value means the attribute is absent on that side.
struct AttributeChange {
  LunSetRef owner;
  std::string key;
  std::optional<std::string> old_value;
  std::optional<std::string> new_value;
  bool operator==(const AttributeChange&) const = default;
};

struct InitiatorChange {
  LunSetRef group;
  std::string initiator;
  bool operator==(const InitiatorChange&) const = default;
};

struct ConfigDiff {
  std::vector<std::string> added_devices;
  std::vector<std::string> removed_devices;
  // Same name, different handler or attributes: the device must be reopened.
  std::vector<std::string> changed_devices;

  std::vector<LunSetRef> added_targets;    // group empty
  std::vector<LunSetRef> removed_targets;  // group empty
  std::vector<LunSetRef> added_groups;
  std::vector<LunSetRef> removed_groups;

  // A LUN that now maps another device, or whose attributes changed, is in
  // both lists (removed with the old device, added with the new).
  std::vector<LunChange> added_luns;
  std::vector<LunChange> removed_luns;
  std::vector<InitiatorChange> added_initiators;
  std::vector<InitiatorChange> removed_initiators;
  std::vector<AttributeChange> changed_attributes;  // driver, target and group attributes
  // LUN sets (of targets on both sides) with a LUN mapping a changed device.
  std::vector<LunSetRef> sets_with_changed_devices;

  bool empty() const;
  // LUN sets (of targets present on both sides) whose LUNs changed,
  // or whose LUNs map a changed device: each needs REPORTED LUNS DATA HAS
  // CHANGED for its sessions. Sorted, unique.
  std::vector<LunSetRef> ChangedLunSets() const;
};

// Compares names and values only (locations are ignored). Lists are in the
// order of `after` for additions/changes and of `before` for removals.
// An added or removed target is listed as a whole (its attributes, LUNs and
// groups are not itemised); an added or removed group of a target present on
// both sides is itemised (its LUNs and initiators appear as added/removed).
ConfigDiff DiffConfigurations(const Configuration& before, const Configuration& after);

}  // namespace srp::target::config
