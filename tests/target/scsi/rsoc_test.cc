// REPORT SUPPORTED OPERATION CODES (SPC-4 6.35): the all-commands list matches every row of
// the command table, one-command forms carry the CDB usage bitmap, RCTD timeouts descriptors.
#include <gtest/gtest.h>

#include "lib/common/endian.h"
#include "target/scsi/command_table.h"
#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

using testing::Outcome;
using testing::RunIn;

class RsocTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(luns_.Add(0, testing::MakeUnit(testing::MakeMemory(64))).ok());
  }
  LunMap luns_;
};

TEST_F(RsocTest, AllCommandsListsEveryTableRow) {
  const auto rows = DiskCommandHandlers();
  const Outcome o = RunIn(luns_, scsi::BuildReportSupportedOpcodes(0, 0, 0, 4096), 4096);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(o.data.size(), 4 + 8 * rows.size());
  EXPECT_EQ(LoadBe32(o.data.data()), 8 * rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::byte* d = o.data.data() + 4 + 8 * i;
    SCOPED_TRACE(rows[i].name);
    EXPECT_EQ(LoadU8(d), rows[i].opcode);
    const bool sa = rows[i].service_action >= 0;
    EXPECT_EQ(LoadBe16(d + 2), sa ? rows[i].service_action : 0);
    EXPECT_EQ(LoadU8(d + 5), sa ? 0x01 : 0x00);  // SERVACTV, CTDP 0
    EXPECT_EQ(LoadBe16(d + 6), scsi::CdbLengthForOpcode(rows[i].opcode));
  }
  // The commands Linux probes for are listed.
  auto listed = [&](uint8_t op) {
    for (const auto& r : rows) {
      if (r.opcode == op) return true;
    }
    return false;
  };
  for (uint8_t op : {scsi::kOpWriteSame16, scsi::kOpUnmap, scsi::kOpReportLuns,
                     scsi::kOpCompareAndWrite, scsi::kOpVerify16, scsi::kOpSynchronizeCache16}) {
    EXPECT_TRUE(listed(op)) << static_cast<int>(op);
  }
  // Truncation keeps the full COMMAND DATA LENGTH.
  const Outcome t = RunIn(luns_, scsi::BuildReportSupportedOpcodes(0, 0, 0, 12), 12);
  ASSERT_EQ(t.data.size(), 12u);
  EXPECT_EQ(LoadBe32(t.data.data()), 8 * rows.size());
}

TEST_F(RsocTest, AllCommandsWithTimeoutsDescriptors) {
  const auto rows = DiskCommandHandlers();
  const Outcome o = RunIn(luns_, scsi::BuildReportSupportedOpcodes(0, 0, 0, 8192, true), 8192);
  ASSERT_EQ(o.data.size(), 4 + 20 * rows.size());
  const std::byte* d = o.data.data() + 4;
  EXPECT_EQ(LoadU8(d + 5) & 0x02, 0x02);  // CTDP
  EXPECT_EQ(LoadBe16(d + 8), 10u);        // timeouts DESCRIPTOR LENGTH
}

TEST_F(RsocTest, OneCommandFormsCarryUsageBitmaps) {
  const Outcome w =
      RunIn(luns_, scsi::BuildReportSupportedOpcodes(1, scsi::kOpWriteSame16, 0, 64), 64);
  ASSERT_EQ(w.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(w.data.size(), 4u + 16u);
  EXPECT_EQ(w.at(1), 0x03);  // SUPPORT: as the standard says
  EXPECT_EQ(LoadBe16(w.data.data() + 2), 16u);
  EXPECT_EQ(w.at(4), 0x93);
  EXPECT_EQ(w.at(5), 0x09);   // UNMAP, NDOB
  EXPECT_EQ(w.at(19), 0x00);  // CONTROL: NACA/LINK unsupported

  const Outcome rc = RunIn(luns_, scsi::BuildReportSupportedOpcodes(2, 0x9E, 0x10, 64, true), 64);
  ASSERT_EQ(rc.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(rc.data.size(), 4u + 16u + 12u);
  EXPECT_EQ(rc.at(1), 0x83);  // CTDP + supported
  EXPECT_EQ(rc.at(4), 0x9E);
  EXPECT_EQ(rc.at(5), 0x10);
  EXPECT_EQ(LoadBe16(rc.data.data() + 20), 10u);

  // Unsupported opcode / service action: SUPPORT 001b, no usage data.
  const Outcome none = RunIn(luns_, scsi::BuildReportSupportedOpcodes(1, 0xC1, 0, 64), 64);
  ASSERT_EQ(none.data.size(), 4u);
  EXPECT_EQ(none.at(1), 0x01);
  const Outcome sa = RunIn(luns_, scsi::BuildReportSupportedOpcodes(2, 0x9E, 0x11, 64), 64);
  EXPECT_EQ(sa.at(1), 0x01);
  // Option 3 ignores the service action of an opcode without any.
  EXPECT_EQ(RunIn(luns_, scsi::BuildReportSupportedOpcodes(3, 0x28, 7, 64), 64).at(1), 0x03);
}

TEST_F(RsocTest, ReportingOptionMismatchIsInvalidField) {
  Outcome o = RunIn(luns_, scsi::BuildReportSupportedOpcodes(1, 0x9E, 0, 64), 64);
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(LoadBe16(o.sense.data() + 16), 2u);
  o = RunIn(luns_, scsi::BuildReportSupportedOpcodes(2, 0x28, 0, 64), 64);
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  o = RunIn(luns_, scsi::BuildReportSupportedOpcodes(4, 0x28, 0, 64), 64);
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[15]), 0xCA);
}

}  // namespace
}  // namespace srp::target
