// VERIFY, COMPARE AND WRITE, WRITE SAME, UNMAP, SYNCHRONIZE CACHE, START STOP UNIT on a
// MemoryBackend (SBC-3 5.x): data effects, sense bytes, INFORMATION offsets, residuals.
#include <gtest/gtest.h>

#include <numeric>

#include "lib/common/endian.h"
#include "lib/scsi/sense.h"
#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

using testing::Outcome;
using testing::RunIn;
using testing::RunNoData;
using testing::RunOut;

constexpr uint32_t kBs = 512;

std::vector<std::byte> Pattern(size_t bytes, uint8_t seed) {
  std::vector<std::byte> v(bytes);
  for (size_t i = 0; i < bytes; ++i) v[i] = static_cast<std::byte>((i * 13 + seed) & 0xFF);
  return v;
}

class SbcCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = std::make_shared<testing::CapableBackend>(testing::MakeMemory(4096, kBs));
    ASSERT_TRUE(luns_.Add(0, testing::MakeUnit(backend_, {.name = "sbc"})).ok());
  }
  void WriteBlocks(uint64_t lba, const std::vector<std::byte>& data) {
    ASSERT_TRUE(
        backend_->memory().Write(lba, static_cast<uint32_t>(data.size() / kBs), data, false).ok());
  }
  std::vector<std::byte> ReadBlocks(uint64_t lba, uint32_t blocks) {
    std::vector<std::byte> out(size_t{blocks} * kBs);
    EXPECT_TRUE(backend_->memory().Read(lba, blocks, out).ok());
    return out;
  }
  static uint64_t Information(const Outcome& o) {
    auto parsed = scsi::ParseSense(o.sense);
    EXPECT_TRUE(parsed.ok());
    return parsed.ok() && parsed->information ? *parsed->information : ~uint64_t{0};
  }
  std::shared_ptr<testing::CapableBackend> backend_;
  LunMap luns_;
};

TEST_F(SbcCommandsTest, VerifyBytchk0ChecksRangeOnly) {
  const Outcome ok = RunNoData(luns_, scsi::BuildVerify10(4000, 96));
  EXPECT_EQ(ok.status, scsi::ScsiStatus::kGood);
  testing::ExpectCheck(RunNoData(luns_, scsi::BuildVerify16(4000, 97)),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscLbaOutOfRange);
  scsi::Cdb bad = scsi::BuildVerify10(0, 1);
  bad.bytes[1] = std::byte{0x04};  // BYTCHK 10b is reserved
  const Outcome o = RunNoData(luns_, bad);
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[15]), 0xCA);  // SKSV C/D BPV bit 2
  EXPECT_EQ(LoadBe16(o.sense.data() + 16), 1u);
}

TEST_F(SbcCommandsTest, VerifyBytchk1ComparesAndReportsMiscompareOffset) {
  const auto data = Pattern(4 * kBs, 3);
  WriteBlocks(100, data);
  EXPECT_EQ(RunOut(luns_, scsi::BuildVerify16(100, 4, 1), data).status, scsi::ScsiStatus::kGood);
  auto changed = data;
  changed[2 * kBs + 77] ^= std::byte{0xFF};
  const Outcome o = RunOut(luns_, scsi::BuildVerify10(100, 4, 1), changed);
  testing::ExpectCheck(o, scsi::SenseKey::kMiscompare, scsi::kAscMiscompareDuringVerify);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[0]), 0xF0);  // VALID
  EXPECT_EQ(Information(o), 2 * kBs + 77);
  // BYTCHK 11b: one block compared with every block of the range.
  const auto block = Pattern(kBs, 9);
  WriteBlocks(200, block);
  WriteBlocks(201, block);
  EXPECT_EQ(RunOut(luns_, scsi::BuildVerify16(200, 2, 3), block).status, scsi::ScsiStatus::kGood);
  const Outcome third = RunOut(luns_, scsi::BuildVerify16(200, 3, 3), block);
  testing::ExpectCheck(third, scsi::SenseKey::kMiscompare, scsi::kAscMiscompareDuringVerify);
  EXPECT_EQ(Information(third), 2 * kBs + 0);  // block 202 is zeros: first byte differs
}

TEST_F(SbcCommandsTest, CompareAndWriteWritesOnlyOnMatch) {
  const auto old_data = Pattern(2 * kBs, 1);
  const auto new_data = Pattern(2 * kBs, 2);
  WriteBlocks(50, old_data);
  std::vector<std::byte> out = old_data;
  out.insert(out.end(), new_data.begin(), new_data.end());
  const Outcome ok = RunOut(luns_, scsi::BuildCompareAndWrite(50, 2, true), out);
  ASSERT_EQ(ok.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(ok.data_length, 4 * kBs);
  EXPECT_EQ(ReadBlocks(50, 2), new_data);
  // Same command again: the medium now holds new_data, so the verify half miscompares.
  const Outcome miss = RunOut(luns_, scsi::BuildCompareAndWrite(50, 2), out);
  testing::ExpectCheck(miss, scsi::SenseKey::kMiscompare, scsi::kAscMiscompareDuringVerify);
  size_t first = 0;
  while (old_data[first] == new_data[first]) ++first;
  EXPECT_EQ(Information(miss), first);
  EXPECT_EQ(ReadBlocks(50, 2), new_data);  // unchanged
  // Too many blocks, short data-out, past the end.
  const Outcome big = RunOut(luns_, scsi::BuildCompareAndWrite(0, 65), std::vector<std::byte>(kBs));
  testing::ExpectCheck(big, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(LoadBe16(big.sense.data() + 16), 13u);
  testing::ExpectCheck(RunOut(luns_, scsi::BuildCompareAndWrite(50, 2), old_data),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  testing::ExpectCheck(RunOut(luns_, scsi::BuildCompareAndWrite(4095, 2), out),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscLbaOutOfRange);
}

TEST_F(SbcCommandsTest, WriteSameReplicatesOneBlock) {
  const auto block = Pattern(kBs, 5);
  const Outcome o = RunOut(luns_, scsi::BuildWriteSame16(10, 3000), block);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(o.data_length, kBs);
  const auto back = ReadBlocks(10, 3000);
  for (size_t b = 0; b < 3000; ++b) {
    ASSERT_TRUE(
        std::equal(block.begin(), block.end(), back.begin() + static_cast<ptrdiff_t>(b * kBs)))
        << b;
  }
  EXPECT_EQ(ReadBlocks(9, 1), std::vector<std::byte>(kBs));
  EXPECT_EQ(ReadBlocks(3010, 1), std::vector<std::byte>(kBs));
  EXPECT_EQ(RunOut(luns_, scsi::BuildWriteSame10(0, 2), block).status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(ReadBlocks(1, 1), block);
  // 0 blocks (WSNZ=1), past the end, no data-out.
  const Outcome zero = RunOut(luns_, scsi::BuildWriteSame10(0, 0), block);
  testing::ExpectCheck(zero, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(LoadBe16(zero.sense.data() + 16), 7u);
  testing::ExpectCheck(RunOut(luns_, scsi::BuildWriteSame16(4095, 2), block),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscLbaOutOfRange);
  testing::ExpectCheck(RunNoData(luns_, scsi::BuildWriteSame16(0, 2)),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscParameterListLengthError);
}

TEST_F(SbcCommandsTest, WriteSameUnmapDeallocatesAndNdobWritesZeros) {
  WriteBlocks(0, Pattern(1024 * kBs, 7));  // 512 KiB: 8 chunks of 64 KiB
  const uint64_t before = backend_->memory().allocated_bytes();
  ASSERT_GE(before, 512u * 1024);
  const Outcome o =
      RunOut(luns_, scsi::BuildWriteSame16(0, 512, /*unmap=*/true), std::vector<std::byte>(kBs));
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(backend_->unmaps, 1);
  EXPECT_EQ(backend_->memory().allocated_bytes(), before - 256 * 1024);
  EXPECT_EQ(ReadBlocks(0, 512), std::vector<std::byte>(512 * kBs));
  // NDOB: no data-out, zeros written.
  EXPECT_EQ(RunNoData(luns_, scsi::BuildWriteSame16(600, 4, false, true)).status,
            scsi::ScsiStatus::kGood);
  EXPECT_EQ(ReadBlocks(600, 4), std::vector<std::byte>(4 * kBs));
  // UNMAP bit without backend support.
  backend_->unmap = false;
  const Outcome no = RunOut(luns_, scsi::BuildWriteSame16(0, 1, true), std::vector<std::byte>(kBs));
  testing::ExpectCheck(no, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(static_cast<uint8_t>(no.sense[15]), 0xCB);  // bit 3
}

// UNMAP parameter list: header + descriptors.
std::vector<std::byte> UnmapList(const std::vector<std::pair<uint64_t, uint32_t>>& ranges) {
  std::vector<std::byte> p(8 + 16 * ranges.size());
  StoreBe16(&p[0], static_cast<uint16_t>(p.size() - 2));
  StoreBe16(&p[2], static_cast<uint16_t>(16 * ranges.size()));
  for (size_t i = 0; i < ranges.size(); ++i) {
    StoreBe64(&p[8 + 16 * i], ranges[i].first);
    StoreBe32(&p[8 + 16 * i + 8], ranges[i].second);
  }
  return p;
}

TEST_F(SbcCommandsTest, UnmapDeallocatesDescriptorRanges) {
  const auto pattern = Pattern(1024 * kBs, 7);
  WriteBlocks(0, pattern);
  const uint64_t before = backend_->memory().allocated_bytes();
  const auto list = UnmapList({{0, 128}, {256, 256}});
  const Outcome o = RunOut(luns_, scsi::BuildUnmap(static_cast<uint16_t>(list.size())), list);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(o.data_length, list.size());
  EXPECT_EQ(backend_->memory().allocated_bytes(), before - 3 * 64 * 1024);
  EXPECT_EQ(ReadBlocks(256, 256), std::vector<std::byte>(256 * kBs));
  const auto kept = ReadBlocks(128, 1);
  EXPECT_TRUE(std::equal(kept.begin(), kept.end(), pattern.begin() + 128 * kBs));
  // A trailing partial descriptor is ignored; an empty list does nothing.
  auto partial = UnmapList({{600, 8}});
  partial.resize(partial.size() + 8);
  StoreBe16(&partial[0], static_cast<uint16_t>(partial.size() - 2));
  StoreBe16(&partial[2], 24);
  EXPECT_EQ(RunOut(luns_, scsi::BuildUnmap(static_cast<uint16_t>(partial.size())), partial).status,
            scsi::ScsiStatus::kGood);
  EXPECT_EQ(RunNoData(luns_, scsi::BuildUnmap(0)).status, scsi::ScsiStatus::kGood);
}

TEST_F(SbcCommandsTest, UnmapLengthChecks) {
  auto unmap = [this](const std::vector<std::byte>& list) {
    return RunOut(luns_, scsi::BuildUnmap(static_cast<uint16_t>(list.size())), list);
  };
  // 1..7 bytes.
  testing::ExpectCheck(unmap(std::vector<std::byte>(7)), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscParameterListLengthError);
  // Descriptor data length running past the list.
  auto list = UnmapList({{0, 8}});
  StoreBe16(&list[2], 32);
  testing::ExpectCheck(unmap(list), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscParameterListLengthError);
  // Data-out shorter than PARAMETER LIST LENGTH.
  list = UnmapList({{0, 8}});
  testing::ExpectCheck(RunOut(luns_, scsi::BuildUnmap(64), list), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscParameterListLengthError);
  // 65 descriptors (VPD B0h allows 64).
  std::vector<std::pair<uint64_t, uint32_t>> many(65, {0, 1});
  Outcome o = unmap(UnmapList(many));
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInParameterList);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[15]), 0x80);  // SKSV, C/D=0
  EXPECT_EQ(LoadBe16(o.sense.data() + 16), 2u);
  // Range past the end: nothing is unmapped, even the valid first descriptor.
  o = unmap(UnmapList({{0, 8}, {4090, 7}}));
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscLbaOutOfRange);
  EXPECT_EQ(backend_->unmaps, 0);
  // ANCHOR, no backend support.
  scsi::Cdb anchor = scsi::BuildUnmap(24);
  anchor.bytes[1] = std::byte{0x01};
  testing::ExpectCheck(RunOut(luns_, anchor, UnmapList({{0, 1}})), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscInvalidFieldInCdb);
  backend_->unmap = false;
  testing::ExpectCheck(unmap(UnmapList({{0, 1}})), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscInvalidCommandOperationCode);
}

TEST_F(SbcCommandsTest, SynchronizeCacheFlushesAndChecksRange) {
  EXPECT_EQ(RunNoData(luns_, scsi::BuildSynchronizeCache10()).status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(RunNoData(luns_, scsi::BuildSynchronizeCache16(4000, 96)).status,
            scsi::ScsiStatus::kGood);
  EXPECT_EQ(backend_->flushes, 2);
  testing::ExpectCheck(RunNoData(luns_, scsi::BuildSynchronizeCache16(4000, 97)),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscLbaOutOfRange);
  EXPECT_EQ(backend_->flushes, 2);
  backend_->flush_result = Status::FromErrno(EIO, "flush");
  testing::ExpectCheck(RunNoData(luns_, scsi::BuildSynchronizeCache10()),
                       scsi::SenseKey::kMediumError, scsi::kAscWriteError);
}

TEST_F(SbcCommandsTest, StartStopUnitAcceptsAndRejectsLoej) {
  EXPECT_EQ(RunNoData(luns_, scsi::BuildStartStopUnit(true)).status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(RunNoData(luns_, scsi::BuildStartStopUnit(false)).status, scsi::ScsiStatus::kGood);
  scsi::Cdb loej = scsi::BuildStartStopUnit(false);
  loej.bytes[4] = std::byte{0x02};
  const Outcome o = RunNoData(luns_, loej);
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[15]), 0xC9);  // bit 1
  EXPECT_EQ(LoadBe16(o.sense.data() + 16), 4u);
}

}  // namespace
}  // namespace srp::target
