// LiveConfig: reload and admin edits change the running LUN maps in place (with the unit
// attentions SPC asks for), a bad file changes nothing, what cannot change is reported.
#include "target/app/live_config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lib/scsi/lun.h"
#include "lib/scsi/sense.h"
#include "target/config/scst_config_parser.h"
#include "target/engine/access_control.h"
#include "target/scsi/scsi_core.h"

namespace srp::target {
namespace {

// TEST UNIT READY on `lun` for `nexus`: "GOOD" or the sense as "key/asc/ascq" in hex.
std::string Tur(const LunMap& luns, uint32_t lun, uint64_t nexus) {
  ScsiTask task;
  task.nexus_id = nexus;
  task.lun_raw = scsi::PackLun(lun);
  std::array<std::byte, 6> cdb{};
  EXPECT_TRUE(task.SetCdb(cdb).ok());
  bool done = false;
  ExecuteTask(luns, task, [&done](ScsiTask&) { done = true; });
  EXPECT_TRUE(done);
  if (task.status == scsi::ScsiStatus::kGood) return "GOOD";
  auto sense = scsi::ParseSense(task.sense_data());
  if (!sense.ok()) return "bad sense";
  return fmt::format("{:x}/{:02x}/{:02x}", static_cast<int>(sense->key), sense->asc.asc,
                     sense->asc.ascq);
}

class LiveConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/live_config_test_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/t.conf";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }

  std::string dir_, path_;
};

constexpr const char* kBase = R"(HANDLER vdisk_memory {
	DEVICE m0 {
		size 1048576
	}
	DEVICE m1 {
		size 1048576
	}
}
TARGET_DRIVER ib_srpt {
	srp_max_message_size 2116
	TARGET t {
		LUN 0 m0
		GROUP g {
			LUN 0 m1
			INITIATOR 10.0.0.9
		}
	}
}
)";

TEST_F(LiveConfigTest, ReloadAddsLunInPlace) {
  Write(kBase);
  auto live = LiveConfig::Load(path_, 64);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  std::shared_ptr<AccessControl> acl = (*live)->Access("t");
  ASSERT_NE(acl, nullptr);
  std::shared_ptr<LunMap> defaults = acl->Snapshot().default_luns;
  EXPECT_EQ(Tur(*defaults, 0, 7), "GOOD");  // nexus 7 is now known to LUN 0

  std::string next = kBase;
  next.replace(next.find("\t\tLUN 0 m0\n"), 11, "\t\tLUN 0 m0\n\t\tLUN 1 m1\n");
  Write(next);
  auto report = (*live)->Reload();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->applied, (std::vector<std::string>{"t: LUN 1 added: m1"}));
  EXPECT_TRUE(report->needs_restart.empty());
  // Same map object: sessions holding it see the change.
  EXPECT_EQ(acl->Snapshot().default_luns, defaults);
  EXPECT_EQ(defaults->Luns(), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(Tur(*defaults, 0, 7), "6/3f/0e");
  EXPECT_EQ(Tur(*defaults, 0, 7), "GOOD");
  EXPECT_EQ(Tur(*defaults, 1, 7), "GOOD");
}

TEST_F(LiveConfigTest, BadFileChangesNothing) {
  Write(kBase);
  auto live = LiveConfig::Load(path_, 64);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  const config::Configuration before = (*live)->Model();
  std::shared_ptr<LunMap> defaults = (*live)->Access("t")->Snapshot().default_luns;

  // A syntax error, an unknown device and a missing backing file: each refused whole.
  std::string bad_syntax = kBase;
  bad_syntax.replace(bad_syntax.find("\t\tLUN 0 m0\n"), 11, "\t\tLUN 0 m0\n\t\tLUN 1 m1 m2\n");
  std::string unknown = kBase;
  unknown.replace(unknown.find("\t\tLUN 0 m0\n"), 11, "\t\tLUN 0 m0\n\t\tLUN 1 ghost\n");
  std::string missing = std::string("HANDLER vdisk_fileio {\n\tDEVICE f {\n\t\tfilename ") + dir_ +
                        "/nope.img\n\t}\n}\n" + kBase;
  for (const auto& [text, where] : std::vector<std::pair<std::string, std::string>>{
           {bad_syntax, "t.conf:13:"}, {unknown, "t.conf:13:"}, {missing, "t.conf:2:"}}) {
    Write(text);
    auto report = (*live)->Reload();
    ASSERT_FALSE(report.ok()) << where;
    EXPECT_NE(report.status().message().find(where), std::string::npos)
        << report.status().message();
    EXPECT_EQ((*live)->Model(), before);
    EXPECT_EQ(defaults->Luns(), (std::vector<uint32_t>{0}));
  }
}

TEST_F(LiveConfigTest, ResizeAndNeedsRestart) {
  Write(kBase);
  auto live = LiveConfig::Load(path_, 64);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  std::shared_ptr<LunMap> defaults = (*live)->Access("t")->Snapshot().default_luns;
  std::shared_ptr<LogicalUnit> old_unit = defaults->Find(0);
  EXPECT_EQ(Tur(*defaults, 0, 3), "GOOD");
  std::string next = kBase;
  next.replace(next.find("size 1048576"), 12, "size 2097152");
  next.replace(next.find("srp_max_message_size 2116"), 25, "srp_max_message_size 8260");
  Write(next);
  auto report = (*live)->Reload();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->needs_restart.size(), 1u);
  EXPECT_NE(report->needs_restart[0].find("srp_max_message_size: 2116 -> 8260"), std::string::npos)
      << report->needs_restart[0];
  std::shared_ptr<LogicalUnit> new_unit = defaults->Find(0);
  ASSERT_NE(new_unit, old_unit);
  EXPECT_EQ(new_unit->num_blocks(), 4096u);
  EXPECT_EQ(Tur(*defaults, 0, 3), "6/2a/09");
  // The group's LUN (device m1, unchanged) keeps its unit.
}

TEST_F(LiveConfigTest, GroupsAndRemovedTargets) {
  Write(kBase);
  auto live = LiveConfig::Load(path_, 64);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  std::shared_ptr<AccessControl> acl = (*live)->Access("t");
  std::shared_ptr<LunMap> group_map = acl->Snapshot().groups.at(0).luns;
  config::SessionIdentity ip = MakeSessionIdentity(nullptr, "10.0.0.9", {}, "10.0.0.9");
  EXPECT_EQ(acl->Resolve(ip).group, "g");

  config::ConfigEdit add;
  add.op = config::ConfigEdit::Op::kAddGroup;
  add.group = "h";
  auto r1 = (*live)->Edit(add);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(acl->Snapshot().groups.size(), 2u);

  config::ConfigEdit rem;
  rem.op = config::ConfigEdit::Op::kRemoveGroup;
  rem.group = "g";
  ASSERT_TRUE((*live)->Edit(rem).ok());
  EXPECT_EQ(acl->Resolve(ip).group, "");
  EXPECT_EQ(group_map->size(), 0u);  // sessions of the removed group lose its LUNs

  config::ConfigEdit clear;
  clear.op = config::ConfigEdit::Op::kClearConfig;
  auto r3 = (*live)->Edit(clear);
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  EXPECT_FALSE(acl->Resolve(ip).enabled);
  EXPECT_EQ(acl->Snapshot().default_luns->size(), 0u);
  EXPECT_TRUE((*live)->Devices().empty());
}

TEST_F(LiveConfigTest, TargetForPortByGidNameOrTheOnlyOne) {
  Write(kBase);
  auto one = LiveConfig::Load(path_, 64);
  ASSERT_TRUE(one.ok());
  Gid gid = *ParseGid("fe80::2:c903:0:1");
  EXPECT_EQ((*one)->TargetForPort(gid, "anything").value(), "t");
  auto two = config::ParseScstConfig(
      "HANDLER vdisk_nullio {\n\tDEVICE n\n}\nTARGET_DRIVER ib_srpt {\n"
      "\tTARGET fe80:0000:0000:0000:0002:c903:0000:0001 {\n\t\trel_tgt_id 5\n\t\tLUN 0 n\n\t}\n"
      "\tTARGET p2 {\n\t\tLUN 1 n\n\t}\n}\n",
      "two.conf");
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  auto live = LiveConfig::Create(*two, 64, "");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ((*live)->TargetForPort(gid, "p1").value(), "fe80:0000:0000:0000:0002:c903:0000:0001");
  EXPECT_EQ((*live)->TargetForPort(*ParseGid("fe80::9"), "p2").value(), "p2");
  EXPECT_FALSE((*live)->TargetForPort(*ParseGid("fe80::9"), "p3").ok());
  EXPECT_EQ((*live)->RelativeTargetId("fe80:0000:0000:0000:0002:c903:0000:0001"), 5);
  EXPECT_EQ((*live)->RelativeTargetId("p2"), 1);
}

TEST_F(LiveConfigTest, NeverMatchingInitiatorsAreWarnedAbout) {
  std::string text = kBase;
  text.replace(text.find("INITIATOR 10.0.0.9"), 18, "INITIATOR host-a");
  Write(text);
  auto live = LiveConfig::Load(path_, 64);
  ASSERT_TRUE(live.ok());
  auto report = (*live)->Apply((*live)->Model());
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_NE(report->warnings[0].find("t.conf:15: INITIATOR host-a of group g can never match"),
            std::string::npos)
      << report->warnings[0];
  EXPECT_TRUE(report->applied.empty());
}

}  // namespace
}  // namespace srp::target
