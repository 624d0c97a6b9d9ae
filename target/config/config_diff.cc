#include "target/config/config_diff.h"

#include <algorithm>
#include <set>

namespace srp::target::config {
namespace {

void DiffAttributes(const LunSetRef& owner, const AttributeList& before, const AttributeList& after,
                    std::vector<AttributeChange>& out) {
  for (const Attribute& a : after) {
    const Attribute* old = FindAttribute(before, a.key);
    if (old == nullptr || old->value != a.value) {
      out.push_back(
          {owner, a.key, old ? std::optional<std::string>(old->value) : std::nullopt, a.value});
    }
  }
  for (const Attribute& a : before) {
    if (FindAttribute(after, a.key) == nullptr)
      out.push_back({owner, a.key, a.value, std::nullopt});
  }
}

const LunAssignment* FindLun(const std::vector<LunAssignment>& luns, uint64_t lun) {
  for (const LunAssignment& l : luns) {
    if (l.lun == lun) return &l;
  }
  return nullptr;
}

void DiffLuns(const LunSetRef& set, const std::vector<LunAssignment>& before,
              const std::vector<LunAssignment>& after, ConfigDiff& diff) {
  for (const LunAssignment& l : before) {
    const LunAssignment* now = FindLun(after, l.lun);
    if (now == nullptr || !(*now == l)) diff.removed_luns.push_back({set, l.lun, l.device});
  }
  for (const LunAssignment& l : after) {
    const LunAssignment* old = FindLun(before, l.lun);
    if (old == nullptr || !(*old == l)) diff.added_luns.push_back({set, l.lun, l.device});
  }
}

bool UsesAny(const std::vector<LunAssignment>& luns, const std::vector<std::string>& devices) {
  for (const LunAssignment& l : luns) {
    if (std::find(devices.begin(), devices.end(), l.device) != devices.end()) return true;
  }
  return false;
}

void DiffGroups(const LunSetRef& tref, const Target& before, const Target& after,
                ConfigDiff& diff) {
  for (const Group& g : before.groups) {
    if (FindGroup(after, g.name) != nullptr) continue;
    LunSetRef gref{tref.driver, tref.target, g.name};
    diff.removed_groups.push_back(gref);
    for (const LunAssignment& l : g.luns) diff.removed_luns.push_back({gref, l.lun, l.device});
    for (const InitiatorEntry& i : g.initiators) diff.removed_initiators.push_back({gref, i.name});
  }
  for (const Group& g : after.groups) {
    LunSetRef gref{tref.driver, tref.target, g.name};
    const Group* old = FindGroup(before, g.name);
    if (old == nullptr) {
      diff.added_groups.push_back(gref);
      for (const LunAssignment& l : g.luns) diff.added_luns.push_back({gref, l.lun, l.device});
      for (const InitiatorEntry& i : g.initiators) diff.added_initiators.push_back({gref, i.name});
      continue;
    }
    DiffAttributes(gref, old->attributes, g.attributes, diff.changed_attributes);
    DiffLuns(gref, old->luns, g.luns, diff);
    if (UsesAny(g.luns, diff.changed_devices)) diff.sets_with_changed_devices.push_back(gref);
    for (const InitiatorEntry& i : old->initiators) {
      if (std::find(g.initiators.begin(), g.initiators.end(), i) == g.initiators.end()) {
        diff.removed_initiators.push_back({gref, i.name});
      }
    }
    for (const InitiatorEntry& i : g.initiators) {
      if (std::find(old->initiators.begin(), old->initiators.end(), i) == old->initiators.end()) {
        diff.added_initiators.push_back({gref, i.name});
      }
    }
  }
}

void DiffDevices(const Configuration& before, const Configuration& after, ConfigDiff& diff) {
  for (const Handler& h : before.handlers) {
    for (const Device& d : h.devices) {
      if (FindDevice(after, d.name) == nullptr) diff.removed_devices.push_back(d.name);
    }
  }
  for (const Handler& h : after.handlers) {
    for (const Device& d : h.devices) {
      const Device* old = FindDevice(before, d.name);
      if (old == nullptr) {
        diff.added_devices.push_back(d.name);
      } else if (!(*old == d) || FindHandlerOfDevice(before, d.name)->name != h.name) {
        diff.changed_devices.push_back(d.name);
      }
    }
  }
}

}  // namespace

bool ConfigDiff::empty() const {
  return added_devices.empty() && removed_devices.empty() && changed_devices.empty() &&
         added_targets.empty() && removed_targets.empty() && added_groups.empty() &&
         removed_groups.empty() && added_luns.empty() && removed_luns.empty() &&
         added_initiators.empty() && removed_initiators.empty() && changed_attributes.empty();
}

std::vector<LunSetRef> ConfigDiff::ChangedLunSets() const {
  std::set<LunSetRef> sets(sets_with_changed_devices.begin(), sets_with_changed_devices.end());
  for (const LunChange& c : added_luns) sets.insert(c.set);
  for (const LunChange& c : removed_luns) sets.insert(c.set);
  return {sets.begin(), sets.end()};
}

ConfigDiff DiffConfigurations(const Configuration& before, const Configuration& after) {
  ConfigDiff diff;
  DiffDevices(before, after, diff);
  for (const TargetDriver& d : before.drivers) {
    const TargetDriver* now = FindDriver(after, d.name);
    if (now == nullptr) DiffAttributes({d.name, {}, {}}, d.attributes, {}, diff.changed_attributes);
    for (const Target& t : d.targets) {
      if (now == nullptr || FindTarget(*now, t.name) == nullptr) {
        diff.removed_targets.push_back({d.name, t.name, {}});
      }
    }
  }
  for (const TargetDriver& d : after.drivers) {
    const TargetDriver* old = FindDriver(before, d.name);
    DiffAttributes({d.name, {}, {}}, old ? old->attributes : AttributeList{}, d.attributes,
                   diff.changed_attributes);
    for (const Target& t : d.targets) {
      LunSetRef tref{d.name, t.name, {}};
      const Target* old_t = old ? FindTarget(*old, t.name) : nullptr;
      if (old_t == nullptr) {
        diff.added_targets.push_back(tref);
        continue;
      }
      DiffAttributes(tref, old_t->attributes, t.attributes, diff.changed_attributes);
      DiffLuns(tref, old_t->default_luns, t.default_luns, diff);
      if (UsesAny(t.default_luns, diff.changed_devices)) {
        diff.sets_with_changed_devices.push_back(tref);
      }
      DiffGroups(tref, *old_t, t, diff);
    }
  }
  return diff;
}

}  // namespace srp::target::config
