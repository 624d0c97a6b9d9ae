#include "target/app/config_luns.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "lib/scsi/lun.h"
#include "lib/scsi/responses.h"
#include "target/app/live_config.h"
#include "target/config/scst_config_parser.h"
#include "target/engine/access_control.h"
#include "target/scsi/logical_unit.h"
#include "target/scsi/scsi_core.h"
#include "target/scsi/scsi_task.h"

namespace srp::target {
namespace {

Result<ConfiguredTarget> Build(std::string_view text) {
  SRP_ASSIGN_OR_RETURN(config::Configuration cfg, config::ParseScstConfig(text, "t.conf"));
  return BuildConfiguredTarget(cfg, 64);
}

constexpr std::string_view kTwoLuns = R"(HANDLER vdisk_nullio {
	DEVICE null01 {
		size 1048576
		t10_vend_id ACME
	}
}
HANDLER vdisk_memory {
	DEVICE ram01 {
		size 4194304
		blocksize 4096
	}
}
TARGET_DRIVER ib_srpt {
	srp_max_message_size 8260
	srp_max_rdma_size 131072
	thread 1
	rdma_cm_port 5000
	TARGET tgt0 {
		enabled 1
		LUN 3 null01
		LUN 7 ram01
	}
}
)";

TEST(ConfigLunsTest, BuildsTheTargetsLunsAndDriverParameters) {
  auto built = Build(kTwoLuns);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->name, "tgt0");
  EXPECT_EQ(built->luns->Luns(), (std::vector<uint32_t>{3, 7}));
  const DriverParameters& p = built->parameters;
  EXPECT_EQ(p.srp_max_message_size, 8260u);
  EXPECT_EQ(p.srp_max_rdma_size, 131072u);
  EXPECT_EQ(p.thread, 1);
  EXPECT_EQ(p.rdma_cm_port, 5000);
  EXPECT_FALSE(p.trace_flag.has_value());

  std::shared_ptr<LogicalUnit> ram = built->luns->Find(7);
  ASSERT_NE(ram, nullptr);
  EXPECT_EQ(ram->backend().block_size(), 4096u);
  EXPECT_EQ(ram->backend().num_blocks(), 1024u);
  std::shared_ptr<LogicalUnit> null = built->luns->Find(3);
  ASSERT_NE(null, nullptr);
  EXPECT_EQ(null->backend().num_blocks(), 2048u);  // 1 MiB of 512-byte blocks
}

TEST(ConfigLunsTest, InquiryCarriesTheConfiguredIdentity) {
  auto built = Build(kTwoLuns);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  std::array<std::byte, 96> data{};
  ScsiTask task;
  task.lun_raw = scsi::PackLun(3);
  std::array<std::byte, 6> cdb{std::byte{0x12}, {}, {}, {}, std::byte{96}, {}};
  ASSERT_TRUE(task.SetCdb(cdb).ok());
  task.direction = DataDirection::kIn;
  task.expected_length = data.size();
  task.buffer = data;
  bool done = false;
  ExecuteTask(*built->luns, task, [&done](ScsiTask&) { done = true; });
  ASSERT_TRUE(done);
  ASSERT_EQ(task.status, scsi::ScsiStatus::kGood);
  auto inquiry = scsi::ParseInquiryData(task.data_in());
  ASSERT_TRUE(inquiry.ok()) << inquiry.status().ToString();
  EXPECT_EQ(inquiry->vendor, "ACME");
  EXPECT_EQ(inquiry->product, "null01");
}

TEST(ConfigLunsTest, UnopenableDeviceIsAnErrorNamingItsLine) {
  // Validation (file exists) is LoadConfiguredTarget's job; opening still fails cleanly.
  auto built = Build(
      "HANDLER vdisk_fileio {\n\tDEVICE disk01 {\n\t\tfilename /nonexistent/disk01.img\n"
      "\t}\n}\nTARGET_DRIVER ib_srpt {\n\tTARGET t {\n\t\tLUN 0 disk01\n\t}\n}\n");
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().message().rfind("<unknown>", 0), std::string::npos);
  EXPECT_NE(built.status().message().find("disk01"), std::string::npos)
      << built.status().message();
}

TEST(ConfigLunsTest, GroupsAndSecondTargetsAreBuilt) {
  auto groups = Build(
      "HANDLER vdisk_nullio {\n\tDEVICE n\n\tDEVICE m\n}\nTARGET_DRIVER ib_srpt {\n"
      "\tTARGET t {\n\t\tLUN 0 n\n\t\tGROUP g {\n\t\t\tLUN 3 m\n"
      "\t\t\tINITIATOR 0x00000000000000010000000000000002\n\t\t}\n\t}\n"
      "\tTARGET b {\n\t\tLUN 0 n\n\t}\n}\n");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  EXPECT_EQ(groups->name, "t");
  EXPECT_EQ(groups->luns->Luns(), (std::vector<uint32_t>{0}));
  AclTable table = groups->access->Snapshot();
  ASSERT_EQ(table.groups.size(), 1u);
  EXPECT_EQ(table.groups[0].name, "g");
  EXPECT_EQ(table.groups[0].luns->Luns(), (std::vector<uint32_t>{3}));
  ASSERT_NE(groups->live, nullptr);
  EXPECT_NE(groups->live->Access("b"), nullptr);
}

TEST(ConfigLunsTest, MissingDriverIsAnErrorAndADisabledTargetRefusesLogins) {
  auto none = Build("HANDLER vdisk_nullio {\n\tDEVICE n\n}\n");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no TARGET_DRIVER ib_srpt"), std::string::npos);
  auto disabled = Build(
      "HANDLER vdisk_nullio {\n\tDEVICE n\n}\nTARGET_DRIVER ib_srpt {\n\tTARGET t {\n"
      "\t\tenabled 0\n\t\tLUN 0 n\n\t}\n}\n");
  ASSERT_TRUE(disabled.ok()) << disabled.status().ToString();
  EXPECT_FALSE(disabled->access->Resolve({}).enabled);
}

TEST(ConfigLunsTest, OneDeviceAtTwoLunsIsOneUnit) {
  auto built = Build(
      "HANDLER vdisk_memory {\n\tDEVICE m {\n\t\tsize 1048576\n\t}\n}\n"
      "TARGET_DRIVER ib_srpt {\n\tTARGET t {\n\t\tLUN 0 m\n\t\tLUN 1 m\n\t}\n}\n");
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->luns->Find(0), built->luns->Find(1));
}

}  // namespace
}  // namespace srp::target

namespace srp::target {
namespace {

// The README points users at this file: it must keep loading.
TEST(ConfigLunsTest, ShippedExampleConfigLoads) {
  auto built = LoadConfiguredTarget(SRP_SOURCE_DIR "/examples/srp-target.conf", 64);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->luns->Luns(), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(built->parameters.srp_max_message_size, 8260u);
  EXPECT_EQ(built->luns->Find(1)->backend().num_blocks(), (256u << 20) / 4096);
}

}  // namespace
}  // namespace srp::target
