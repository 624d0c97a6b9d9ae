// ScsiTask: what the transport (SrpRequest) hands the SCSI core, and what it gets back.
//
// Lifecycle: the transport fills the inputs (SetCdb, lun_raw, direction, expected_length,
// buffer...), calls ExecuteTask (scsi_core.h) or LogicalUnit::Execute, and receives the task
// back through its TaskDoneFn, called exactly once, either inline (before Execute returns;
// null/memory backends) or later from another thread (asynchronous backends, step 3). After
// the callback the transport owns the task again: it RDMA-WRITEs `data_in()` for data-in
// commands and sends SRP_RSP built from status/sense/residual.
//
// Residuals (SRP DIUNDER/DIOVER/DOUNDER/DOOVER). The command's own transfer size (READ/WRITE
// blocks x block size, or the data a data-in command produces after allocation-length
// truncation) is compared with `expected_length`, the total of the SRP data descriptors:
//  * command < expected: underflow, residual = expected - command; only the command's bytes
//    move.
//  * command > expected: overflow, residual = command - expected. Like SCST, the command is
//    limited to the descriptor length: a READ returns the first `expected_length` bytes; a
//    WRITE writes only the whole blocks the descriptors supply (a trailing partial block is
//    not written). Status stays GOOD; the initiator sees the residual flag.
//  * A data-direction conflict (READ-type command with data-out descriptors or vice versa)
//    is CHECK CONDITION / ILLEGAL REQUEST / INVALID FIELD IN CDB.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "lib/common/status.h"
#include "lib/scsi/constants.h"
#include "lib/scsi/lun.h"
#include "lib/scsi/sense.h"

namespace srp::target {

class LogicalUnit;
struct ScsiTask;

// Completion callback. Keep captures to two pointers or less: libstdc++ stores them inline,
// so no allocation happens per command.
using TaskDoneFn = std::function<void(ScsiTask&)>;

// Data direction as the SRP_CMD descriptors describe it (buf_fmt nibbles).
enum class DataDirection : uint8_t {
  kNone,  // no descriptors
  kIn,    // data-in: target -> initiator (READ); the core fills `buffer`
  kOut,   // data-out: initiator -> target (WRITE); `buffer` already holds the data
};

// SRP_CMD task_attr encoding (SAM-5 task attributes), honoured by the LU's TaskSet
// (task_set.h): ORDERED waits for every older task, SIMPLE for older ORDERED and HEAD OF QUEUE
// tasks, HEAD OF QUEUE starts at once. ACA is executed as SIMPLE (we never establish ACA).
enum class TaskAttribute : uint8_t {
  kSimple = 0,
  kHeadOfQueue = 1,
  kOrdered = 2,
  kAca = 4,
};

enum class Residual : uint8_t { kNone, kUnderflow, kOverflow };

// The SCSI target port a task arrived through (VPD 0x83 target port designators).
struct TargetPortInfo {
  uint16_t relative_port_id = 1;  // RELATIVE TARGET PORT IDENTIFIER (1..65535)
  std::string name;               // SCSI name string of the port; empty: no name designator
};

struct ScsiTask {
  // ---- Inputs (transport) ----
  uint64_t tag = 0;
  // The I_T nexus (SRP session) this task arrived on; unit attentions are kept per nexus.
  uint64_t nexus_id = 0;
  scsi::LunBytes lun_raw{};
  TaskAttribute attribute = TaskAttribute::kSimple;
  DataDirection direction = DataDirection::kNone;
  // Sum of the data descriptor lengths (bytes).
  uint32_t expected_length = 0;
  // REQUIRES: buffer.size() >= expected_length. Data-out: filled by RDMA READ (or immediate
  // data) before execution. Data-in: written by the core; `data_in()` is what to send.
  std::span<std::byte> buffer;
  // Commands this session has outstanding, including this one; decides TASK SET FULL (> 1)
  // versus BUSY (<= 1) when the logical unit's queue is full (SCST scst_set_busy).
  uint32_t session_commands = 1;
  // The port this task arrived through; must outlive the task. Null: relative port 1 and no
  // target port name designator.
  const TargetPortInfo* port = nullptr;

  // Copies the CDB (SRP: the 16-byte field plus additional CDB bytes). Fails when empty or
  // longer than scsi::kMaxCdbLength.
  Status SetCdb(std::span<const std::byte> cdb);
  std::span<const std::byte> cdb() const { return {cdb_storage.data(), cdb_length}; }
  // REQUIRES: a CDB was set.
  uint8_t opcode() const { return static_cast<uint8_t>(cdb_storage[0]); }

  // ---- Outputs (core) ----
  std::optional<uint32_t> lun;  // decoded LUN number; nullopt when lun_raw is not decodable
  scsi::ScsiStatus status = scsi::ScsiStatus::kGood;
  std::array<std::byte, scsi::kMaxSenseLength> sense{};
  uint8_t sense_length = 0;
  // Data-in: bytes valid at the start of `buffer`. Data-out: bytes consumed from `buffer`.
  uint32_t data_length = 0;
  Residual residual = Residual::kNone;
  uint32_t residual_count = 0;

  std::span<const std::byte> sense_data() const { return {sense.data(), sense_length}; }
  std::span<const std::byte> data_in() const { return buffer.first(data_length); }

  // Sets CHECK CONDITION with fixed-format sense for `reason`.
  void SetCheckCondition(const scsi::SenseReason& reason);
  // Sets a status without sense data (GOOD, BUSY, TASK SET FULL...).
  void SetStatus(scsi::ScsiStatus s);
  // Clears status, sense, data length and residual (not `lun`, which ExecuteTask sets).
  void ResetOutputs();

  // ---- Core-owned state: the transport never touches these ----
  struct CoreState {
    TaskDoneFn done;
    std::shared_ptr<LogicalUnit> lu;  // keeps the LU alive while the task runs
    bool holds_slot = false;          // a queue-depth slot of `lu` is held
    bool in_task_set = false;         // entered into `lu`'s TaskSet
  } core;

  std::array<std::byte, scsi::kMaxCdbLength> cdb_storage{};
  uint16_t cdb_length = 0;
};

// Ends the task: leaves the LU's task set, releases its queue slot, drops the LU reference
// and calls the TaskDoneFn; then starts the tasks of the same LU that were waiting for this
// one (ORDERED / HEAD OF QUEUE ordering), on the calling thread.
// REQUIRES: called exactly once per Execute; the task's outputs are final. Handlers call it
// as the very last thing they do with the task and the LU.
void CompleteTask(ScsiTask& task);

// Data-in command finished with `response` (already truncated to the CDB's allocation
// length): copies what fits in the descriptors, sets data_length, residual and GOOD.
void FinishDataIn(ScsiTask& task, std::span<const std::byte> response);

// Sets residual fields for a command whose own transfer size is `command_bytes`.
void SetResidual(ScsiTask& task, uint64_t command_bytes);

// True when the task's descriptors do not contradict a command moving data in `needed`
// (kIn or kOut). kNone descriptors never conflict (that is an overflow, not an error).
bool DirectionCompatible(const ScsiTask& task, DataDirection needed);

}  // namespace srp::target
