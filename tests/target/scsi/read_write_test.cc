// READ/WRITE, READ CAPACITY and backend error mapping through the SCSI core.
#include <gtest/gtest.h>

#include <cerrno>
#include <thread>

#include "lib/common/endian.h"
#include "lib/scsi/responses.h"
#include "target/backends/null_backend.h"
#include "target/scsi/backend_errors.h"
#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

using testing::Outcome;
using testing::RunIn;
using testing::RunOut;

std::vector<std::byte> Pattern(size_t n, uint8_t seed) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 31 + seed) & 0xFF);
  return v;
}

class ReadWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = std::make_shared<testing::RecordingBackend>(testing::MakeMemory(2048));
  }
  void Map(LogicalUnitOptions opts = {}) {
    ASSERT_TRUE(luns_.Add(0, testing::MakeUnit(backend_, opts)).ok());
    testing::ConsumePowerOn(luns_);
  }
  std::shared_ptr<testing::RecordingBackend> backend_;
  LunMap luns_;
};

TEST_F(ReadWriteTest, WriteThenReadBack10And16) {
  Map();
  const auto data = Pattern(8 * 512, 1);
  const Outcome w = RunOut(luns_, scsi::BuildWrite10(100, 8), data);
  ASSERT_EQ(w.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(w.data_length, data.size());
  EXPECT_EQ(w.residual, Residual::kNone);
  const Outcome r = RunIn(luns_, scsi::BuildRead16(100, 8), 8 * 512);
  ASSERT_EQ(r.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(r.data, data);
  // READ(10) of an overlapping range sees the same bytes at the right offset.
  const Outcome r2 = RunIn(luns_, scsi::BuildRead10(104, 4), 4 * 512);
  EXPECT_TRUE(std::equal(r2.data.begin(), r2.data.end(), data.begin() + 4 * 512));
}

TEST_F(ReadWriteTest, FuaReachesTheBackend) {
  Map();
  ASSERT_EQ(RunOut(luns_, scsi::BuildWrite16(0, 1, /*fua=*/true), Pattern(512, 2)).status,
            scsi::ScsiStatus::kGood);
  EXPECT_TRUE(backend_->last_fua);
  ASSERT_EQ(RunOut(luns_, scsi::BuildWrite10(0, 1, /*fua=*/false), Pattern(512, 2)).status,
            scsi::ScsiStatus::kGood);
  EXPECT_FALSE(backend_->last_fua);
}

TEST_F(ReadWriteTest, LbaOutOfRangeMovesNoData) {
  Map();
  const Outcome r = RunIn(luns_, scsi::BuildRead10(2047, 2), 1024);
  testing::ExpectCheck(r, scsi::SenseKey::kIllegalRequest, scsi::kAscLbaOutOfRange);
  EXPECT_EQ(r.data_length, 0u);
  const Outcome w = RunOut(luns_, scsi::BuildWrite16(UINT64_MAX, 1), Pattern(512, 3));
  testing::ExpectCheck(w, scsi::SenseKey::kIllegalRequest, scsi::kAscLbaOutOfRange);
  EXPECT_EQ(backend_->reads, 0);
  EXPECT_EQ(backend_->writes, 0);
  // The last block itself is in range.
  EXPECT_EQ(RunIn(luns_, scsi::BuildRead10(2047, 1), 512).status, scsi::ScsiStatus::kGood);
}

TEST_F(ReadWriteTest, ZeroTransferLengthIsGoodWithoutData) {
  Map();
  const Outcome r = RunIn(luns_, scsi::BuildRead10(5, 0), 0);
  EXPECT_EQ(r.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(r.data_length, 0u);
  const Outcome w = RunOut(luns_, scsi::BuildWrite10(5, 0), {});
  EXPECT_EQ(w.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(backend_->reads + backend_->writes, 0);
}

TEST_F(ReadWriteTest, ReadOnlyIsDataProtect) {
  Map({.name = "ro", .read_only = true});
  const Outcome w = RunOut(luns_, scsi::BuildWrite10(0, 1), Pattern(512, 4));
  testing::ExpectCheck(w, scsi::SenseKey::kDataProtect, scsi::kAscWriteProtected);
  EXPECT_EQ(backend_->writes, 0);
  EXPECT_EQ(RunIn(luns_, scsi::BuildRead10(0, 1), 512).status, scsi::ScsiStatus::kGood);
}

TEST_F(ReadWriteTest, ReadResidualsAgainstDescriptorLength) {
  Map();
  const auto data = Pattern(4 * 512, 5);
  ASSERT_EQ(RunOut(luns_, scsi::BuildWrite10(0, 4), data).status, scsi::ScsiStatus::kGood);
  // Descriptors larger than the command: underflow.
  const Outcome under = RunIn(luns_, scsi::BuildRead10(0, 2), 4 * 512);
  EXPECT_EQ(under.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(under.data_length, 1024u);
  EXPECT_EQ(under.residual, Residual::kUnderflow);
  EXPECT_EQ(under.residual_count, 1024u);
  // Descriptors smaller than the command (even mid-block): only what fits, overflow.
  const Outcome over = RunIn(luns_, scsi::BuildRead10(0, 4), 1000);
  EXPECT_EQ(over.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(over.data_length, 1000u);
  EXPECT_EQ(over.residual, Residual::kOverflow);
  EXPECT_EQ(over.residual_count, 2048u - 1000u);
  EXPECT_TRUE(std::equal(over.data.begin(), over.data.end(), data.begin()));
}

TEST_F(ReadWriteTest, WriteOverflowWritesOnlySuppliedWholeBlocks) {
  Map();
  const Outcome w = RunOut(luns_, scsi::BuildWrite10(10, 4), Pattern(1536 + 100, 6));
  EXPECT_EQ(w.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(backend_->last_write_blocks, 3u);
  EXPECT_EQ(w.data_length, 1536u);
  EXPECT_EQ(w.residual, Residual::kOverflow);
  EXPECT_EQ(w.residual_count, 2048u - 1636u);
  const Outcome r = RunIn(luns_, scsi::BuildRead10(13, 1), 512);
  for (std::byte b : r.data) ASSERT_EQ(b, std::byte{0});  // block 13 never written
}

TEST_F(ReadWriteTest, DirectionConflictIsInvalidField) {
  Map();
  const Outcome o = RunOut(luns_, scsi::BuildRead10(0, 1), Pattern(512, 7));
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  const Outcome i = RunIn(luns_, scsi::BuildWrite10(0, 1), 512);
  testing::ExpectCheck(i, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(backend_->reads + backend_->writes, 0);
}

TEST_F(ReadWriteTest, BackendErrnoBecomesSense) {
  Map();
  backend_->fail_with = Status::FromErrno(EIO, "disk");
  testing::ExpectCheck(RunIn(luns_, scsi::BuildRead10(0, 1), 512), scsi::SenseKey::kMediumError,
                       scsi::kAscUnrecoveredReadError);
  testing::ExpectCheck(RunOut(luns_, scsi::BuildWrite10(0, 1), Pattern(512, 8)),
                       scsi::SenseKey::kMediumError, scsi::kAscWriteError);
  backend_->fail_with = Status::FromErrno(ENOSPC, "thin pool");
  testing::ExpectCheck(RunOut(luns_, scsi::BuildWrite10(0, 1), Pattern(512, 8)),
                       scsi::SenseKey::kDataProtect, scsi::kAscSpaceAllocationFailedWriteProtect);
  backend_->fail_with = Status::FromErrno(EROFS, "ro fs");
  testing::ExpectCheck(RunOut(luns_, scsi::BuildWrite10(0, 1), Pattern(512, 8)),
                       scsi::SenseKey::kDataProtect, scsi::kAscWriteProtected);
  backend_->fail_with = Status::FromErrno(ENOMEM, "oom");
  const Outcome busy = RunIn(luns_, scsi::BuildRead10(0, 1), 512);
  EXPECT_EQ(busy.status, scsi::ScsiStatus::kBusy);
  EXPECT_TRUE(busy.sense.empty());
  backend_->fail_with = Status::FromErrno(EXDEV, "odd");
  testing::ExpectCheck(RunIn(luns_, scsi::BuildRead10(0, 1), 512), scsi::SenseKey::kHardwareError,
                       scsi::kAscInternalTargetFailure);
}

TEST_F(ReadWriteTest, ConcurrentWorkersThroughTheCoreKeepDataIntact) {
  Map();  // queue depth 64 >= threads: no task is refused
  constexpr int kThreads = 4;
  constexpr uint32_t kBlocks = 16;
  constexpr int kRounds = 8;  // thread t owns LBAs [t * 512, t * 512 + 512)
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([this, t] {
      for (int i = 0; i < kRounds * 4; ++i) {
        const uint32_t lba = static_cast<uint32_t>(t * 512 + (i % 32) * kBlocks);
        const auto data = Pattern(kBlocks * 512, static_cast<uint8_t>(t * 64 + i));
        const Outcome w = RunOut(luns_, scsi::BuildWrite10(lba, kBlocks), data);
        ASSERT_EQ(w.status, scsi::ScsiStatus::kGood);
        const Outcome r = RunIn(luns_, scsi::BuildRead10(lba, kBlocks), kBlocks * 512);
        ASSERT_EQ(r.status, scsi::ScsiStatus::kGood);
        ASSERT_EQ(r.data, data);
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(luns_.Find(0)->in_flight(), 0u);
}

TEST(BackendErrorMapTest, StatusWithoutErrnoMapsByCode) {
  auto o = MapBackendError(Status(StatusCode::kIoError, "x"), IoKind::kRead);
  ASSERT_TRUE(o.sense.has_value());
  EXPECT_EQ(o.sense->key, scsi::SenseKey::kMediumError);
  o = MapBackendError(Status(StatusCode::kNotSupported, "x"), IoKind::kUnmap);
  EXPECT_EQ(o.sense->asc, scsi::kAscInvalidCommandOperationCode);
  o = MapBackendError(Status(StatusCode::kResourceExhausted, "x"), IoKind::kWrite);
  EXPECT_EQ(o.status, scsi::ScsiStatus::kBusy);
}

TEST(NullioTest, ReadsZerosAndDiscardsWrites) {
  auto nb = NullBackend::Create();
  ASSERT_TRUE(nb.ok());
  LunMap luns;
  ASSERT_TRUE(luns.Add(0, testing::MakeUnit(std::shared_ptr<BlockBackend>(std::move(*nb)))).ok());
  testing::ConsumePowerOn(luns);
  ASSERT_EQ(RunOut(luns, scsi::BuildWrite10(0, 8), Pattern(4096, 9)).status,
            scsi::ScsiStatus::kGood);
  const Outcome r = RunIn(luns, scsi::BuildRead10(0, 8), 4096);
  ASSERT_EQ(r.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(r.data.size(), 4096u);
  for (std::byte b : r.data) ASSERT_EQ(b, std::byte{0});  // harness pre-filled 0xEE
}

TEST(ReadCapacityTest, FieldsFor10And16) {
  NullBackendOptions o;
  o.block_size = 4096;
  o.num_blocks = 1000;
  auto nb = NullBackend::Create(o);
  ASSERT_TRUE(nb.ok());
  LunMap luns;
  ASSERT_TRUE(luns.Add(0, testing::MakeUnit(std::shared_ptr<BlockBackend>(std::move(*nb)))).ok());
  testing::ConsumePowerOn(luns);
  const Outcome rc10 = RunIn(luns, scsi::BuildReadCapacity10(), 8);
  ASSERT_EQ(rc10.data.size(), 8u);
  EXPECT_EQ(LoadBe32(rc10.data.data()), 999u);
  EXPECT_EQ(LoadBe32(rc10.data.data() + 4), 4096u);
  const Outcome rc16 = RunIn(luns, scsi::BuildReadCapacity16(32), 32);
  ASSERT_EQ(rc16.data.size(), 32u);
  EXPECT_EQ(LoadBe64(rc16.data.data()), 999u);       // bytes 0..7 RETURNED LOGICAL BLOCK ADDRESS
  EXPECT_EQ(LoadBe32(rc16.data.data() + 8), 4096u);  // bytes 8..11 LOGICAL BLOCK LENGTH
  EXPECT_EQ(rc16.at(12), 0);                         // PROT_EN 0
  EXPECT_EQ(rc16.at(14), 0xC0);                      // LBPME, LBPRZ: the null backend unmaps
  const Outcome rc16_short = RunIn(luns, scsi::BuildReadCapacity16(12), 12);
  EXPECT_EQ(rc16_short.data.size(), 12u);
}

TEST(ReadCapacityTest, HugeDeviceAnswersFFFFFFFFIn10) {
  NullBackendOptions o;
  o.num_blocks = uint64_t{1} << 33;  // 4 TiB of 512-byte blocks
  auto nb = NullBackend::Create(o);
  ASSERT_TRUE(nb.ok());
  LunMap luns;
  ASSERT_TRUE(luns.Add(0, testing::MakeUnit(std::shared_ptr<BlockBackend>(std::move(*nb)))).ok());
  testing::ConsumePowerOn(luns);
  const Outcome rc10 = RunIn(luns, scsi::BuildReadCapacity10(), 8);
  auto c10 = scsi::ParseReadCapacity10Data(rc10.data);
  ASSERT_TRUE(c10.ok());
  EXPECT_TRUE(c10->needs_rc16);
  auto c16 = scsi::ParseReadCapacity16Data(RunIn(luns, scsi::BuildReadCapacity16(), 32).data);
  ASSERT_TRUE(c16.ok());
  EXPECT_EQ(c16->last_lba, (uint64_t{1} << 33) - 1);
  // A READ(16) far beyond 2^32 blocks works.
  EXPECT_EQ(RunIn(luns, scsi::BuildRead16((uint64_t{1} << 33) - 1, 1), 512).status,
            scsi::ScsiStatus::kGood);
}

}  // namespace
}  // namespace srp::target
