// VPD pages B0h (block limits), B1h (block device characteristics), B2h (logical block
// provisioning), the target port designators of 83h, and READ CAPACITY(16) LBPME, with and
// without backend unmap support (SBC-3 6.5, SPC-4 7.8.6).
#include <gtest/gtest.h>

#include "lib/common/endian.h"
#include "lib/scsi/responses.h"
#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

using testing::Outcome;
using testing::RunIn;

class VpdLimitsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    backend_ = std::make_shared<testing::CapableBackend>(testing::MakeMemory(4096));
    backend_->unmap = GetParam();
    ASSERT_TRUE(luns_.Add(0, testing::MakeUnit(backend_, {.name = "vpd"})).ok());
  }
  std::shared_ptr<testing::CapableBackend> backend_;
  LunMap luns_;
};

TEST_P(VpdLimitsTest, BlockLimitsPage) {
  const bool unmap = GetParam();
  const Outcome o = RunIn(luns_, scsi::BuildInquiryVpd(0xB0, 255), 255);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(o.data.size(), 64u);
  EXPECT_EQ(o.at(1), 0xB0);
  EXPECT_EQ(LoadBe16(o.data.data() + 2), 0x3Cu);
  EXPECT_EQ(o.at(4), 0x01);  // WSNZ
  EXPECT_EQ(o.at(5), 64);    // MAXIMUM COMPARE AND WRITE LENGTH
  EXPECT_EQ(LoadBe16(o.data.data() + 6), 1u);
  EXPECT_EQ(LoadBe32(o.data.data() + 8), 0u);  // MAXIMUM TRANSFER LENGTH: no limit
  EXPECT_EQ(LoadBe32(o.data.data() + 20), unmap ? (1u << 22) : 0u);
  EXPECT_EQ(LoadBe32(o.data.data() + 24), unmap ? 64u : 0u);
  EXPECT_EQ(LoadBe32(o.data.data() + 28), unmap ? 1u : 0u);
  EXPECT_EQ(LoadBe64(o.data.data() + 36), 65536u);  // MAXIMUM WRITE SAME LENGTH
}

TEST_P(VpdLimitsTest, CharacteristicsAndProvisioningPages) {
  const bool unmap = GetParam();
  const Outcome b1 = RunIn(luns_, scsi::BuildInquiryVpd(0xB1, 255), 255);
  ASSERT_EQ(b1.data.size(), 64u);
  EXPECT_EQ(LoadBe16(b1.data.data() + 4), 1u);  // non-rotating medium
  const Outcome b2 = RunIn(luns_, scsi::BuildInquiryVpd(0xB2, 255), 255);
  ASSERT_EQ(b2.data.size(), 8u);
  EXPECT_EQ(LoadBe16(b2.data.data() + 2), 4u);
  EXPECT_EQ(b2.at(5), unmap ? 0xE4 : 0x00);  // LBPU LBPWS LBPWS10 LBPRZ
  EXPECT_EQ(b2.at(6), unmap ? 0x02 : 0x00);  // thin provisioned
  const Outcome rc = RunIn(luns_, scsi::BuildReadCapacity16(32), 32);
  ASSERT_EQ(rc.data.size(), 32u);
  EXPECT_EQ(rc.at(14), unmap ? 0xC0 : 0x00);  // LBPME LBPRZ
}

INSTANTIATE_TEST_SUITE_P(Unmap, VpdLimitsTest, ::testing::Bool());

TEST(VpdPortTest, TargetPortDesignatorsFromTheTask) {
  LunMap luns;
  ASSERT_TRUE(luns.Add(0, testing::MakeUnit(testing::MakeMemory(64))).ok());
  const TargetPortInfo port{.relative_port_id = 0x1234,
                            .name = "0xfe800000000000000002c903000f34f"};
  ScsiTask task;
  ASSERT_TRUE(task.SetCdb(scsi::BuildInquiryVpd(0x83, 512).view()).ok());
  task.lun_raw = scsi::PackLun(0);
  task.direction = DataDirection::kIn;
  task.expected_length = 512;
  std::vector<std::byte> buf(512);
  task.buffer = buf;
  task.port = &port;
  int done = 0;
  ExecuteTask(luns, task, [&done](ScsiTask&) { ++done; });
  ASSERT_EQ(done, 1);
  ASSERT_EQ(task.status, scsi::ScsiStatus::kGood);
  auto ds = scsi::ParseDeviceIdentification(task.data_in());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->size(), 4u);
  const auto& rel = (*ds)[2];
  EXPECT_EQ(rel.type, 4);
  EXPECT_EQ(LoadBe16(rel.value.data() + 2), 0x1234u);
  const auto& name = (*ds)[3];
  EXPECT_EQ(name.type, 8);  // SCSI name string
  EXPECT_EQ(name.code_set, 3);
  EXPECT_EQ(name.association, 1);
  EXPECT_EQ(name.protocol_identifier, 4);
  EXPECT_EQ(name.value.size() % 4, 0u);
  EXPECT_EQ(name.value.size(), 36u);  // 33 characters + NUL, padded to 36
  const std::string text(reinterpret_cast<const char*>(name.value.data()));
  EXPECT_EQ(text, port.name);
}

}  // namespace
}  // namespace srp::target
