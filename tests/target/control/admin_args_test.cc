// srp-admin argument parsing (both scstadmin generations) and the list-verb tables (golden).
#include "target/admin/admin_args.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "target/admin/admin_output.h"

namespace srp::target::admin {
namespace {

using Op = config::ConfigEdit::Op;

AdminCommand Parse(std::vector<std::string> args) {
  auto cmd = ParseAdminArgs(args);
  EXPECT_TRUE(cmd.ok()) << cmd.status().ToString();
  return cmd.ok() ? *cmd : AdminCommand{};
}

TEST(AdminArgsTest, OldAddDevMapsToOpenDevWithAttributes) {
  AdminCommand c = Parse({"-adddev", "disk01", "-path", "/dev/ram0", "-handler", "vdisk",
                          "-options", "NV_CACHE,READ_ONLY"});
  EXPECT_EQ(c.verb, AdminVerb::kEdit);
  EXPECT_EQ(c.edit.op, Op::kOpenDevice);
  EXPECT_EQ(c.edit.device, "disk01");
  EXPECT_EQ(c.edit.handler, "vdisk_fileio");
  using Attrs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(c.edit.attributes,
            (Attrs{{"filename", "/dev/ram0"}, {"nv_cache", "1"}, {"read_only", "1"}}));
  AdminCommand b = Parse({"-adddev", "d2", "-path", "/dev/loop0", "-handler", "vdisk_blockio"});
  EXPECT_EQ(b.edit.handler, "vdisk_blockio");
  EXPECT_EQ(b.edit.attributes, (Attrs{{"filename", "/dev/loop0"}}));
}

TEST(AdminArgsTest, AssignDevAndAddLunAreTheSameEdit) {
  AdminCommand old = Parse({"-assigndev", "disk01", "-group", "Default", "-lun", "0"});
  EXPECT_EQ(old.edit.op, Op::kAddLun);
  EXPECT_EQ(old.edit.device, "disk01");
  EXPECT_EQ(old.edit.group, "Default");
  EXPECT_EQ(old.edit.lun, 0u);
  AdminCommand now = Parse({"-add_lun", "4", "-driver", "ib_srpt", "-target", "t0", "-group", "g",
                            "-device", "disk01", "-attributes", "read_only=1"});
  EXPECT_EQ(now.edit.op, Op::kAddLun);
  EXPECT_EQ(now.edit.target, "t0");
  EXPECT_EQ(now.edit.lun, 4u);
  EXPECT_EQ(now.edit.attributes.size(), 1u);
}

TEST(AdminArgsTest, OtherVerbsAndGlobalOptions) {
  AdminCommand w = Parse({"-WriteConfig", "/tmp/a.conf", "--run-dir", "/tmp/run"});
  EXPECT_EQ(w.verb, AdminVerb::kWriteConfig);
  EXPECT_EQ(w.file, "/tmp/a.conf");
  EXPECT_EQ(w.run_dir, "/tmp/run");
  EXPECT_EQ(Parse({"-write_config", "b.conf"}).file, "b.conf");
  EXPECT_EQ(Parse({"-ClearConfig", "/etc/scst.conf", "-noprompt"}).edit.op, Op::kClearConfig);
  EXPECT_EQ(Parse({"-clear_config", "-force"}).edit.op, Op::kClearConfig);
  AdminCommand l = Parse({"-list_sessions", "--json"});
  EXPECT_EQ(l.verb, AdminVerb::kListSessions);
  EXPECT_TRUE(l.json);
  EXPECT_EQ(Parse({"-list_device"}).verb, AdminVerb::kListDevices);
  AdminCommand en = Parse({"-enable_target", "t0", "-driver", "ib_srpt"});
  EXPECT_EQ(en.edit.op, Op::kEnableTarget);
  EXPECT_EQ(en.edit.target, "t0");
  AdminCommand init = Parse({"-add_init", "10.0.0.1", "-target", "t0", "-group", "g"});
  EXPECT_EQ(init.edit.op, Op::kAddInitiator);
  EXPECT_EQ(init.edit.initiator, "10.0.0.1");
  EXPECT_EQ(Parse({"-config", "x.conf"}).verb, AdminVerb::kApplyConfig);
  AdminCommand on_file = Parse({"-config", "x.conf", "-close_dev", "d"});
  EXPECT_EQ(on_file.config_file, "x.conf");
  EXPECT_EQ(on_file.edit.op, Op::kCloseDevice);
  EXPECT_EQ(Parse({"--help"}).verb, AdminVerb::kHelp);
  EXPECT_NE(AdminHelpText().find("Exit codes:"), std::string::npos);
  EXPECT_NE(AdminHelpText().find("Examples:"), std::string::npos);
}

TEST(AdminArgsTest, BadCommandLinesSayWhatIsWrong) {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {{}, "no operation given"},
           {{"-frobnicate"}, "unknown option '-frobnicate'"},
           {{"-adddev", "d"}, "-adddev needs -path <value>"},
           {{"-adddev", "d", "-path", "/x", "-options", "TURBO"}, "unknown option 'TURBO'"},
           {{"-open_dev", "d"}, "-open_dev needs -handler <value>"},
           {{"-open_dev", "d", "-handler", "vdisk_nullio", "-attributes", "size"}, "key=value"},
           {{"-add_lun", "x1", "-device", "d"}, "'x1' is not a LUN number"},
           {{"-add_lun", "1"}, "needs -device"},
           {{"-list_device", "-list_sessions"}, "one operation at a time"},
           {{"-write_config"}, "needs a value"},
           {{"-lun", "1", "-lun", "2", "-assigndev", "d"}, "given twice"},
           {{"stray"}, "unexpected argument 'stray'"},
           {{"-add_init", "i"}, "needs -group"}}) {
    auto r = ParseAdminArgs(c.args);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().message();
  }
}

std::string Golden(const std::string& name) {
  std::ifstream in(std::string(SRP_SOURCE_DIR) + "/tests/golden/admin/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AdminOutputTest, DeviceTableMatchesGolden) {
  auto devices = nlohmann::json::parse(R"({"devices":[
    {"name":"disk01","handler":"vdisk_fileio","filename":"/srv/disk01.img","block_size":512,
     "num_blocks":131072,"size_bytes":67108864,"read_only":false,"luns":["tgt0:0","tgt0/g1:2"]},
    {"name":"null0","handler":"vdisk_nullio","filename":"","block_size":4096,
     "num_blocks":262144,"size_bytes":1073741824,"read_only":true,"luns":[]}]})");
  EXPECT_EQ(FormatDeviceTable(devices), Golden("list_device.txt"));
  EXPECT_EQ(FormatDeviceTable(nlohmann::json::object()),
            "Device  Handler  Size(MiB)  Block  RO  Filename  LUNs\n(none)\n");
}

TEST(AdminOutputTest, SessionTableAndReportMatchGolden) {
  auto sessions = nlohmann::json::parse(R"({"sessions":[
    {"target":"tgt0","name":"fe80:0000:0000:0000:0002:c903:0000:0001",
     "initiator_port_id":"0x00000000000000010002c90300000001","group":"Default","luns":[0,1],
     "channels":1},
    {"target":"tgt0","name":"10.0.0.9","initiator_port_id":"0x00000000000000020002c90300000001",
     "group":"g1","luns":[2],"channels":2}]})");
  EXPECT_EQ(FormatSessionTable(sessions), Golden("list_sessions.txt"));
  auto report = nlohmann::json::parse(
      R"({"applied":["tgt0: LUN 1 added: m1"],"needs_restart":["driver ib_srpt attribute thread: 0 -> 1"],"warnings":[]})");
  EXPECT_EQ(FormatReport(report),
            "tgt0: LUN 1 added: m1\nneeds restart: driver ib_srpt attribute thread: 0 -> 1\n");
  EXPECT_EQ(FormatReport(nlohmann::json::object()), "no change\n");
}

}  // namespace
}  // namespace srp::target::admin
