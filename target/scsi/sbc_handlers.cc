// SBC-3 block commands: READ CAPACITY(10)/(16), READ and WRITE (6/10/12/16), SYNCHRONIZE
// CACHE(10)/(16). Data commands go to the backend's asynchronous Submit* forms and complete
// from its callback (possibly on a backend thread).
#include <algorithm>
#include <array>
#include <vector>

#include "lib/common/endian.h"
#include "lib/scsi/cdb_parse.h"
#include "target/scsi/backend_errors.h"
#include "target/scsi/handlers.h"
#include "target/scsi/logical_unit.h"

namespace srp::target::handlers {
namespace {

// Descriptors that end inside a block (an initiator bug): read the blocks into a bounce
// buffer synchronously and copy what fits. Rare, so not worth an asynchronous path.
HandlerResult ReadPartialBlock(LogicalUnit& lu, ScsiTask& task, uint64_t lba, uint64_t moved,
                               uint64_t command_bytes) {
  const uint32_t bs = lu.block_size();
  const auto blocks = static_cast<uint32_t>((moved + bs - 1) / bs);
  std::vector<std::byte> bounce(size_t{blocks} * bs);
  Status st = lu.backend().Read(lba, blocks, bounce);
  if (!st.ok()) return FailBackend(task, st, IoKind::kRead);
  std::copy_n(bounce.begin(), moved, task.buffer.begin());
  task.data_length = static_cast<uint32_t>(moved);
  SetResidual(task, command_bytes);
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

HandlerResult Read(LogicalUnit& lu, ScsiTask& task, const scsi::ReadWriteCdb& rw,
                   uint64_t command_bytes) {
  const uint32_t bs = lu.block_size();
  const size_t room = std::min<size_t>(task.expected_length, task.buffer.size());
  const uint64_t moved = std::min<uint64_t>(command_bytes, room);
  if (moved % bs != 0) return ReadPartialBlock(lu, task, rw.lba, moved, command_bytes);
  if (moved == 0) {
    SetResidual(task, command_bytes);
    task.SetStatus(scsi::ScsiStatus::kGood);
    return HandlerResult::kComplete;
  }
  const auto blocks = static_cast<uint32_t>(moved / bs);
  // Outputs for success are set before submitting: the transport does not look at them
  // before the TaskDoneFn, and the callback stays two words (no allocation).
  task.data_length = static_cast<uint32_t>(moved);
  SetResidual(task, command_bytes);
  ScsiTask* t = &task;
  lu.backend().SubmitRead(rw.lba, blocks, task.buffer.first(moved), [t](Status st) {
    if (!st.ok()) (void)FailBackend(*t, st, IoKind::kRead);
    CompleteTask(*t);
  });
  return HandlerResult::kPending;
}

HandlerResult Write(LogicalUnit& lu, ScsiTask& task, const scsi::ReadWriteCdb& rw,
                    uint64_t command_bytes) {
  const uint32_t bs = lu.block_size();
  const size_t room = std::min<size_t>(task.expected_length, task.buffer.size());
  // Only whole blocks the descriptors supply are written (see scsi_task.h).
  const auto blocks = static_cast<uint32_t>(std::min<uint64_t>(command_bytes, room) / bs);
  SetResidual(task, command_bytes);
  if (blocks == 0) {
    task.SetStatus(scsi::ScsiStatus::kGood);
    return HandlerResult::kComplete;
  }
  const size_t bytes = size_t{blocks} * bs;
  task.data_length = static_cast<uint32_t>(bytes);
  ScsiTask* t = &task;
  lu.backend().SubmitWrite(rw.lba, blocks, task.buffer.first(bytes), rw.fua, [t](Status st) {
    if (!st.ok()) (void)FailBackend(*t, st, IoKind::kWrite);
    CompleteTask(*t);
  });
  return HandlerResult::kPending;
}

}  // namespace

HandlerResult FailBackend(ScsiTask& task, const Status& status, IoKind kind) {
  const BackendErrorOutcome outcome = MapBackendError(status, kind);
  if (outcome.sense.has_value()) {
    task.SetCheckCondition(*outcome.sense);
  } else {
    task.SetStatus(outcome.status);
  }
  task.data_length = 0;
  return HandlerResult::kComplete;
}

HandlerResult ReadCapacity10(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseReadCapacity10(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  std::array<std::byte, 8> d{};
  const uint64_t last = lu.num_blocks() - 1;
  // 0xFFFFFFFF tells the initiator to use READ CAPACITY(16) (SBC-3 5.15.2).
  StoreBe32(&d[0], last > 0xFFFFFFFEull ? 0xFFFFFFFFu : static_cast<uint32_t>(last));
  StoreBe32(&d[4], lu.block_size());
  return ReturnDataIn(task, d, d.size());
}

HandlerResult ReadCapacity16(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseReadCapacity16(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  // SBC-3 table 66. PROT_EN 0, one logical block per physical block, LOWEST ALIGNED LBA 0;
  // LBPME and LBPRZ when the backend unmaps (unmapped blocks read as zeros).
  std::array<std::byte, 32> d{};
  StoreBe64(&d[0], lu.num_blocks() - 1);
  StoreBe32(&d[8], lu.block_size());
  if (lu.supports_unmap()) StoreU8(&d[14], 0x80 | 0x40);
  return ReturnDataIn(task, d, cdb->alloc_len);
}

HandlerResult ReadWrite(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseReadWrite(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  const scsi::ReadWriteCdb& rw = cdb.value();
  const DataDirection needed = rw.write ? DataDirection::kOut : DataDirection::kIn;
  if (!DirectionCompatible(task, needed)) return Fail(task, scsi::InvalidFieldInCdb(0));
  // Checked before anything moves (SBC-3 4.5).
  if (RangeInvalid(rw.lba, rw.blocks, lu.num_blocks())) return Fail(task, scsi::LbaOutOfRange());
  if (rw.write && lu.read_only()) return Fail(task, WriteProtected());
  const uint64_t command_bytes = uint64_t{rw.blocks} * lu.block_size();
  if (rw.blocks == 0) {  // SBC-3: transfer length 0 is not an error, nothing is transferred
    SetResidual(task, 0);
    task.SetStatus(scsi::ScsiStatus::kGood);
    return HandlerResult::kComplete;
  }
  return rw.write ? Write(lu, task, rw, command_bytes) : Read(lu, task, rw, command_bytes);
}

// The whole cache is flushed whatever the range (the backend has no ranged flush); the range
// is still checked. IMMED is accepted and ignored: GOOD comes after the flush.
HandlerResult SynchronizeCache(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseSynchronizeCache(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  if (RangeInvalid(cdb->lba, cdb->blocks, lu.num_blocks())) {
    return Fail(task, scsi::LbaOutOfRange());
  }
  SetResidual(task, 0);
  ScsiTask* t = &task;
  lu.backend().SubmitFlush([t](Status st) {
    if (!st.ok()) {
      (void)FailBackend(*t, st, IoKind::kFlush);
    } else {
      t->SetStatus(scsi::ScsiStatus::kGood);
    }
    CompleteTask(*t);
  });
  return HandlerResult::kPending;
}

}  // namespace srp::target::handlers
