// LogicalUnit: one device exported at a LUN (SCST "device"/tgt_dev, LIO se_device).
//
// Owns the backend reference, the INQUIRY identity, the per-nexus unit attentions and the
// queue-depth counter, and executes tasks through the opcode -> handler table
// (command_table.h). Execution is completion-based: Execute() may finish the task inline or
// later from another thread; see ScsiTask and CompleteTask.
//
// Thread-safe: Execute, slot accounting and unit-attention calls may run concurrently from
// several workers (thread mode 1).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lib/common/status.h"
#include "target/backends/block_backend.h"
#include "target/scsi/scsi_task.h"
#include "target/scsi/unit_attention.h"

namespace srp::target {

struct LogicalUnitOptions {
  // Device name (scst.conf DEVICE); required, printable ASCII.
  std::string name;
  // T10 VENDOR IDENTIFICATION (<= 8 chars). SCST vdisk_nullio/fileio report "SCST_FIO",
  // vdisk_blockio "SCST_BIO".
  std::string vendor = "SCST_FIO";
  // PRODUCT IDENTIFICATION (<= 16 chars); empty = device name truncated to 16 (SCST).
  std::string product;
  // PRODUCT REVISION LEVEL (<= 4 chars).
  std::string revision = "3110";
  // VPD 0x80 serial (<= 64 chars); empty = 8 hex digits of a hash of the name.
  std::string serial;
  // NAA designator for VPD 0x83, 8 bytes as a big-endian integer whose top nibble is the NAA
  // type; nullopt = NAA 3 (locally assigned) from a 60-bit hash of the name.
  std::optional<uint64_t> naa_id;
  // Commands executing at once before TASK SET FULL / BUSY.
  uint32_t queue_depth = 64;
  // Write-protect on top of the backend's own read_only().
  bool read_only = false;
};

class LogicalUnit {
 public:
  // Fails with kInvalidArgument for an empty/oversized identity field or queue_depth 0.
  static Result<std::shared_ptr<LogicalUnit>> Create(LogicalUnitOptions options,
                                                     std::shared_ptr<BlockBackend> backend);
  LogicalUnit(const LogicalUnit&) = delete;
  LogicalUnit& operator=(const LogicalUnit&) = delete;

  // Executes `task` (CDB set, inputs filled). `done` runs exactly once, inline or later from
  // another thread. Order: unit attention check (INQUIRY, REPORT LUNS, REQUEST SENSE exempt),
  // then the opcode's handler; unknown opcodes end in ILLEGAL REQUEST / INVALID COMMAND
  // OPERATION CODE. Does not touch the queue-depth counter: ExecuteTask does that.
  void Execute(ScsiTask& task, TaskDoneFn done);

  // Queue depth accounting. TryAcquireSlot fails when queue_depth commands already execute.
  bool TryAcquireSlot();
  // REQUIRES: a slot acquired by TryAcquireSlot.
  void ReleaseSlot();
  uint32_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  uint32_t queue_depth() const { return options_.queue_depth; }

  UnitAttentionTable& unit_attentions() { return unit_attentions_; }

  const std::string& name() const { return options_.name; }
  const std::string& vendor() const { return options_.vendor; }
  const std::string& product() const { return options_.product; }
  const std::string& revision() const { return options_.revision; }
  const std::string& serial() const { return options_.serial; }
  uint64_t naa_id() const { return *options_.naa_id; }
  BlockBackend& backend() const { return *backend_; }
  bool read_only() const { return options_.read_only || backend_->read_only(); }
  uint8_t device_type() const { return scsi::kDeviceTypeDisk; }

 private:
  LogicalUnit(LogicalUnitOptions options, std::shared_ptr<BlockBackend> backend);

  const LogicalUnitOptions options_;  // defaults filled in by Create
  const std::shared_ptr<BlockBackend> backend_;
  std::atomic<uint32_t> in_flight_{0};
  UnitAttentionTable unit_attentions_;
};

}  // namespace srp::target
