// VERIFY(10)/(16) and COMPARE AND WRITE (SBC-3 5.2, 5.33, 5.34). Both compare data-out with
// the medium using the backend's synchronous Read; a mismatch is MISCOMPARE / MISCOMPARE
// DURING VERIFY OPERATION with INFORMATION = the byte offset of the first differing byte
// (from the start of the compared data).
#include <algorithm>
#include <mutex>
#include <vector>

#include "lib/scsi/cdb_parse.h"
#include "target/scsi/handlers.h"
#include "target/scsi/logical_unit.h"

namespace srp::target::handlers {
namespace {

// Blocks read per backend call while comparing.
constexpr uint32_t kCompareChunkBytes = 256 * 1024;

HandlerResult MiscompareAt(ScsiTask& task, uint64_t offset) {
  task.status = scsi::ScsiStatus::kCheckCondition;
  const auto sense = scsi::BuildFixedSense(scsi::Miscompare(), offset);
  std::copy(sense.begin(), sense.end(), task.sense.begin());
  task.sense_length = static_cast<uint8_t>(sense.size());
  return HandlerResult::kComplete;
}

// Compares `blocks` blocks from `lba` with `expected` (blocks x bs bytes, or one block when
// `single_block`, compared against each block). Sets the outcome on failure and returns
// false; true when everything matched.
bool CompareWithMedium(LogicalUnit& lu, ScsiTask& task, uint64_t lba, uint32_t blocks,
                       std::span<const std::byte> expected, bool single_block) {
  const uint32_t bs = lu.block_size();
  const uint32_t chunk_blocks = std::max<uint32_t>(1, kCompareChunkBytes / bs);
  std::vector<std::byte> medium(size_t{std::min(blocks, chunk_blocks)} * bs);
  for (uint32_t done = 0; done < blocks;) {
    const uint32_t n = std::min(blocks - done, chunk_blocks);
    const std::span<std::byte> got(medium.data(), size_t{n} * bs);
    Status st = lu.backend().Read(lba + done, n, got);
    if (!st.ok()) {
      (void)FailBackend(task, st, IoKind::kRead);
      return false;
    }
    for (uint32_t b = 0; b < n; ++b) {
      const auto want =
          single_block ? expected.first(bs) : expected.subspan(size_t{done + b} * bs, bs);
      const auto have = got.subspan(size_t{b} * bs, bs);
      auto [w, h] = std::mismatch(want.begin(), want.end(), have.begin());
      if (w != want.end()) {
        const uint64_t offset = uint64_t{done + b} * bs + static_cast<uint64_t>(w - want.begin());
        MiscompareAt(task, offset);
        return false;
      }
    }
    done += n;
  }
  return true;
}

}  // namespace

// BYTCHK 0: the range is checked, the medium is not read (every block of our backends is
// readable). BYTCHK 1: data-out holds `blocks` blocks; BYTCHK 3: one block compared with each
// block of the range. Data-out shorter than that compares only the whole blocks supplied
// (overflow residual), as WRITE does.
HandlerResult Verify(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseVerify(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  if (RangeInvalid(cdb->lba, cdb->blocks, lu.num_blocks())) {
    return Fail(task, scsi::LbaOutOfRange());
  }
  if (cdb->bytchk == 0 || cdb->blocks == 0) {
    SetResidual(task, 0);
    task.SetStatus(scsi::ScsiStatus::kGood);
    return HandlerResult::kComplete;
  }
  if (!DirectionCompatible(task, DataDirection::kOut)) {
    return Fail(task, scsi::InvalidFieldInCdb(0));
  }
  const uint32_t bs = lu.block_size();
  const bool single = cdb->bytchk == 3;
  const uint64_t command_bytes = single ? bs : uint64_t{cdb->blocks} * bs;
  const size_t room = task.direction == DataDirection::kOut
                          ? std::min<size_t>(task.expected_length, task.buffer.size())
                          : 0;
  const uint64_t usable = std::min<uint64_t>(command_bytes, room) / bs * bs;
  SetResidual(task, command_bytes);
  const uint32_t blocks =
      single ? (usable == bs ? cdb->blocks : 0) : static_cast<uint32_t>(usable / bs);
  task.data_length = static_cast<uint32_t>(usable);
  if (blocks > 0 &&
      !CompareWithMedium(lu, task, cdb->lba, blocks, task.buffer.first(usable), single)) {
    return HandlerResult::kComplete;
  }
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

// Data-out: `blocks` blocks of verify data, then `blocks` blocks of write data. Atomic with
// respect to other COMPARE AND WRITE commands of the unit (one mutex per unit); FUA applies
// to the write. Data-out that does not carry both halves is INVALID FIELD IN CDB (byte 13).
HandlerResult CompareAndWrite(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseCompareAndWrite(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  if (cdb->blocks > kMaxCompareAndWriteBlocks) return Fail(task, scsi::InvalidFieldInCdb(13));
  if (RangeInvalid(cdb->lba, cdb->blocks, lu.num_blocks())) {
    return Fail(task, scsi::LbaOutOfRange());
  }
  if (lu.read_only()) return Fail(task, WriteProtected());
  const uint32_t bs = lu.block_size();
  const size_t half = size_t{cdb->blocks} * bs;
  SetResidual(task, 2 * half);
  if (cdb->blocks == 0) {
    task.SetStatus(scsi::ScsiStatus::kGood);
    return HandlerResult::kComplete;
  }
  if (!DirectionCompatible(task, DataDirection::kOut) || task.direction != DataDirection::kOut ||
      std::min<size_t>(task.expected_length, task.buffer.size()) < 2 * half) {
    return Fail(task, scsi::InvalidFieldInCdb(13));
  }
  const std::span<const std::byte> verify = task.buffer.first(half);
  const std::span<const std::byte> write = task.buffer.subspan(half, half);
  std::lock_guard lock(lu.compare_and_write_mutex());
  if (!CompareWithMedium(lu, task, cdb->lba, cdb->blocks, verify, false)) {
    return HandlerResult::kComplete;
  }
  Status st = lu.backend().Write(cdb->lba, cdb->blocks, write, cdb->fua);
  if (!st.ok()) return FailBackend(task, st, IoKind::kWrite);
  task.data_length = static_cast<uint32_t>(2 * half);
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

}  // namespace srp::target::handlers
