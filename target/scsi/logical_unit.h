// LogicalUnit: one device exported at a LUN (SCST "device"/tgt_dev, LIO se_device).
//
// Two kinds:
//  * Emulated (Create): a BlockBackend holds the blocks; the core answers SPC/SBC through the
//    opcode -> handler table (command_table.h).
//  * Pass-through (CreatePassThrough, SCST dev_disk): every CDB goes to a PassThroughDevice;
//    only REPORT LUNS (answered by ExecuteTask) and unit attentions stay in the core.
//    backend() must not be called on such a unit: use block_size()/num_blocks().
// Owns the INQUIRY identity, the per-nexus unit attentions, the queue-depth counter and the
// task set (task attributes, task_set.h). Execution is completion-based: Execute() may finish
// the task inline or later from another thread; see ScsiTask and CompleteTask.
//
// Thread-safe: Execute, slot accounting and unit-attention calls may run concurrently from
// several workers (thread mode 1).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "lib/common/status.h"
#include "target/backends/block_backend.h"
#include "target/scsi/passthrough.h"
#include "target/scsi/scsi_task.h"
#include "target/scsi/task_set.h"
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
  // Opt-in: a nexus's first command on this unit reports POWER ON, RESET, OR BUS DEVICE RESET
  // OCCURRED (what a real disk does after power on). Off by default because our user-space
  // tools do not retry on UNIT ATTENTION.
  bool power_on_unit_attention = false;
  // VPD 0xB1 MEDIUM ROTATION RATE: 0 not reported, 1 non-rotating (default), else rpm.
  uint16_t medium_rotation_rate = 1;
};

class LogicalUnit : public std::enable_shared_from_this<LogicalUnit> {
 public:
  // Fails with kInvalidArgument for an empty/oversized identity field or queue_depth 0.
  static Result<std::shared_ptr<LogicalUnit>> Create(LogicalUnitOptions options,
                                                     std::shared_ptr<BlockBackend> backend);
  // Same checks; `device` must not be null.
  static Result<std::shared_ptr<LogicalUnit>> CreatePassThrough(
      LogicalUnitOptions options, std::shared_ptr<PassThroughDevice> device);
  LogicalUnit(const LogicalUnit&) = delete;
  LogicalUnit& operator=(const LogicalUnit&) = delete;

  // Executes `task` (CDB set, inputs filled). `done` runs exactly once, inline or later from
  // another thread. Order: the task set (ORDERED / HEAD OF QUEUE may delay the start), then
  // the unit attention check (INQUIRY, REPORT LUNS, REQUEST SENSE exempt), then the opcode's
  // handler (or the pass-through device); unknown opcodes end in ILLEGAL REQUEST / INVALID
  // COMMAND OPERATION CODE. Does not touch the queue-depth counter: ExecuteTask does that.
  void Execute(ScsiTask& task, TaskDoneFn done);

  // Starts a task the task set held back. Called by CompleteTask only.
  void StartEnteredTask(ScsiTask& task);

  // Queue depth accounting. TryAcquireSlot fails when queue_depth commands already execute.
  bool TryAcquireSlot();
  // REQUIRES: a slot acquired by TryAcquireSlot.
  void ReleaseSlot();
  uint32_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  uint32_t queue_depth() const { return options_.queue_depth; }

  UnitAttentionTable& unit_attentions() { return unit_attentions_; }
  TaskSet& task_set() { return task_set_; }

  // ---- Events the engine and the configuration layer report ----
  // LOGICAL UNIT RESET received on `issuing_nexus`: every other nexus gets POWER ON, RESET,
  // OR BUS DEVICE RESET OCCURRED (29/00). Aborting the tasks is the transport's job.
  void OnLunReset(uint64_t issuing_nexus);
  // CAPACITY DATA HAS CHANGED (2A/09) for every nexus this unit knows. See also
  // LunMap::Replace, which moves the nexuses to a resized unit and raises this.
  void NotifyCapacityChanged();
  // The I_T nexus is gone (session closed): drop its unit attention state.
  void ForgetNexus(uint64_t nexus) { unit_attentions_.Forget(nexus); }

  const std::string& name() const { return options_.name; }
  const std::string& vendor() const { return options_.vendor; }
  const std::string& product() const { return options_.product; }
  const std::string& revision() const { return options_.revision; }
  const std::string& serial() const { return options_.serial; }
  uint64_t naa_id() const { return *options_.naa_id; }
  uint16_t medium_rotation_rate() const { return options_.medium_rotation_rate; }

  bool is_passthrough() const { return passthrough_ != nullptr; }
  // REQUIRES: !is_passthrough().
  BlockBackend& backend() const { return *backend_; }
  // REQUIRES: is_passthrough().
  PassThroughDevice& passthrough() const { return *passthrough_; }
  // Capacity of either kind.
  uint32_t block_size() const;
  uint64_t num_blocks() const;
  bool read_only() const;
  uint8_t device_type() const { return scsi::kDeviceTypeDisk; }

  // Emulated units: the backend's write cache state (MODE page 08h WCE) and its value at
  // creation (the "default" page control).
  bool write_cache_enabled() const;
  bool default_write_cache_enabled() const { return default_wce_; }
  bool supports_unmap() const;

  // Serializes COMPARE AND WRITE commands of this unit (read, compare and write are atomic
  // with respect to each other).
  std::mutex& compare_and_write_mutex() { return caw_mu_; }

 private:
  LogicalUnit(LogicalUnitOptions options, std::shared_ptr<BlockBackend> backend,
              std::shared_ptr<PassThroughDevice> device);
  static Status Normalize(LogicalUnitOptions& options);
  // Unit attention check, then handler or pass-through.
  void Start(ScsiTask& task);

  const LogicalUnitOptions options_;                      // defaults filled in by Create
  const std::shared_ptr<BlockBackend> backend_;           // null for pass-through
  const std::shared_ptr<PassThroughDevice> passthrough_;  // null for emulated
  const bool default_wce_;
  std::atomic<uint32_t> in_flight_{0};
  UnitAttentionTable unit_attentions_;
  TaskSet task_set_;
  std::mutex caw_mu_;
};

}  // namespace srp::target
