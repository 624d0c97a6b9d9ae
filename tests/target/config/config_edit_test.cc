#include "target/config/config_edit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "target/config/config_file.h"
#include "target/config/initiator_match.h"
#include "target/config/scst_config_parser.h"
#include "target/config/scst_config_writer.h"

namespace srp::target::config {
namespace {

using Op = ConfigEdit::Op;

ConfigEdit MakeEdit(Op op) {
  ConfigEdit e;
  e.op = op;
  return e;
}

Configuration Base() {
  auto c = ParseScstConfig(
      "HANDLER vdisk_nullio {\n\tDEVICE n0\n}\nTARGET_DRIVER ib_srpt {\n\tTARGET t0 {\n"
      "\t\tLUN 0 n0\n\t}\n}\n",
      "base.conf");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

TEST(ConfigEditTest, OpenAssignGroupInitiatorBuildTheExpectedFile) {
  Configuration c = Base();
  ConfigEdit open = MakeEdit(Op::kOpenDevice);
  open.device = "m1";
  open.handler = "vdisk_memory";
  open.attributes = {{"size", "1048576"}};
  ASSERT_TRUE(ApplyConfigEdit(c, open).ok());
  ConfigEdit lun = MakeEdit(Op::kAddLun);
  lun.group = "Default";
  lun.lun = 1;
  lun.device = "m1";
  ASSERT_TRUE(ApplyConfigEdit(c, lun).ok());  // the only target: no -target needed
  ConfigEdit group = MakeEdit(Op::kAddGroup);
  group.target = "t0";
  group.group = "g";
  ASSERT_TRUE(ApplyConfigEdit(c, group).ok());
  ConfigEdit init = MakeEdit(Op::kAddInitiator);
  init.target = "t0";
  init.group = "g";
  init.initiator = "0x11112222333344445555666677778888";
  ASSERT_TRUE(ApplyConfigEdit(c, init).ok());
  ConfigEdit glun = lun;
  glun.group = "g";
  glun.lun = 0;
  ASSERT_TRUE(ApplyConfigEdit(c, glun).ok());
  ConfigEdit disable = MakeEdit(Op::kDisableTarget);
  disable.target = "t0";
  ASSERT_TRUE(ApplyConfigEdit(c, disable).ok());
  EXPECT_EQ(WriteScstConfig(c),
            "HANDLER vdisk_nullio {\n\tDEVICE n0\n}\n\n"
            "HANDLER vdisk_memory {\n\tDEVICE m1 {\n\t\tsize 1048576\n\t}\n}\n\n"
            "TARGET_DRIVER ib_srpt {\n\tTARGET t0 {\n\t\tenabled 0\n\n\t\tLUN 0 n0\n"
            "\t\tLUN 1 m1\n\n\t\tGROUP g {\n\t\t\tLUN 0 m1\n\n"
            "\t\t\tINITIATOR 0x11112222333344445555666677778888\n\t\t}\n\t}\n}\n");
}

TEST(ConfigEditTest, RefusedEditsLeaveTheModelUnchanged) {
  const Configuration before = Base();
  struct Case {
    ConfigEdit edit;
    std::string message;
  };
  ConfigEdit dup = MakeEdit(Op::kOpenDevice);
  dup.device = "n0";
  dup.handler = "vdisk_nullio";
  ConfigEdit bad_handler = MakeEdit(Op::kOpenDevice);
  bad_handler.device = "x";
  bad_handler.handler = "vdisk_tape";
  ConfigEdit in_use = MakeEdit(Op::kCloseDevice);
  in_use.device = "n0";
  ConfigEdit taken = MakeEdit(Op::kAddLun);
  taken.device = "n0";
  taken.lun = 0;
  ConfigEdit no_dev = MakeEdit(Op::kAddLun);
  no_dev.device = "ghost";
  ConfigEdit no_group = MakeEdit(Op::kAddLun);
  no_group.device = "n0";
  no_group.group = "nogroup";
  no_group.lun = 4;
  ConfigEdit too_big = MakeEdit(Op::kAddLun);
  too_big.device = "n0";
  too_big.lun = 70000;
  ConfigEdit rem = MakeEdit(Op::kRemoveLun);
  rem.lun = 9;
  ConfigEdit bad_attr = MakeEdit(Op::kOpenDevice);
  bad_attr.device = "y";
  bad_attr.handler = "vdisk_nullio";
  bad_attr.attributes = {{"blocksize", "1000"}};
  for (const Case& c : std::vector<Case>{{dup, "device n0 already exists"},
                                         {bad_handler, "unknown handler 'vdisk_tape'"},
                                         {in_use, "still assigned"},
                                         {taken, "LUN 0 is already assigned"},
                                         {no_dev, "no device ghost"},
                                         {no_group, "no group nogroup"},
                                         {too_big, "70000"},
                                         {rem, "LUN 9 is not assigned"},
                                         {bad_attr, "blocksize"}}) {
    Configuration model = before;
    Status st = ApplyConfigEdit(model, c.edit);
    ASSERT_FALSE(st.ok()) << c.message;
    EXPECT_NE(st.message().find(c.message), std::string::npos) << st.message();
    EXPECT_EQ(model, before) << c.message;
    EXPECT_EQ(st.message().find("<unknown>"), std::string::npos) << st.message();
  }
}

TEST(ConfigEditTest, CloseDeviceAfterRemovingItsLunAndClearConfig) {
  Configuration c = Base();
  ConfigEdit rem = MakeEdit(Op::kRemoveLun);
  rem.target = "t0";
  rem.lun = 0;
  ASSERT_TRUE(ApplyConfigEdit(c, rem).ok());
  ConfigEdit close = MakeEdit(Op::kCloseDevice);
  close.device = "n0";
  ASSERT_TRUE(ApplyConfigEdit(c, close).ok());
  EXPECT_TRUE(c.handlers.empty());  // the empty HANDLER block goes too
  ASSERT_TRUE(ApplyConfigEdit(c, MakeEdit(Op::kClearConfig)).ok());
  EXPECT_EQ(c, Configuration{});
}

TEST(ConfigEditTest, AddLunCreatesANamedTargetAndNeedsANameWhenSeveral) {
  Configuration c = Base();
  ConfigEdit lun = MakeEdit(Op::kAddLun);
  lun.target = "t1";
  lun.device = "n0";
  ASSERT_TRUE(ApplyConfigEdit(c, lun).ok());
  ASSERT_EQ(c.drivers[0].targets.size(), 2u);
  ConfigEdit anon = MakeEdit(Op::kRemoveLun);
  Status st = ApplyConfigEdit(c, anon);
  EXPECT_NE(st.message().find("name the target"), std::string::npos) << st.message();
}

TEST(ConfigEditTest, OpNamesRoundTripAndAttributeListsParse) {
  for (Op op : {Op::kOpenDevice, Op::kCloseDevice, Op::kAddLun, Op::kRemoveLun, Op::kAddGroup,
                Op::kRemoveGroup, Op::kAddInitiator, Op::kRemoveInitiator, Op::kEnableTarget,
                Op::kDisableTarget, Op::kClearConfig}) {
    auto back = ParseConfigEditOp(ConfigEditOpName(op));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, op);
  }
  EXPECT_FALSE(ParseConfigEditOp("format_disk").ok());
  auto attrs = ParseAttributeList("filename=/a=b,nv_cache=1");
  ASSERT_TRUE(attrs.ok());
  ASSERT_EQ(attrs->size(), 2u);
  EXPECT_EQ((*attrs)[0], (std::pair<std::string, std::string>{"filename", "/a=b"}));
  EXPECT_TRUE(ParseAttributeList("")->empty());
  EXPECT_FALSE(ParseAttributeList("nv_cache").ok());
  EXPECT_FALSE(ParseAttributeList("a=1,,b=2").ok());
}

TEST(ConfigFileTest, WritesAtomicallyAndReadsBack) {
  std::string dir = ::testing::TempDir() + "/config_file_test";
  std::filesystem::create_directories(dir);
  std::string path = dir + "/s.conf";
  ASSERT_TRUE(WriteConfigFile(path, Base()).ok());
  auto back = LoadScstConfig(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Base());
  size_t files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u);  // no temporary left behind
  EXPECT_FALSE(WriteConfigFile(dir + "/missing/x.conf", Base()).ok());
  std::filesystem::remove_all(dir);
}

TEST(InitiatorPortIdTest, PortIdAndHopelessEntries) {
  SessionIdentity who;
  who.session_name = "fe80:0000:0000:0000:0002:c903:0000:0001";
  who.port_gid = *ParseGid(who.session_name);
  who.initiator_port_id =
      std::array<uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 7, 0, 2, 0xc9, 3, 0, 0, 0, 1};
  EXPECT_EQ(FormatInitiatorPortId(*who.initiator_port_id), "0x00000000000000070002c90300000001");
  EXPECT_TRUE(InitiatorMatches("0x00000000000000070002c90300000001", who));
  // Without "0x", 32 hex digits are a GID: the port id the client chose does not match it.
  EXPECT_FALSE(InitiatorMatches("00000000000000070002C90300000001", who));
  EXPECT_FALSE(InitiatorMatches("0x00000000000000080002c90300000001", who));
  EXPECT_TRUE(InitiatorMatches("0x0000000000000007*", who));
  EXPECT_TRUE(InitiatorMatches("fe80:0000:0000:0000:0002:c903:0000:0001", who));
  EXPECT_TRUE(InitiatorEntryCanMatch("0x00000000000000070002c90300000001"));
  EXPECT_TRUE(InitiatorEntryCanMatch("10.0.0.1"));
  EXPECT_TRUE(InitiatorEntryCanMatch("0002:c903:0000:0001"));
  EXPECT_TRUE(InitiatorEntryCanMatch("fe80:*"));
  EXPECT_FALSE(InitiatorEntryCanMatch("fe80:0000:0000"));
  EXPECT_FALSE(InitiatorEntryCanMatch("host1"));
}

}  // namespace
}  // namespace srp::target::config
