// Golden output for hand-built DiscoveredTargets (literal text from
// srp-reference.md §6).
#include "ibsrpdm_compat/output.h"

#include <gtest/gtest.h>

namespace srp::discovery {
namespace {

DiscoveredTarget LioTarget() {
  DiscoveredTarget t;
  t.lid = 5;
  t.gid = Gid::FromParts(0xfe80000000000000ull, 0x0002c903000f1367ull);
  t.capability_mask = 1u << 19;
  t.io_unit.change_id = 1;
  t.io_unit.max_controllers = 16;
  t.io_unit.controllers[0] = mad::kControllerPresent;
  DiscoveredController c;
  c.slot = 1;
  c.profile.guid = 0x0002c903000f1366ull;
  c.profile.vendor_id = 0x0002c9;
  c.profile.device_id = 0x1003;
  c.profile.io_class = 0x0100;
  c.profile.send_size = 8260;
  c.profile.id_string = "srp-toolkit SRP target";
  c.profile.num_service_entries = 1;
  c.services.push_back({"SRP.T10:0002c903000f1366", 0x0002c903000f1366ull});
  t.controllers.push_back(c);
  t.pkeys = {0xffff};
  return t;
}

TEST(AddTargetLines, LioExample) {
  auto lines = FormatAddTargetLines({LioTarget()}, {});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,"
            "dgid=fe800000000000000002c903000f1367,pkey=ffff,service_id=0002c903000f1366");
}

TEST(AddTargetLines, IoClassInitiatorExtMaxItIuSizeAndUpperCase) {
  DiscoveredTarget t = LioTarget();
  t.controllers[0].profile.io_class = 0xff00;
  t.controllers[0].services[0].name = "SRP.T10:0005AD0000001234";
  t.controllers[0].services[0].id = 0x0005ad0000001234ull;
  AddTargetOptions o;
  o.initiator_ext = true;
  o.use_imm_data = true;
  o.max_imm_data = 8192 + 1000;  // > send_size 8260
  auto lines = FormatAddTargetLines({t}, o);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "id_ext=0005AD0000001234,ioc_guid=0002c903000f1366,"
            "dgid=fe800000000000000002c903000f1367,pkey=ffff,service_id=0005ad0000001234,"
            "io_class=ff00,initiator_ext=0002c903000f1367,max_it_iu_size=8260");
}

TEST(AddTargetLines, MaxItIuSizeRule) {
  AddTargetOptions o;
  o.use_imm_data = true;
  o.max_imm_data = 8260;  // not greater than send_size: nothing appended
  EXPECT_EQ(FormatAddTargetLines({LioTarget()}, o)[0].find("max_it_iu_size"), std::string::npos);
  o.max_imm_data = 8261;
  EXPECT_NE(FormatAddTargetLines({LioTarget()}, o)[0].find(",max_it_iu_size=8260"),
            std::string::npos);
  o.use_imm_data = false;  // use_imm_data "N": never
  EXPECT_EQ(FormatAddTargetLines({LioTarget()}, o)[0].find("max_it_iu_size"), std::string::npos);
}

TEST(AddTargetLines, OneLinePerServiceAndPkeyNonSrpSkipped) {
  DiscoveredTarget t = LioTarget();
  t.pkeys = {0xffff, 0x8001};
  t.controllers[0].services.push_back({"OTHER:1234", 7});
  t.controllers[0].services.push_back({"SRP.T10:00000000000000aa", 0xaa});
  auto lines = FormatAddTargetLines({t}, {});
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find("pkey=ffff,service_id=0002c903000f1366"), std::string::npos);
  EXPECT_NE(lines[1].find("pkey=8001,service_id=0002c903000f1366"), std::string::npos);
  EXPECT_EQ(lines[2].rfind("id_ext=00000000000000aa,", 0), 0u);
  EXPECT_NE(lines[3].find("pkey=8001,service_id=00000000000000aa"), std::string::npos);
  t.pkeys.clear();  // nothing shared: nothing to log in to
  EXPECT_TRUE(FormatAddTargetLines({t}, {}).empty());
}

TEST(Human, Golden) {
  const std::string want =
      "IO Unit Info:\n"
      "    port LID:        0005\n"
      "    port GID:        fe800000000000000002c903000f1367\n"
      "    change ID:       0001\n"
      "    max controllers: 0x10\n"
      "\n"
      "    controller[  1]\n"
      "        GUID:      0002c903000f1366\n"
      "        vendor ID: 000002\n"
      "        device ID: 001003\n"
      "        IO class : 0100\n"
      "        Maximum size of Send Messages in bytes: 8260\n"
      "        ID:        srp-toolkit SRP target\n"
      "        service entries: 1\n"
      "            service[  0]: 0002c903000f1366 / SRP.T10:0002c903000f1366\n"
      "\n";
  EXPECT_EQ(FormatHuman({LioTarget()}, false), want);
}

TEST(Human, VerboseListsEverySlot) {
  DiscoveredTarget t = LioTarget();
  t.io_unit.max_controllers = 4;
  t.io_unit.controllers[2] = mad::kControllerNoSlot;
  t.io_unit.controllers[3] = 0x7;
  const std::string want =
      "IO Unit Info:\n"
      "    port LID:        0005\n"
      "    port GID:        fe800000000000000002c903000f1367\n"
      "    change ID:       0001\n"
      "    max controllers: 0x04\n"
      "    controller[  1]: present\n"
      "    controller[  2]: not installed\n"
      "    controller[  3]: no slot\n"
      "    controller[  4]: <unknown>\n"
      "\n"
      "    controller[  1]\n";
  EXPECT_EQ(FormatHuman({t}, true).substr(0, want.size()), want);
  EXPECT_EQ(FormatHuman({}, true), "");
}

TEST(Json, CarriesTargetsErrorsUnanswered) {
  DiscoveryResult r;
  r.targets.push_back(LioTarget());
  r.errors.push_back(
      {7, Gid::FromParts(0xfe80000000000000ull, 1), Status(StatusCode::kTimedOut, "x")});
  r.unanswered = {9};
  nlohmann::json j = ToJson(r);
  EXPECT_EQ(j["targets"][0]["gid"], "fe800000000000000002c903000f1367");
  EXPECT_EQ(j["targets"][0]["pkeys"][0], "ffff");
  EXPECT_EQ(j["targets"][0]["controllers"][0]["ioc_guid"], "0002c903000f1366");
  EXPECT_EQ(j["targets"][0]["controllers"][0]["vendor_id"], "0002c9");
  EXPECT_EQ(j["targets"][0]["controllers"][0]["services"][0]["id_ext"], "0002c903000f1366");
  EXPECT_EQ(j["errors"][0]["lid"], 7);
  EXPECT_EQ(j["unanswered"][0], 9);
}

}  // namespace
}  // namespace srp::discovery
