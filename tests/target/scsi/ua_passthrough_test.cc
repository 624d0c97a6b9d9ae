// Unit attentions raised by events (LUN RESET, capacity change through LunMap::Replace, MODE
// SELECT) and their order, and pass-through units (dev_disk) with a fake PassThroughDevice.
#include <gtest/gtest.h>

#include <mutex>

#include "lib/common/endian.h"
#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

using testing::Outcome;
using testing::RunIn;
using testing::RunNoData;

void ExpectUa(const LunMap& luns, uint64_t nexus, scsi::Asc asc) {
  testing::ExpectCheck(RunNoData(luns, scsi::BuildTestUnitReady(), 0, nexus),
                       scsi::SenseKey::kUnitAttention, asc);
}

void ExpectGood(const LunMap& luns, uint64_t nexus) {
  EXPECT_EQ(RunNoData(luns, scsi::BuildTestUnitReady(), 0, nexus).status, scsi::ScsiStatus::kGood);
}

TEST(UnitAttentionTest, LunResetRaisesResetForOtherNexusesOnly) {
  LunMap luns;
  auto unit = testing::MakeUnit(testing::MakeMemory(64));
  ASSERT_TRUE(luns.Add(0, unit).ok());
  for (uint64_t n : {1, 2, 3}) ExpectGood(luns, n);
  unit->OnLunReset(2);
  ExpectUa(luns, 1, scsi::kAscPowerOnResetOrBusDeviceReset);
  ExpectGood(luns, 2);
  ExpectUa(luns, 3, scsi::kAscPowerOnResetOrBusDeviceReset);
  ExpectGood(luns, 1);
  ExpectGood(luns, 3);
}

TEST(UnitAttentionTest, ConditionsAreReportedOldestFirstOnePerCommand) {
  LunMap luns;
  auto unit = testing::MakeUnit(testing::MakeMemory(64));
  ASSERT_TRUE(luns.Add(0, unit).ok());
  ExpectGood(luns, 1);
  unit->NotifyCapacityChanged();
  unit->OnLunReset(99);
  unit->NotifyCapacityChanged();  // duplicate: not queued twice
  ASSERT_TRUE(luns.Add(1, testing::MakeUnit(testing::MakeMemory(64), {.name = "other"})).ok());
  EXPECT_EQ(unit->unit_attentions().Pending(1), 3u);
  ExpectUa(luns, 1, scsi::kAscCapacityDataHasChanged);
  ExpectUa(luns, 1, scsi::kAscPowerOnResetOrBusDeviceReset);
  ExpectUa(luns, 1, scsi::kAscReportedLunsDataHasChanged);
  ExpectGood(luns, 1);
}

TEST(UnitAttentionTest, ReplaceKeepsNexusesAndRaisesCapacityChangedWhenResized) {
  LunMap luns;
  ASSERT_TRUE(luns.Add(0, testing::MakeUnit(testing::MakeMemory(64), {.name = "d"})).ok());
  ASSERT_TRUE(luns.Add(1, testing::MakeUnit(testing::MakeMemory(64), {.name = "e"})).ok());
  ExpectGood(luns, 1);
  ExpectGood(luns, 2);
  luns.Find(0)->unit_attentions().Establish(2, scsi::kAscModeParametersChanged);
  // Same geometry: no unit attention; the pending one moves along.
  ASSERT_TRUE(luns.Replace(0, testing::MakeUnit(testing::MakeMemory(64), {.name = "d"})).ok());
  ExpectGood(luns, 1);
  ExpectUa(luns, 2, scsi::kAscModeParametersChanged);
  // Resized: CAPACITY DATA HAS CHANGED for both nexuses, READ CAPACITY shows the new size.
  ASSERT_TRUE(luns.Replace(0, testing::MakeUnit(testing::MakeMemory(128), {.name = "d"})).ok());
  ExpectUa(luns, 1, scsi::kAscCapacityDataHasChanged);
  ExpectUa(luns, 2, scsi::kAscCapacityDataHasChanged);
  const Outcome rc = RunIn(luns, scsi::BuildReadCapacity10(), 8);
  EXPECT_EQ(LoadBe32(rc.data.data()), 127u);
  // The LUN inventory did not change: LUN 1 has nothing pending.
  EXPECT_EQ(luns.Find(1)->unit_attentions().Pending(1), 0u);
  EXPECT_EQ(luns.Replace(5, luns.Find(1)).code(), StatusCode::kNotFound);
  EXPECT_EQ(luns.Replace(0, nullptr).code(), StatusCode::kInvalidArgument);
  luns.ForgetNexus(1);
  EXPECT_EQ(luns.Find(0)->unit_attentions().Pending(1), 0u);
}

// Answers every CDB with a canned outcome and records what it saw.
class FakePassThrough final : public PassThroughDevice {
 public:
  void Execute(ScsiTask& task) override {
    std::lock_guard lock(mu_);
    opcodes.push_back(task.opcode());
    if (task.opcode() == scsi::kOpInquiry) {
      const size_t n = std::min<size_t>(task.expected_length, 36);
      for (size_t i = 0; i < n; ++i) task.buffer[i] = std::byte{0x42};
      task.data_length = static_cast<uint32_t>(n);
      task.SetStatus(scsi::ScsiStatus::kGood);
      return;
    }
    if (task.opcode() == 0xC0) {  // a vendor command the emulation would refuse
      task.SetCheckCondition({scsi::SenseKey::kMediumError, scsi::kAscUnrecoveredReadError, {}});
      return;
    }
    task.SetStatus(scsi::ScsiStatus::kGood);
  }
  uint32_t block_size() const override { return 4096; }
  uint64_t num_blocks() const override { return 1000; }
  const std::string& path() const override { return path_; }

  std::vector<uint8_t> opcodes;

 private:
  std::mutex mu_;
  std::string path_ = "/dev/sg9";
};

TEST(PassThroughTest, CdbsGoToTheDeviceReportLunsAndUnitAttentionsStayInTheCore) {
  auto device = std::make_shared<FakePassThrough>();
  auto unit = LogicalUnit::CreatePassThrough({.name = "sg9"}, device);
  ASSERT_TRUE(unit.ok());
  EXPECT_TRUE((*unit)->is_passthrough());
  EXPECT_EQ((*unit)->block_size(), 4096u);
  EXPECT_EQ((*unit)->num_blocks(), 1000u);
  EXPECT_FALSE((*unit)->read_only());
  LunMap luns;
  ASSERT_TRUE(luns.Add(0, *unit).ok());

  const Outcome inq = RunIn(luns, scsi::BuildInquiry(96), 96);
  ASSERT_EQ(inq.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(inq.data.size(), 36u);
  EXPECT_EQ(inq.at(0), 0x42);  // the device's answer, not the emulated one
  const Outcome luns_out = RunIn(luns, scsi::BuildReportLuns(64), 64);
  ASSERT_EQ(luns_out.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(LoadBe32(luns_out.data.data()), 8u);
  scsi::Cdb vendor = scsi::BuildTestUnitReady();
  vendor.bytes[0] = std::byte{0xC0};
  vendor.length = 16;
  testing::ExpectCheck(RunNoData(luns, vendor), scsi::SenseKey::kMediumError,
                       scsi::kAscUnrecoveredReadError);
  EXPECT_EQ(device->opcodes, (std::vector<uint8_t>{scsi::kOpInquiry, 0xC0}));

  // A unit attention is reported by the core and the device never sees that command.
  (*unit)->OnLunReset(7);
  ExpectUa(luns, 1, scsi::kAscPowerOnResetOrBusDeviceReset);
  EXPECT_EQ(device->opcodes.size(), 2u);
  ExpectGood(luns, 1);
  EXPECT_EQ(device->opcodes.back(), scsi::kOpTestUnitReady);
  EXPECT_FALSE(LogicalUnit::CreatePassThrough({.name = "x"}, nullptr).ok());
}

}  // namespace
}  // namespace srp::target
