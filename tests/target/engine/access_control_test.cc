// AccessControl: group matching by GID, GUID, IP, initiator port id and wildcard; default set;
// disabled targets; Replace while resolving.
#include "target/engine/access_control.h"

#include <gtest/gtest.h>

#include <thread>

#include "lib/common/ids.h"
#include "target/backends/null_backend.h"

namespace srp::target {
namespace {

std::shared_ptr<LunMap> MapWith(std::vector<uint32_t> luns) {
  auto map = std::make_shared<LunMap>();
  for (uint32_t lun : luns) {
    LogicalUnitOptions o;
    o.name = "n" + std::to_string(lun);
    auto unit = LogicalUnit::Create(o, NullBackend::Create().value());
    EXPECT_TRUE(map->Add(lun, *unit).ok());
  }
  return map;
}

const std::array<uint8_t, 16> kPortIdA{0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0xc9, 3, 0, 0, 0, 0xaa};
const std::array<uint8_t, 16> kPortIdB{0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0xc9, 3, 0, 0, 0, 0xaa};

config::SessionIdentity IbSession(const std::array<uint8_t, 16>& port_id) {
  Gid gid = *ParseGid("fe80:0000:0000:0000:0002:c903:0000:00aa");
  return MakeSessionIdentity(&gid, "", port_id, FormatGidColon(gid));
}

AclTable Table() {
  AclTable t;
  t.default_luns = MapWith({0});
  t.groups.push_back(AclGroup{"by_port_id", {"0x00000000000000020002c903000000aa"}, MapWith({1})});
  t.groups.push_back(AclGroup{"by_ip", {"192.168.7.9"}, MapWith({2})});
  t.groups.push_back(AclGroup{"by_guid", {"0002:c903:0000:00bb"}, MapWith({3})});
  return t;
}

TEST(AccessControlTest, InitiatorsInAGroupSeeItsLunsOthersTheDefault) {
  AccessControl acl(Table());
  AclResolution a = acl.Resolve(IbSession(kPortIdA));
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.group, "");
  EXPECT_EQ(a.luns->Luns(), (std::vector<uint32_t>{0}));
  EXPECT_EQ(a.groups_defined, 3u);
  AclResolution b = acl.Resolve(IbSession(kPortIdB));  // same port, other initiator_ext
  EXPECT_EQ(b.group, "by_port_id");
  EXPECT_EQ(b.luns->Luns(), (std::vector<uint32_t>{1}));
  AclResolution ip =
      acl.Resolve(MakeSessionIdentity(nullptr, "192.168.7.9", kPortIdA, "192.168.7.9"));
  EXPECT_EQ(ip.group, "by_ip");
  Gid other = *ParseGid("fe80:0000:0000:0000:0002:c903:0000:00bb");
  AclResolution guid = acl.Resolve(MakeSessionIdentity(&other, "", kPortIdA, "x"));
  EXPECT_EQ(guid.group, "by_guid");
  EXPECT_EQ(guid.luns->Luns(), (std::vector<uint32_t>{3}));
}

TEST(AccessControlTest, FirstMatchingGroupWinsAndWildcardsMatchTheGid) {
  AclTable t = Table();
  t.groups.insert(t.groups.begin(), AclGroup{"all_fe80", {"FE80:*"}, MapWith({9})});
  AccessControl acl(std::move(t));
  EXPECT_EQ(acl.Resolve(IbSession(kPortIdB)).group, "all_fe80");
}

TEST(AccessControlTest, DisabledTableAndAllSee) {
  AclTable t = Table();
  t.enabled = false;
  AccessControl acl(std::move(t));
  EXPECT_FALSE(acl.Resolve(IbSession(kPortIdA)).enabled);
  auto map = MapWith({4});
  auto all = AccessControl::AllSee(map);
  AclResolution r = all->Resolve(IbSession(kPortIdB));
  EXPECT_TRUE(r.enabled);
  EXPECT_EQ(r.luns, map);
  EXPECT_EQ(r.groups_defined, 0u);
}

TEST(AccessControlTest, ReplaceIsAtomicForConcurrentResolves) {
  AccessControl acl(Table());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop.load()) {
      AclResolution r = acl.Resolve(IbSession(kPortIdB));
      // Either the old table (group by_port_id, LUN 1) or the new one (default, LUN 7).
      bool old_table = r.group == "by_port_id" && r.luns->Luns() == std::vector<uint32_t>{1};
      bool new_table = r.group.empty() && r.luns->Luns() == std::vector<uint32_t>{7};
      if (!old_table && !new_table) bad.fetch_add(1);
    }
  });
  AclTable next;
  next.default_luns = MapWith({7});
  for (int i = 0; i < 200; ++i) acl.Replace(i % 2 ? Table() : next);
  stop.store(true);
  reader.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace srp::target
