#include "target/scsi/scsi_task.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "target/scsi/logical_unit.h"

namespace srp::target {

Status ScsiTask::SetCdb(std::span<const std::byte> cdb_bytes) {
  if (cdb_bytes.empty() || cdb_bytes.size() > cdb_storage.size()) {
    return InvalidArgument("CDB length must be 1.." + std::to_string(cdb_storage.size()));
  }
  std::copy(cdb_bytes.begin(), cdb_bytes.end(), cdb_storage.begin());
  cdb_length = static_cast<uint16_t>(cdb_bytes.size());
  return Status::Ok();
}

void ScsiTask::SetCheckCondition(const scsi::SenseReason& reason) {
  status = scsi::ScsiStatus::kCheckCondition;
  const auto fixed = scsi::BuildFixedSense(reason);
  std::copy(fixed.begin(), fixed.end(), sense.begin());
  sense_length = static_cast<uint8_t>(fixed.size());
}

void ScsiTask::SetStatus(scsi::ScsiStatus s) {
  status = s;
  sense_length = 0;
}

void ScsiTask::ResetOutputs() {
  status = scsi::ScsiStatus::kGood;
  sense_length = 0;
  data_length = 0;
  residual = Residual::kNone;
  residual_count = 0;
}

void CompleteTask(ScsiTask& task) {
  std::shared_ptr<LogicalUnit> lu = std::move(task.core.lu);
  task.core.lu = nullptr;
  std::vector<ScsiTask*> ready;  // empty unless ORDERED / HEAD OF QUEUE tasks are involved
  if (task.core.in_task_set) {
    lu->task_set().Remove(&task, ready);
    task.core.in_task_set = false;
  }
  if (task.core.holds_slot) {
    lu->ReleaseSlot();
    task.core.holds_slot = false;
  }
  TaskDoneFn done = std::move(task.core.done);
  task.core.done = nullptr;
  if (done) done(task);
  // `task` belongs to the transport again; `lu` is still referenced by this frame.
  for (ScsiTask* next : ready) lu->StartEnteredTask(*next);
}

void SetResidual(ScsiTask& task, uint64_t command_bytes) {
  const uint64_t expected = task.expected_length;
  if (command_bytes < expected) {
    task.residual = Residual::kUnderflow;
    task.residual_count = static_cast<uint32_t>(expected - command_bytes);
  } else if (command_bytes > expected) {
    task.residual = Residual::kOverflow;
    task.residual_count =
        static_cast<uint32_t>(std::min<uint64_t>(command_bytes - expected, UINT32_MAX));
  } else {
    task.residual = Residual::kNone;
    task.residual_count = 0;
  }
}

void FinishDataIn(ScsiTask& task, std::span<const std::byte> response) {
  const size_t room = std::min<size_t>(task.expected_length, task.buffer.size());
  const size_t n = std::min(room, response.size());
  std::copy_n(response.begin(), n, task.buffer.begin());
  task.data_length = static_cast<uint32_t>(n);
  SetResidual(task, response.size());
  task.SetStatus(scsi::ScsiStatus::kGood);
}

bool DirectionCompatible(const ScsiTask& task, DataDirection needed) {
  if (task.direction == DataDirection::kNone || task.expected_length == 0) return true;
  return task.direction == needed;
}

}  // namespace srp::target
