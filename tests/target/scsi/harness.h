// Test helpers: run one command through ExecuteTask synchronously and capture the outcome,
// and a BlockBackend wrapper that records calls and injects failures.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <vector>

#include "lib/scsi/cdb_build.h"
#include "lib/scsi/sense.h"
#include "target/backends/memory_backend.h"
#include "target/scsi/scsi_core.h"

namespace srp::target::testing {

struct Outcome {
  scsi::ScsiStatus status = scsi::ScsiStatus::kGood;
  std::vector<std::byte> sense;
  std::vector<std::byte> data;  // data-in bytes produced
  uint32_t data_length = 0;
  Residual residual = Residual::kNone;
  uint32_t residual_count = 0;
  int done_calls = 0;

  scsi::SenseKey key() const { return static_cast<scsi::SenseKey>(sense.at(2) & std::byte{0x0F}); }
  scsi::Asc asc() const {
    return {static_cast<uint8_t>(sense.at(12)), static_cast<uint8_t>(sense.at(13))};
  }
  uint8_t at(size_t i) const { return static_cast<uint8_t>(data.at(i)); }
};

struct Request {
  uint32_t lun = 0;
  DataDirection direction = DataDirection::kIn;
  uint32_t expected_length = 0;
  std::vector<std::byte> out_data;  // data-out payload
  uint64_t nexus = 1;
  uint32_t session_commands = 1;
};

inline Outcome Run(const LunMap& luns, std::span<const std::byte> cdb, const Request& req) {
  ScsiTask task;
  EXPECT_TRUE(task.SetCdb(cdb).ok());
  task.lun_raw = scsi::PackLun(req.lun);
  task.nexus_id = req.nexus;
  task.direction = req.direction;
  task.expected_length = req.expected_length;
  task.session_commands = req.session_commands;
  std::vector<std::byte> buffer(req.expected_length, std::byte{0xEE});
  if (req.direction == DataDirection::kOut) {
    std::copy_n(req.out_data.begin(), std::min(req.out_data.size(), buffer.size()), buffer.begin());
  }
  task.buffer = buffer;
  Outcome out;
  ExecuteTask(luns, task, [&out](ScsiTask&) { ++out.done_calls; });
  EXPECT_EQ(out.done_calls, 1);
  out.status = task.status;
  out.sense.assign(task.sense_data().begin(), task.sense_data().end());
  out.data_length = task.data_length;
  if (req.direction != DataDirection::kOut) {
    out.data.assign(task.data_in().begin(), task.data_in().end());
  }
  out.residual = task.residual;
  out.residual_count = task.residual_count;
  return out;
}

// Data-in command with descriptors of `expected` bytes.
inline Outcome RunIn(const LunMap& luns, const scsi::Cdb& cdb, uint32_t expected, uint32_t lun = 0,
                     uint64_t nexus = 1) {
  return Run(luns, cdb.view(), {lun, DataDirection::kIn, expected, {}, nexus, 1});
}

inline Outcome RunOut(const LunMap& luns, const scsi::Cdb& cdb, std::vector<std::byte> data,
                      uint32_t lun = 0, uint64_t nexus = 1) {
  const auto len = static_cast<uint32_t>(data.size());
  return Run(luns, cdb.view(), {lun, DataDirection::kOut, len, std::move(data), nexus, 1});
}

inline Outcome RunNoData(const LunMap& luns, const scsi::Cdb& cdb, uint32_t lun = 0,
                         uint64_t nexus = 1) {
  return Run(luns, cdb.view(), {lun, DataDirection::kNone, 0, {}, nexus, 1});
}

// Registers `nexus` on `lun` with one TEST UNIT READY and takes the POWER ON unit attention
// when the unit opted in (LogicalUnitOptions::power_on_unit_attention); with the default
// options the command must simply succeed.
inline void ConsumePowerOn(const LunMap& luns, uint32_t lun = 0, uint64_t nexus = 1) {
  const Outcome o = RunNoData(luns, scsi::BuildTestUnitReady(), lun, nexus);
  if (o.status == scsi::ScsiStatus::kGood) return;
  ASSERT_EQ(o.status, scsi::ScsiStatus::kCheckCondition);
  ASSERT_EQ(o.asc(), scsi::kAscPowerOnResetOrBusDeviceReset);
  ASSERT_EQ(RunNoData(luns, scsi::BuildTestUnitReady(), lun, nexus).status,
            scsi::ScsiStatus::kGood);
}

inline void ExpectCheck(const Outcome& o, scsi::SenseKey key, scsi::Asc asc) {
  EXPECT_EQ(o.status, scsi::ScsiStatus::kCheckCondition);
  ASSERT_EQ(o.sense.size(), scsi::kFixedSenseLength);
  EXPECT_EQ(o.key(), key);
  EXPECT_EQ(o.asc(), asc);
}

// Wraps a backend: counts calls, remembers the last FUA flag, and fails with
// `fail_with` (when not OK) instead of doing I/O.
class RecordingBackend final : public BlockBackend {
 public:
  explicit RecordingBackend(std::shared_ptr<BlockBackend> inner) : inner_(std::move(inner)) {}
  uint32_t block_size() const override { return inner_->block_size(); }
  uint64_t num_blocks() const override { return inner_->num_blocks(); }
  bool read_only() const override { return inner_->read_only(); }
  Status Read(uint64_t lba, uint32_t blocks, std::span<std::byte> data) override {
    ++reads;
    if (!fail_with.ok()) return fail_with;
    return inner_->Read(lba, blocks, data);
  }
  Status Write(uint64_t lba, uint32_t blocks, std::span<const std::byte> data, bool fua) override {
    ++writes;
    last_fua = fua;
    last_write_blocks = blocks;
    if (!fail_with.ok()) return fail_with;
    return inner_->Write(lba, blocks, data, fua);
  }
  Status Flush() override { return inner_->Flush(); }
  Status Unmap(uint64_t lba, uint64_t blocks) override { return inner_->Unmap(lba, blocks); }

  // Atomic: workers of the concurrency tests call in at once. `fail_with` is set between runs.
  std::atomic<int> reads{0};
  std::atomic<int> writes{0};
  std::atomic<bool> last_fua{false};
  std::atomic<uint32_t> last_write_blocks{0};
  Status fail_with;

 private:
  std::shared_ptr<BlockBackend> inner_;
};

// A MemoryBackend that reports the capabilities a test asks for: unmap support and a write
// cache whose state MODE SELECT can change (unless `wce_fixed`), counting flushes.
class CapableBackend final : public BlockBackend {
 public:
  explicit CapableBackend(std::shared_ptr<MemoryBackend> inner) : inner_(std::move(inner)) {}
  uint32_t block_size() const override { return inner_->block_size(); }
  uint64_t num_blocks() const override { return inner_->num_blocks(); }
  bool read_only() const override { return inner_->read_only(); }
  Status Read(uint64_t lba, uint32_t blocks, std::span<std::byte> data) override {
    return inner_->Read(lba, blocks, data);
  }
  Status Write(uint64_t lba, uint32_t blocks, std::span<const std::byte> data, bool fua) override {
    ++writes;
    return inner_->Write(lba, blocks, data, fua);
  }
  Status Flush() override {
    ++flushes;
    return flush_result;
  }
  Status Unmap(uint64_t lba, uint64_t blocks) override {
    ++unmaps;
    return inner_->Unmap(lba, blocks);
  }
  bool supports_unmap() const override { return unmap; }
  bool write_cache_enabled() const override { return wce; }
  Status SetWriteCacheEnabled(bool enabled) override {
    if (wce_fixed && enabled != wce) return Status(StatusCode::kNotSupported, "fixed");
    wce = enabled;
    return Status::Ok();
  }
  MemoryBackend& memory() { return *inner_; }

  bool unmap = true;
  std::atomic<bool> wce{true};
  bool wce_fixed = false;
  Status flush_result;
  std::atomic<int> writes{0};
  std::atomic<int> flushes{0};
  std::atomic<int> unmaps{0};

 private:
  std::shared_ptr<MemoryBackend> inner_;
};

inline std::shared_ptr<LogicalUnit> MakeUnit(std::shared_ptr<BlockBackend> backend,
                                             LogicalUnitOptions options = {}) {
  if (options.name.empty()) options.name = "disk01";
  auto lu = LogicalUnit::Create(std::move(options), std::move(backend));
  EXPECT_TRUE(lu.ok()) << lu.status().ToString();
  return *lu;
}

inline std::shared_ptr<MemoryBackend> MakeMemory(uint64_t blocks = 2048, uint32_t bs = 512) {
  MemoryBackendOptions o;
  o.num_blocks = blocks;
  o.block_size = bs;
  o.chunk_size = 64 * 1024;
  auto b = MemoryBackend::Create(o);
  EXPECT_TRUE(b.ok());
  return std::shared_ptr<MemoryBackend>(std::move(*b));
}

}  // namespace srp::target::testing
