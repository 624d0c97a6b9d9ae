#include "target/config/config_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "target/config/scst_config_parser.h"
#include "tests/target/config/example_config.h"

namespace srp::target::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::string_view kTgt = "fe80:0000:0000:0000:0002:c903:0005:f34f";

Configuration Parse(std::string_view text) {
  Result<Configuration> r = ParseScstConfig(text, "scst.conf");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Configuration{};
}

Configuration Example() { return Parse(testing::kReferenceExample); }
Target& TheTarget(Configuration& c) { return c.drivers[0].targets[0]; }

TEST(ConfigDiff, IdenticalConfigurationsHaveNoDifference) {
  Configuration a = Example();
  Configuration b = Parse(std::string("# reformatted\n") + std::string(testing::kReferenceExample));
  ConfigDiff d = DiffConfigurations(a, b);
  EXPECT_TRUE(d.empty());
  EXPECT_THAT(d.ChangedLunSets(), IsEmpty());
}

TEST(ConfigDiff, AddedLunInAGroupTouchesOnlyThatGroup) {
  Configuration before = Example();
  Configuration after = before;
  TheTarget(after).groups[0].luns.push_back(LunAssignment{1, "null01", {}, {}});
  ConfigDiff d = DiffConfigurations(before, after);
  LunSetRef grp{"ib_srpt", std::string(kTgt), "grp1"};
  EXPECT_THAT(d.added_luns, ElementsAre(LunChange{grp, 1, "null01"}));
  EXPECT_THAT(d.removed_luns, IsEmpty());
  EXPECT_THAT(d.changed_devices, IsEmpty());
  EXPECT_THAT(d.ChangedLunSets(), ElementsAre(grp));
}

TEST(ConfigDiff, RemappedLunIsRemovedAndAdded) {
  Configuration before = Example();
  Configuration after = before;
  TheTarget(after).default_luns[0].device = "null01";
  ConfigDiff d = DiffConfigurations(before, after);
  LunSetRef def{"ib_srpt", std::string(kTgt), ""};
  EXPECT_THAT(d.removed_luns, ElementsAre(LunChange{def, 0, "disk01"}));
  EXPECT_THAT(d.added_luns, ElementsAre(LunChange{def, 0, "null01"}));
  EXPECT_THAT(d.ChangedLunSets(), ElementsAre(def));
}

TEST(ConfigDiff, DeviceChangesAndTheLunSetsThatUseThem) {
  Configuration before = Example();
  Configuration after = before;
  SetAttribute(after.handlers[0].devices[0].attributes, "nv_cache", "0");  // disk01
  after.handlers[2].devices.push_back(Device{"null02", {}, {}});
  after.handlers[1].devices.clear();        // disk02 removed ...
  TheTarget(after).groups[0].luns.clear();  // ... with its LUN
  ConfigDiff d = DiffConfigurations(before, after);
  EXPECT_THAT(d.changed_devices, ElementsAre("disk01"));
  EXPECT_THAT(d.added_devices, ElementsAre("null02"));
  EXPECT_THAT(d.removed_devices, ElementsAre("disk02"));
  LunSetRef def{"ib_srpt", std::string(kTgt), ""};
  LunSetRef grp{"ib_srpt", std::string(kTgt), "grp1"};
  EXPECT_THAT(d.sets_with_changed_devices, ElementsAre(def));
  EXPECT_THAT(d.removed_luns, ElementsAre(LunChange{grp, 0, "disk02"}));
  EXPECT_THAT(d.ChangedLunSets(), ElementsAre(def, grp));
}

TEST(ConfigDiff, DeviceMovedToAnotherHandlerIsChanged) {
  Configuration before = Parse("HANDLER vdisk_nullio { DEVICE d }\n");
  Configuration after = Parse("HANDLER vdisk_memory { DEVICE d { size 4096 } }\n");
  Configuration moved = Parse("HANDLER vdisk_fileio { DEVICE d }\n");
  EXPECT_THAT(DiffConfigurations(before, after).changed_devices, ElementsAre("d"));
  EXPECT_THAT(DiffConfigurations(before, moved).changed_devices, ElementsAre("d"));
}

TEST(ConfigDiff, TargetAndDriverAttributes) {
  Configuration before = Example();
  Configuration after = before;
  SetAttribute(TheTarget(after).attributes, "enabled", "0");
  TheTarget(after).attributes.erase(TheTarget(after).attributes.begin() + 1);  // rel_tgt_id
  SetAttribute(after.drivers[0].attributes, "srp_max_rdma_size", "1048576");
  ConfigDiff d = DiffConfigurations(before, after);
  LunSetRef t{"ib_srpt", std::string(kTgt), ""};
  LunSetRef drv{"ib_srpt", "", ""};
  EXPECT_THAT(d.changed_attributes,
              ElementsAre(AttributeChange{drv, "srp_max_rdma_size", std::nullopt, "1048576"},
                          AttributeChange{t, "enabled", "1", "0"},
                          AttributeChange{t, "rel_tgt_id", "1", std::nullopt}));
  EXPECT_THAT(d.ChangedLunSets(), IsEmpty());
}

TEST(ConfigDiff, TargetsGroupsAndInitiators) {
  Configuration before = Example();
  Configuration after = before;
  after.drivers[0].targets.push_back(Target{"t2", {}, {}, {}, {}});
  Group& g = TheTarget(after).groups[0];
  g.initiators[0].name = "0x0002c9030005f34c";
  TheTarget(after).groups.push_back(
      Group{"grp2", {}, {LunAssignment{3, "null01", {}, {}}}, {{"10.0.0.7", {}}}, {}});
  ConfigDiff d = DiffConfigurations(before, after);
  LunSetRef grp1{"ib_srpt", std::string(kTgt), "grp1"};
  LunSetRef grp2{"ib_srpt", std::string(kTgt), "grp2"};
  EXPECT_THAT(d.added_targets, ElementsAre(LunSetRef{"ib_srpt", "t2", ""}));
  EXPECT_THAT(d.added_groups, ElementsAre(grp2));
  EXPECT_THAT(d.added_luns, ElementsAre(LunChange{grp2, 3, "null01"}));
  EXPECT_THAT(d.removed_initiators,
              ElementsAre(InitiatorChange{grp1, "fe80:0000:0000:0000:0002:c903:0005:f34b"}));
  EXPECT_THAT(d.added_initiators, ElementsAre(InitiatorChange{grp1, "0x0002c9030005f34c"},
                                              InitiatorChange{grp2, "10.0.0.7"}));

  ConfigDiff back = DiffConfigurations(after, before);
  EXPECT_THAT(back.removed_targets, ElementsAre(LunSetRef{"ib_srpt", "t2", ""}));
  EXPECT_THAT(back.removed_groups, ElementsAre(grp2));
  EXPECT_THAT(back.removed_luns, ElementsAre(LunChange{grp2, 3, "null01"}));
  EXPECT_THAT(back.ChangedLunSets(), ElementsAre(grp2));
}

TEST(ConfigDiff, LunAttributeChangeReplacesTheLun) {
  Configuration before = Example();
  Configuration after = before;
  SetAttribute(TheTarget(after).default_luns[0].attributes, "read_only", "1");
  ConfigDiff d = DiffConfigurations(before, after);
  LunSetRef def{"ib_srpt", std::string(kTgt), ""};
  EXPECT_THAT(d.removed_luns, ElementsAre(LunChange{def, 0, "disk01"}));
  EXPECT_THAT(d.added_luns, ElementsAre(LunChange{def, 0, "disk01"}));
}

}  // namespace
}  // namespace srp::target::config
