// The handlers behind the SCSI core: commands through ExecuteTask reach vdisk_fileio,
// vdisk_blockio and dev_disk, complete asynchronously, and backend errors come back as the
// sense the initiator expects (EIO -> MEDIUM ERROR, ENOSPC -> SPACE ALLOCATION FAILED).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <vector>

#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"
#include "target/backends/aio_backend.h"
#include "target/backends/file_backend.h"
#include "target/scsi/logical_unit.h"
#include "target/scsi/lun_map.h"
#include "target/scsi/scsi_core.h"
#include "tests/target/backends/backend_fixtures.h"

namespace srp::target::testing {
namespace {

struct Answer {
  scsi::ScsiStatus status = scsi::ScsiStatus::kGood;
  uint8_t sense_key = 0;
  uint8_t asc = 0, ascq = 0;
  std::vector<std::byte> data;
};

class HandlerCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    file_ = dir_.MakeFile("disk.img", 1 << 20);
  }

  void Export(Result<std::shared_ptr<BlockBackend>> backend) {
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    LogicalUnitOptions options;
    options.name = "disk0";
    auto unit = LogicalUnit::Create(options, *backend);
    ASSERT_TRUE(unit.ok()) << unit.status().ToString();
    ASSERT_TRUE(luns_.Add(0, *unit).ok());
  }

  // Runs `cdb` on LUN 0 and waits (bounded) for its completion.
  Answer Run(const scsi::Cdb& cdb, DataDirection direction, std::vector<std::byte> buffer) {
    ScsiTask task;
    EXPECT_TRUE(task.SetCdb(cdb.view()).ok());
    task.lun_raw = scsi::PackLun(0);
    task.nexus_id = 1;
    task.direction = direction;
    task.expected_length = static_cast<uint32_t>(buffer.size());
    task.buffer = buffer;
    std::promise<void> finished;
    int calls = 0;
    ExecuteTask(luns_, task, [&](ScsiTask&) {
      ++calls;
      finished.set_value();
    });
    EXPECT_EQ(finished.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(calls, 1);
    Answer answer;
    answer.status = task.status;
    if (task.sense_length >= 14) {
      answer.sense_key = static_cast<uint8_t>(task.sense[2]) & 0x0F;
      answer.asc = static_cast<uint8_t>(task.sense[12]);
      answer.ascq = static_cast<uint8_t>(task.sense[13]);
    }
    answer.data.assign(buffer.begin(), buffer.begin() + task.data_length);
    return answer;
  }

  ScratchDir dir_;
  std::string file_;
  LunMap luns_;
  std::shared_ptr<CountingSyscalls> syscalls_ = std::make_shared<CountingSyscalls>();
};

TEST_F(HandlerCoreTest, FileioWriteFuaReadAndSynchronizeCache) {
  FileBackendOptions options;
  options.path = file_;
  options.syscalls = syscalls_;
  Export(OpenFileBackend(options));
  const auto data = Pattern(5, 2, 512, 3);
  EXPECT_EQ(Run(scsi::BuildWrite10(5, 2, /*fua=*/true), DataDirection::kOut, data).status,
            scsi::ScsiStatus::kGood);
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 1);
  const Answer read =
      Run(scsi::BuildRead10(5, 2), DataDirection::kIn, std::vector<std::byte>(1024));
  EXPECT_EQ(read.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(read.data, data);
  EXPECT_EQ(Run(scsi::BuildSynchronizeCache10(), DataDirection::kNone, {}).status,
            scsi::ScsiStatus::kGood);
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 2);
}

TEST_F(HandlerCoreTest, FileioEioIsMediumError) {
  FileBackendOptions options;
  options.path = file_;
  options.syscalls = syscalls_;
  Export(OpenFileBackend(options));
  syscalls_->fail_errno = EIO;
  const Answer read = Run(scsi::BuildRead10(0, 1), DataDirection::kIn, std::vector<std::byte>(512));
  EXPECT_EQ(read.status, scsi::ScsiStatus::kCheckCondition);
  EXPECT_EQ(read.sense_key, 0x03);  // MEDIUM ERROR
  EXPECT_EQ(read.asc, 0x11);        // UNRECOVERED READ ERROR
  syscalls_->fail_errno = ENOSPC;
  const Answer write =
      Run(scsi::BuildWrite10(0, 1), DataDirection::kOut, std::vector<std::byte>(512));
  EXPECT_EQ(write.status, scsi::ScsiStatus::kCheckCondition);
  EXPECT_EQ(write.sense_key, 0x07);  // DATA PROTECT
  EXPECT_EQ(write.asc, 0x27);
  EXPECT_EQ(write.ascq, 0x07);  // SPACE ALLOCATION FAILED WRITE PROTECT
  syscalls_->fail_errno = 0;
  EXPECT_EQ(Run(scsi::BuildRead10(0, 1), DataDirection::kIn, std::vector<std::byte>(512)).status,
            scsi::ScsiStatus::kGood);  // the unit stays usable
}

TEST_F(HandlerCoreTest, BlockioOnLoopDeviceRoundTrip) {
  LoopDevice loop(file_);
  if (loop.device().empty()) GTEST_SKIP() << "no loop device (needs root and /dev/loop-control)";
  AioBackendOptions options;
  options.path = loop.device();
  Export(OpenAioBackend(options));
  const auto data = Pattern(100, 8, 512, 9);
  EXPECT_EQ(Run(scsi::BuildWrite16(100, 8), DataDirection::kOut, data).status,
            scsi::ScsiStatus::kGood);
  const Answer read =
      Run(scsi::BuildRead16(100, 8), DataDirection::kIn, std::vector<std::byte>(4096));
  EXPECT_EQ(read.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(read.data, data);
  EXPECT_EQ(Run(scsi::BuildSynchronizeCache16(), DataDirection::kNone, {}).status,
            scsi::ScsiStatus::kGood);
}

}  // namespace
}  // namespace srp::target::testing
