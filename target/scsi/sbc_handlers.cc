// SBC-3 block commands: READ CAPACITY(10)/(16), READ and WRITE (6/10/12/16).
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

HandlerResult Read(LogicalUnit& lu, ScsiTask& task, const scsi::ReadWriteCdb& rw,
                   uint64_t command_bytes) {
  const uint32_t bs = lu.backend().block_size();
  const size_t room = std::min<size_t>(task.expected_length, task.buffer.size());
  const uint64_t moved = std::min<uint64_t>(command_bytes, room);
  const auto full_blocks = static_cast<uint32_t>(moved / bs);
  if (full_blocks > 0) {
    Status st = lu.backend().Read(rw.lba, full_blocks,
                                  task.buffer.first(static_cast<size_t>(full_blocks) * bs));
    if (!st.ok()) return FailBackend(task, st, IoKind::kRead);
  }
  const size_t tail = static_cast<size_t>(moved % bs);
  if (tail != 0) {
    // Descriptors end inside a block (an initiator bug): bounce the last block.
    std::vector<std::byte> bounce(bs);
    Status st = lu.backend().Read(rw.lba + full_blocks, 1, bounce);
    if (!st.ok()) return FailBackend(task, st, IoKind::kRead);
    std::copy_n(bounce.begin(), tail,
                task.buffer.begin() + static_cast<ptrdiff_t>(full_blocks) * bs);
  }
  task.data_length = static_cast<uint32_t>(moved);
  SetResidual(task, command_bytes);
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

HandlerResult Write(LogicalUnit& lu, ScsiTask& task, const scsi::ReadWriteCdb& rw,
                    uint64_t command_bytes) {
  const uint32_t bs = lu.backend().block_size();
  const size_t room = std::min<size_t>(task.expected_length, task.buffer.size());
  // Only whole blocks the descriptors supply are written (see scsi_task.h).
  const auto blocks = static_cast<uint32_t>(std::min<uint64_t>(command_bytes, room) / bs);
  if (blocks > 0) {
    Status st = lu.backend().Write(rw.lba, blocks,
                                   task.buffer.first(static_cast<size_t>(blocks) * bs), rw.fua);
    if (!st.ok()) return FailBackend(task, st, IoKind::kWrite);
  }
  task.data_length = blocks * bs;
  SetResidual(task, command_bytes);
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

}  // namespace

HandlerResult ReadCapacity10(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseReadCapacity10(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  std::array<std::byte, 8> d{};
  const uint64_t last = lu.backend().num_blocks() - 1;
  // 0xFFFFFFFF tells the initiator to use READ CAPACITY(16) (SBC-3 5.15.2).
  StoreBe32(&d[0], last > 0xFFFFFFFEull ? 0xFFFFFFFFu : static_cast<uint32_t>(last));
  StoreBe32(&d[4], lu.backend().block_size());
  return ReturnDataIn(task, d, d.size());
}

HandlerResult ReadCapacity16(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseReadCapacity16(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  // SBC-3 table 66. PROT_EN 0, one logical block per physical block, LBPME 0 (no UNMAP
  // command until step 3), LOWEST ALIGNED LBA 0.
  std::array<std::byte, 32> d{};
  StoreBe64(&d[0], lu.backend().num_blocks() - 1);
  StoreBe32(&d[8], lu.backend().block_size());
  return ReturnDataIn(task, d, cdb->alloc_len);
}

HandlerResult ReadWrite(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseReadWrite(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  const scsi::ReadWriteCdb& rw = cdb.value();
  const DataDirection needed = rw.write ? DataDirection::kOut : DataDirection::kIn;
  if (!DirectionCompatible(task, needed)) return Fail(task, scsi::InvalidFieldInCdb(0));
  const uint64_t num_blocks = lu.backend().num_blocks();
  // Overflow-safe "lba + blocks > num_blocks"; checked before anything moves (SBC-3 4.5).
  if (rw.lba > num_blocks || rw.blocks > num_blocks - rw.lba) {
    return Fail(task, scsi::LbaOutOfRange());
  }
  if (rw.write && lu.read_only()) {
    return Fail(task, {scsi::SenseKey::kDataProtect, scsi::kAscWriteProtected, std::nullopt});
  }
  const uint64_t command_bytes = uint64_t{rw.blocks} * lu.backend().block_size();
  if (rw.blocks == 0) {  // SBC-3: transfer length 0 is not an error, nothing is transferred
    SetResidual(task, 0);
    task.SetStatus(scsi::ScsiStatus::kGood);
    return HandlerResult::kComplete;
  }
  return rw.write ? Write(lu, task, rw, command_bytes) : Read(lu, task, rw, command_bytes);
}

}  // namespace srp::target::handlers
