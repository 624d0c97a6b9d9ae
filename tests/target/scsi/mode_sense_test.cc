// MODE SENSE(6): header, block descriptor and pages 08h / 0Ah / 3Fh (SPC-4 7.5, SBC-3 6.4).
#include <gtest/gtest.h>

#include "lib/common/endian.h"
#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

using testing::RunIn;

class ModeSenseTest : public ::testing::Test {
 protected:
  void Map(bool read_only) {
    ASSERT_TRUE(luns_
                    .Add(0, testing::MakeUnit(testing::MakeMemory(4096),
                                              {.name = "m", .read_only = read_only}))
                    .ok());
    testing::ConsumePowerOn(luns_);
  }
  LunMap luns_;
};

TEST_F(ModeSenseTest, CachingPageWithBlockDescriptor) {
  Map(false);
  const auto o = RunIn(luns_, scsi::BuildModeSense6(0x08, 0, 255), 255);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(o.data.size(), 4u + 8u + 20u);
  EXPECT_EQ(o.at(0), o.data.size() - 1);  // MODE DATA LENGTH
  EXPECT_EQ(o.at(2), 0x10);               // DPOFUA, not write protected
  EXPECT_EQ(o.at(3), 8);                  // BLOCK DESCRIPTOR LENGTH
  EXPECT_EQ(LoadBe32(o.data.data() + 4), 4096u);
  EXPECT_EQ(LoadBe32(o.data.data() + 8) & 0xFFFFFF, 512u);
  EXPECT_EQ(o.at(12), 0x08);
  EXPECT_EQ(o.at(13), 0x12);
  EXPECT_EQ(o.at(14) & 0x04, 0);  // WCE = 0
  EXPECT_EQ(o.residual, Residual::kUnderflow);
}

TEST_F(ModeSenseTest, AllPagesWithoutBlockDescriptorAndWriteProtect) {
  Map(true);
  const auto o = RunIn(luns_, scsi::BuildModeSense6(0x3F, 0, 255, /*dbd=*/true), 255);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(o.data.size(), 4u + 20u + 12u);
  EXPECT_EQ(o.at(2), 0x90);  // WP | DPOFUA
  EXPECT_EQ(o.at(3), 0);
  EXPECT_EQ(o.at(4), 0x08);
  EXPECT_EQ(o.at(24), 0x0A);
  EXPECT_EQ(o.at(25), 0x0A);
}

TEST_F(ModeSenseTest, ShortAllocationReturnsHeaderWithFullLength) {
  Map(true);
  const auto o = RunIn(luns_, scsi::BuildModeSense6(0x3F, 0, 4), 4);
  ASSERT_EQ(o.data.size(), 4u);
  EXPECT_EQ(o.at(0), 4 + 8 + 20 + 12 - 1);
  EXPECT_EQ(o.at(2) & 0x80, 0x80);  // sd reads WP from the first 4 bytes
}

TEST_F(ModeSenseTest, UnsupportedPageSubpageAndSavedValues) {
  Map(false);
  testing::ExpectCheck(RunIn(luns_, scsi::BuildModeSense6(0x1C, 0, 255), 255),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  testing::ExpectCheck(RunIn(luns_, scsi::BuildModeSense6(0x08, 0x01, 255), 255),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  scsi::Cdb saved = scsi::BuildModeSense6(0x08, 0, 255);
  saved.bytes[2] = std::byte{0xC8};  // PC = 11b
  testing::ExpectCheck(RunIn(luns_, saved, 255), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscSavingParametersNotSupported);
}

}  // namespace
}  // namespace srp::target
