// srp-admin against a running target and on a file: scstadmin's verbs build a configuration,
// -WriteConfig writes it, `serve --config` of that file starts an identical target (round
// trip: the second -write_config output equals the first), exit codes and file edits.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/admin_fixture.h"

namespace srp::integration {
namespace {

constexpr const char* kStart = R"(HANDLER vdisk_nullio {
	DEVICE n0
}
TARGET_DRIVER ib_srpt {
	TARGET tgt0 {
		LUN 0 n0
	}
}
)";

class AdminRoundTripTest : public AdminTest {};

TEST_P(AdminRoundTripTest, WriteConfigRoundTrip) {
  std::string image = WriteFile("disk01.img", std::string(1 << 20, '\0'));
  StartWithRunDir({"--config", WriteFile("start.conf", kStart)});
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"-adddev", "disk01", "-path", image, "-handler", "vdisk", "-options", "NV_CACHE"},
           {"-open_dev", "mem1", "-handler", "vdisk_memory", "-attributes", "size=2097152"},
           {"-assigndev", "disk01", "-group", "Default", "-lun", "1"},
           {"-add_group", "hosts", "-driver", "ib_srpt", "-target", "tgt0"},
           {"-add_init", "0x0000000000000001*", "-driver", "ib_srpt", "-target", "tgt0", "-group",
            "hosts"},
           {"-add_lun", "0", "-driver", "ib_srpt", "-target", "tgt0", "-group", "hosts", "-device",
            "mem1"}}) {
    auto r = Admin(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }
  auto devices = Admin({"-list_device"});
  ASSERT_EQ(devices.exit_code, 0) << devices.err;
  EXPECT_EQ(devices.out, "Device  Handler       Size(MiB)  Block  RO  Filename" +
                             std::string(image.size() - 8, ' ') + "  LUNs\n" +
                             "n0      vdisk_nullio  1048576    512    no  -" +
                             std::string(image.size() - 1, ' ') + "  tgt0:0\n" +
                             "disk01  vdisk_fileio  1          512    no  " + image + "  tgt0:1\n" +
                             "mem1    vdisk_memory  2          512    no  -" +
                             std::string(image.size() - 1, ' ') + "  tgt0/hosts:0\n");
  // A refused edit: exit 1, a clear message, nothing changed.
  auto dup = Admin({"-assigndev", "mem1", "-group", "Default", "-lun", "1"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("LUN 1 is already assigned (to disk01)"), std::string::npos) << dup.err;

  std::string w1 = subnet_->path() + "/w1.conf";
  auto write1 = Admin({"-WriteConfig", w1});
  ASSERT_EQ(write1.exit_code, 0) << write1.err;
  target_.Stop();

  StartWithRunDir({"--config", w1});
  std::string w2 = subnet_->path() + "/w2.conf";
  auto write2 = Admin({"-write_config", w2});
  ASSERT_EQ(write2.exit_code, 0) << write2.err;
  EXPECT_EQ(ReadFile(w1), ReadFile(w2));
  EXPECT_NE(ReadFile(w1).find("INITIATOR 0x0000000000000001*\n"), std::string::npos)
      << ReadFile(w1);
  // The restarted target serves what the file says, ACL group included.
  auto grouped =
      Login(target_.IbTarget(), [](initiator::SessionOptions& o) { o.initiator_ext = 1; });
  ASSERT_TRUE(grouped);
  EXPECT_EQ(Luns(*grouped), (std::vector<uint32_t>{0}));
  auto cap = initiator::ReadCapacity(*grouped, scsi::PackLun(0));
  ASSERT_TRUE(cap.ok()) << cap.status().ToString();
  EXPECT_EQ((cap->last_lba + 1) * cap->block_size, 2097152u);
  auto plain = Login(target_.IbTarget());
  ASSERT_TRUE(plain);
  EXPECT_EQ(Luns(*plain), (std::vector<uint32_t>{0, 1}));
}

TEST_P(AdminRoundTripTest, FileModeAndExitCodes) {
  std::string file = WriteFile("edit.conf", kStart);
  auto ok = Admin({"-config", file, "-open_dev", "m9", "-handler", "vdisk_memory", "-attributes",
                   "size=1048576"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  auto lun = Admin(
      {"-config", file, "-add_lun", "3", "-driver", "ib_srpt", "-target", "tgt0", "-device", "m9"});
  ASSERT_EQ(lun.exit_code, 0) << lun.err;
  std::string before = ReadFile(file);
  EXPECT_NE(before.find("\t\tLUN 3 m9\n"), std::string::npos) << before;
  auto refused = Admin({"-config", file, "-close_dev", "m9"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("still assigned"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("file unchanged"), std::string::npos) << refused.err;
  EXPECT_EQ(ReadFile(file), before);

  // No target runs in this run directory: 3; a bad command line: 2; --help: 0 with examples.
  auto none = Admin({"-list_sessions"});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_NE(none.err.find("no running srp-target in " + run_dir_), std::string::npos) << none.err;
  EXPECT_EQ(Admin({"-add_lun", "1"}).exit_code, 2);
  auto help = Admin({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);

  // -config FILE alone applies FILE to the running target.
  StartWithRunDir({"--config", WriteFile("run.conf", kStart)});
  auto apply = Admin({"-config", file});
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_NE(apply.out.find("tgt0: LUN 3 added: m9"), std::string::npos) << apply.out;
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  EXPECT_EQ(Luns(*s), (std::vector<uint32_t>{0, 3}));
}

INSTANTIATE_TEST_SUITE_P(Threads, AdminRoundTripTest, ::testing::Values(0), ThreadName);

}  // namespace
}  // namespace srp::integration
