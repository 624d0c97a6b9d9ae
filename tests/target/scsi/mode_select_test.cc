// MODE SENSE(10), page control (changeable / default), every caching and control page byte,
// and MODE SELECT(6)/(10) of the caching page's WCE bit (SPC-4 6.11-6.14, SBC-3 6.4).
#include <gtest/gtest.h>

#include "lib/common/endian.h"
#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

using testing::Outcome;
using testing::RunIn;
using testing::RunOut;

class ModeSelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = std::make_shared<testing::CapableBackend>(testing::MakeMemory(4096));
    unit_ = testing::MakeUnit(backend_, {.name = "ms"});
    ASSERT_TRUE(luns_.Add(0, unit_).ok());
  }
  // The caching page as MODE SENSE(6) (DBD) returns it for page control `pc`.
  std::vector<std::byte> CachingPage(uint8_t pc) {
    scsi::Cdb cdb = scsi::BuildModeSense6(0x08, 0, 255, /*dbd=*/true);
    cdb.bytes[2] = static_cast<std::byte>((pc << 6) | 0x08);
    const Outcome o = RunIn(luns_, cdb, 255);
    EXPECT_EQ(o.status, scsi::ScsiStatus::kGood);
    if (o.data.size() < 24) return {};
    return {o.data.begin() + 4, o.data.end()};
  }
  // MODE SELECT(6) parameter list: 4-byte header without block descriptor + `page`.
  static std::vector<std::byte> SelectList(std::vector<std::byte> page) {
    std::vector<std::byte> list(4);
    list.insert(list.end(), page.begin(), page.end());
    return list;
  }
  Outcome Select6(const std::vector<std::byte>& list) {
    return RunOut(luns_, scsi::BuildModeSelect6(static_cast<uint8_t>(list.size())), list);
  }

  std::shared_ptr<testing::CapableBackend> backend_;
  std::shared_ptr<LogicalUnit> unit_;
  LunMap luns_;
};

TEST_F(ModeSelectTest, ModeSense10HeaderShortAndLongBlockDescriptors) {
  const Outcome o = RunIn(luns_, scsi::BuildModeSense10(0x08, 0, 512), 512);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(o.data.size(), 8u + 8u + 20u);
  EXPECT_EQ(LoadBe16(o.data.data()), o.data.size() - 2);  // MODE DATA LENGTH
  EXPECT_EQ(o.at(2), 0);                                  // MEDIUM TYPE
  EXPECT_EQ(o.at(3), 0x10);                               // DPOFUA
  EXPECT_EQ(o.at(4), 0);                                  // LONGLBA 0
  EXPECT_EQ(LoadBe16(o.data.data() + 6), 8u);
  EXPECT_EQ(LoadBe32(o.data.data() + 8), 4096u);
  EXPECT_EQ(LoadBe32(o.data.data() + 12), 512u);
  EXPECT_EQ(o.at(16), 0x08);
  EXPECT_EQ(o.at(18), 0x04);  // WCE: the backend caches writes

  const Outcome l = RunIn(luns_, scsi::BuildModeSense10(0x0A, 0, 512, false, 0, true), 512);
  ASSERT_EQ(l.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(l.data.size(), 8u + 16u + 12u);
  EXPECT_EQ(l.at(4), 0x01);  // LONGLBA
  EXPECT_EQ(LoadBe16(l.data.data() + 6), 16u);
  EXPECT_EQ(LoadBe64(l.data.data() + 8), 4096u);
  EXPECT_EQ(LoadBe32(l.data.data() + 20), 512u);
  EXPECT_EQ(l.at(24), 0x0A);
  EXPECT_EQ(l.at(25), 0x0A);
  EXPECT_EQ(LoadBe16(l.data.data() + 24 + 8), 0xFFFFu);  // BUSY TIMEOUT PERIOD

  const Outcome t = RunIn(luns_, scsi::BuildModeSense10(0x3F, 0, 10), 10);
  EXPECT_EQ(t.data.size(), 10u);
  EXPECT_EQ(LoadBe16(t.data.data()), 8u + 8u + 20u + 12u - 2u);  // full length, truncated data
}

TEST_F(ModeSelectTest, EveryCachingAndControlPageByteForEachPageControl) {
  const auto current = CachingPage(0);
  ASSERT_EQ(current.size(), 20u);
  std::vector<std::byte> expected(20);
  expected[0] = std::byte{0x08};
  expected[1] = std::byte{0x12};
  expected[2] = std::byte{0x04};
  EXPECT_EQ(current, expected);
  const auto changeable = CachingPage(1);
  EXPECT_EQ(changeable, expected);  // only WCE is changeable
  backend_->wce = false;
  EXPECT_EQ(static_cast<uint8_t>(CachingPage(0).at(2)), 0x00);
  EXPECT_EQ(static_cast<uint8_t>(CachingPage(2).at(2)), 0x04);  // default: as created

  scsi::Cdb control = scsi::BuildModeSense6(0x0A, 0, 255, true);
  control.bytes[2] = std::byte{0x4A};  // changeable values
  const Outcome c = RunIn(luns_, control, 255);
  ASSERT_EQ(c.data.size(), 4u + 12u);
  for (size_t i = 6; i < 16; ++i) EXPECT_EQ(c.at(i), 0) << i;  // nothing changeable
  const Outcome changeable_bd = RunIn(
      luns_,
      [] {
        scsi::Cdb cdb = scsi::BuildModeSense6(0x0A, 0, 255);
        cdb.bytes[2] = std::byte{0x4A};
        return cdb;
      }(),
      255);
  ASSERT_EQ(changeable_bd.data.size(), 4u + 8u + 12u);
  for (size_t i = 4; i < 12; ++i) EXPECT_EQ(changeable_bd.at(i), 0) << i;
}

TEST_F(ModeSelectTest, ModeSelectRoundTripTogglesWriteCache) {
  testing::ConsumePowerOn(luns_, 0, 2);  // nexus 2 is known to the unit
  auto page = CachingPage(0);
  page[2] = std::byte{0x00};  // WCE off
  const Outcome o = Select6(SelectList(page));
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood) << (o.sense.empty() ? 0 : o.at(0));
  EXPECT_FALSE(backend_->wce);
  EXPECT_EQ(static_cast<uint8_t>(CachingPage(0).at(2)), 0x00);
  // Another nexus learns of it through MODE PARAMETERS CHANGED; ours does not.
  testing::ExpectCheck(testing::RunNoData(luns_, scsi::BuildTestUnitReady(), 0, 2),
                       scsi::SenseKey::kUnitAttention, scsi::kAscModeParametersChanged);

  // MODE SELECT(10) with a block descriptor restating the geometry turns it back on.
  std::vector<std::byte> list(8 + 8);
  StoreBe16(&list[6], 8);
  StoreBe32(&list[8], 4096);
  StoreBe32(&list[12], 512);
  page[2] = std::byte{0x04};
  list.insert(list.end(), page.begin(), page.end());
  const Outcome ten =
      RunOut(luns_, scsi::BuildModeSelect10(static_cast<uint16_t>(list.size())), list);
  ASSERT_EQ(ten.status, scsi::ScsiStatus::kGood);
  EXPECT_TRUE(backend_->wce);
  EXPECT_EQ(ten.data_length, list.size());
}

TEST_F(ModeSelectTest, ModeSelectRejectsOtherChangesWithFieldPointers) {
  auto page = CachingPage(0);
  page[2] = std::byte{0x05};  // RCD is not changeable
  Outcome o = Select6(SelectList(page));
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInParameterList);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[15]), 0x88);  // SKSV, C/D=0 (parameter list), BPV, bit 0
  EXPECT_EQ(LoadBe16(o.sense.data() + 16), 4u + 2u);
  EXPECT_TRUE(backend_->wce);

  page = CachingPage(0);
  page[1] = std::byte{0x10};  // wrong page length
  page.resize(18);
  o = Select6(SelectList(page));
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInParameterList);
  EXPECT_EQ(LoadBe16(o.sense.data() + 16), 5u);

  std::vector<std::byte> unknown = {std::byte{0x1C}, std::byte{0x02}, std::byte{0}, std::byte{0}};
  o = Select6(SelectList(unknown));
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInParameterList);
  EXPECT_EQ(LoadBe16(o.sense.data() + 16), 4u);

  // Page running past the list, list shorter than the header.
  page = CachingPage(0);
  page.resize(10);
  testing::ExpectCheck(Select6(SelectList(page)), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscParameterListLengthError);
  testing::ExpectCheck(Select6({std::byte{0}, std::byte{0}}), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscParameterListLengthError);
  // Descriptors shorter than PARAMETER LIST LENGTH.
  testing::ExpectCheck(RunOut(luns_, scsi::BuildModeSelect6(24), std::vector<std::byte>(8)),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscParameterListLengthError);
  // Block descriptor changing the block size.
  std::vector<std::byte> bd(12);
  bd[3] = std::byte{8};
  StoreBe32(&bd[8], 4096);
  o = Select6(bd);
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInParameterList);
  EXPECT_EQ(LoadBe16(o.sense.data() + 16), 9u);
  // SP=1, PF=0.
  scsi::Cdb sp = scsi::BuildModeSelect6(0);
  sp.bytes[1] = std::byte{0x11};
  o = RunOut(luns_, sp, {});
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[15]), 0xC8);  // C/D=1, BPV, bit 0
  sp.bytes[1] = std::byte{0x00};
  testing::ExpectCheck(RunOut(luns_, sp, {}), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscInvalidFieldInCdb);
  // Empty parameter list: nothing to do.
  EXPECT_EQ(RunOut(luns_, scsi::BuildModeSelect6(0), {}).status, scsi::ScsiStatus::kGood);
}

TEST_F(ModeSelectTest, BackendThatCannotChangeWceIsInvalidFieldInParameterList) {
  backend_->wce_fixed = true;
  auto page = CachingPage(0);
  page[2] = std::byte{0x00};
  const Outcome o = Select6(SelectList(page));
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInParameterList);
  EXPECT_EQ(LoadBe16(o.sense.data() + 16), 6u);
  EXPECT_TRUE(backend_->wce);
}

}  // namespace
}  // namespace srp::target
