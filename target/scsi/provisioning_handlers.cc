// WRITE SAME(10)/(16) and UNMAP (SBC-3 5.28, 5.41, 5.42), with the backend's synchronous
// Write and Unmap.
#include <algorithm>
#include <vector>

#include "lib/common/endian.h"
#include "lib/scsi/cdb_parse.h"
#include "target/scsi/handlers.h"
#include "target/scsi/logical_unit.h"

namespace srp::target::handlers {
namespace {

// Bytes written per backend call while replicating the block.
constexpr size_t kReplicateChunkBytes = 1 << 20;
constexpr size_t kUnmapHeaderLength = 8;
constexpr size_t kUnmapDescriptorLength = 16;

}  // namespace

// One block of data-out (zeros with NDOB) written to every block of the range. With UNMAP,
// a zero block deallocates the range instead (unmapped blocks read as zeros, LBPRZ=1); a
// non-zero block is written. UNMAP without backend support is INVALID FIELD IN CDB.
HandlerResult WriteSame(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseWriteSame(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  const bool sixteen = task.opcode() == scsi::kOpWriteSame16;
  const uint16_t length_byte = sixteen ? 10 : 7;
  if (cdb->unmap && !lu.supports_unmap()) return Fail(task, scsi::InvalidFieldInCdb(1, 3));
  // WSNZ=1 in VPD B0h: 0 blocks ("to the end of the medium") is not accepted.
  if (cdb->blocks == 0 || cdb->blocks > kMaxWriteSameBlocks) {
    return Fail(task, scsi::InvalidFieldInCdb(length_byte));
  }
  if (RangeInvalid(cdb->lba, cdb->blocks, lu.num_blocks())) {
    return Fail(task, scsi::LbaOutOfRange());
  }
  if (lu.read_only()) return Fail(task, WriteProtected());
  const uint32_t bs = lu.block_size();
  std::vector<std::byte> block(bs);
  if (!cdb->ndob) {
    auto data = TakeParameterList(task, bs);
    if (!data.has_value()) return HandlerResult::kComplete;
    std::copy(data->begin(), data->end(), block.begin());
  } else {
    SetResidual(task, 0);
  }
  const bool zero =
      std::all_of(block.begin(), block.end(), [](std::byte b) { return b == std::byte{0}; });
  if (cdb->unmap && zero) {
    Status st = lu.backend().Unmap(cdb->lba, cdb->blocks);
    if (!st.ok()) return FailBackend(task, st, IoKind::kUnmap);
    task.SetStatus(scsi::ScsiStatus::kGood);
    return HandlerResult::kComplete;
  }
  const uint32_t chunk_blocks = static_cast<uint32_t>(
      std::min<uint64_t>(cdb->blocks, std::max<size_t>(1, kReplicateChunkBytes / bs)));
  std::vector<std::byte> pattern(size_t{chunk_blocks} * bs);
  for (uint32_t i = 0; i < chunk_blocks; ++i) {
    std::copy(block.begin(), block.end(), pattern.begin() + static_cast<ptrdiff_t>(i) * bs);
  }
  for (uint32_t done = 0; done < cdb->blocks;) {
    const uint32_t n = std::min(cdb->blocks - done, chunk_blocks);
    Status st = lu.backend().Write(cdb->lba + done, n,
                                   std::span<const std::byte>(pattern).first(size_t{n} * bs),
                                   /*fua=*/false);
    if (!st.ok()) return FailBackend(task, st, IoKind::kWrite);
    done += n;
  }
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

// Parameter list (SBC-3 5.28.2): UNMAP DATA LENGTH (2), UNMAP BLOCK DESCRIPTOR DATA LENGTH
// (2), 4 reserved, then 16-byte descriptors {LBA (8), NUMBER OF LOGICAL BLOCKS (4), reserved}.
// Checks, all before anything is unmapped: a list of 1..7 bytes or lengths running past the
// list -> PARAMETER LIST LENGTH ERROR; more than kMaxUnmapDescriptors descriptors or more than
// kMaxUnmapLbaCount blocks in total -> INVALID FIELD IN PARAMETER LIST; a range past the end
// -> LBA OUT OF RANGE. A trailing partial descriptor is ignored (SBC-3).
HandlerResult Unmap(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseUnmap(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  if (!lu.supports_unmap()) return Fail(task, scsi::InvalidOpcode());
  if (lu.read_only()) return Fail(task, WriteProtected());
  auto list = TakeParameterList(task, cdb->param_len);
  if (!list.has_value()) return HandlerResult::kComplete;
  const std::span<const std::byte> p = *list;
  if (p.empty()) {
    task.SetStatus(scsi::ScsiStatus::kGood);
    return HandlerResult::kComplete;
  }
  if (p.size() < kUnmapHeaderLength) return Fail(task, scsi::ParameterListLengthError());
  const size_t data_len = LoadBe16(p, 0);
  const size_t desc_len = LoadBe16(p, 2);
  if (data_len + 2 > p.size() || desc_len + kUnmapHeaderLength > p.size()) {
    return Fail(task, scsi::ParameterListLengthError());
  }
  // UNMAP DATA LENGTH counts the bytes after itself, so it covers the descriptors too.
  if (data_len < desc_len + 6) return Fail(task, scsi::InvalidFieldInParameterList(0));
  const size_t count = desc_len / kUnmapDescriptorLength;
  if (count > kMaxUnmapDescriptors) return Fail(task, scsi::InvalidFieldInParameterList(2));
  uint64_t total = 0;
  const uint64_t capacity = lu.num_blocks();
  for (size_t i = 0; i < count; ++i) {
    const size_t at = kUnmapHeaderLength + i * kUnmapDescriptorLength;
    const uint64_t lba = LoadBe64(p, at);
    const uint32_t blocks = LoadBe32(p, at + 8);
    if (RangeInvalid(lba, blocks, capacity)) return Fail(task, scsi::LbaOutOfRange());
    total += blocks;
    if (total > kMaxUnmapLbaCount) {
      return Fail(task, scsi::InvalidFieldInParameterList(static_cast<uint16_t>(at + 8)));
    }
  }
  for (size_t i = 0; i < count; ++i) {
    const size_t at = kUnmapHeaderLength + i * kUnmapDescriptorLength;
    const uint32_t blocks = LoadBe32(p, at + 8);
    if (blocks == 0) continue;
    Status st = lu.backend().Unmap(LoadBe64(p, at), blocks);
    if (!st.ok()) return FailBackend(task, st, IoKind::kUnmap);
  }
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

}  // namespace srp::target::handlers
