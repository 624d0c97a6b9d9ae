#include "initiator_tools/attach/lun_io.h"

#include <algorithm>
#include <cstring>

#include "lib/common/endian.h"
#include "lib/common/log.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"

namespace srp::attach {
namespace {

constexpr uint64_t kDefaultMaxWriteSame = 0xffff;  // blocks, when VPD B0 gives no limit
constexpr uint32_t kMaxUnmapDescriptors = 64;      // per UNMAP command (one 1 KiB list)

}  // namespace

Result<std::unique_ptr<LunIo>> LunIo::Open(fabric::Fabric& fabric,
                                           const std::vector<std::string>& targets,
                                           std::vector<initiator::SessionOptions> paths,
                                           const LunIoOptions& options) {
  if (options.max_transfer == 0) return InvalidArgument("max_transfer must be > 0");
  SRP_ASSIGN_OR_RETURN(auto engine,
                       LunEngine::Start(fabric, targets, std::move(paths), options.engine));
  if (options.max_transfer % engine->geometry().block_size != 0) {
    return InvalidArgument(fmt::format("max_transfer {} is not a multiple of the block size {}",
                                       options.max_transfer, engine->geometry().block_size));
  }
  return std::unique_ptr<LunIo>(new LunIo(std::move(engine), options));
}

LunIo::~LunIo() {
  if (!closed_) (void)Close(false);
}

LunIo::Lease::~Lease() {
  if (!p_) return;
  std::lock_guard lock(io_.pool_mu_);
  io_.pool_.push_back(std::move(p_));
}

Result<LunIo::Lease> LunIo::Acquire() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<Pooled> p = std::move(pool_.back());
      pool_.pop_back();
      return Lease(*this, std::move(p));
    }
  }
  auto p = std::make_unique<Pooled>();
  SRP_ASSIGN_OR_RETURN(
      p->buffer, initiator::IoBuffer::Allocate(engine_->fabric(),
                                               options_.max_transfer + 2 * size_t{block_size()}));
  p->command.lun = scsi::PackLun(engine_->lun());
  return Lease(*this, std::move(p));
}

Status LunIo::Run(Lease& lease, std::string_view what) {
  if (closed_) return Status(StatusCode::kDisconnected, "LUN closed");
  initiator::ScsiResult r = engine_->Execute(lease->command);
  if (!r.transport.ok()) return r.transport.WithContext(what);
  if (r.status == 0) return Status::Ok();
  return Status(StatusCode::kIoError, fmt::format("{}: {}", what, r.Describe()), EIO);
}

Status LunIo::TransferBlocks(Lease& lease, bool write, uint64_t lba, uint32_t blocks,
                             size_t buffer_offset) {
  initiator::ScsiCommand& cmd = lease->command;
  cmd.cdb = scsi::BuildReadWrite(write, lba, blocks, write && uses_fua());
  cmd.direction = write ? wire::DataDirection::kOut : wire::DataDirection::kIn;
  cmd.segments.assign(1, lease->buffer->Segment(buffer_offset, blocks * block_size()));
  return Run(lease, write ? "WRITE" : "READ");
}

Result<size_t> LunIo::Read(uint64_t offset, std::span<std::byte> out) {
  if (offset >= size_bytes()) return size_t{0};
  const size_t total = static_cast<size_t>(std::min<uint64_t>(out.size(), size_bytes() - offset));
  SRP_ASSIGN_OR_RETURN(Lease lease, Acquire());
  const uint32_t bs = block_size();
  size_t done = 0;
  while (done < total) {
    const uint64_t pos = offset + done;
    const size_t skip = pos % bs;
    const size_t want = std::min<size_t>(total - done, options_.max_transfer - skip);
    const uint32_t blocks = static_cast<uint32_t>((skip + want + bs - 1) / bs);
    SRP_RETURN_IF_ERROR(TransferBlocks(lease, false, pos / bs, blocks, 0));
    std::memcpy(out.data() + done, lease->buffer->data() + skip, want);
    done += want;
  }
  return total;
}

Result<size_t> LunIo::Write(uint64_t offset, std::span<const std::byte> in) {
  if (offset > size_bytes() || in.size() > size_bytes() - offset) {
    return InvalidArgument(fmt::format("write of {} bytes at {} beyond the LUN's {} bytes",
                                       in.size(), offset, size_bytes()));
  }
  const bool aligned = offset % block_size() == 0 && in.size() % block_size() == 0;
  if (aligned) {
    std::shared_lock lock(rmw_mu_);
    return WriteLocked(offset, in);
  }
  std::unique_lock lock(rmw_mu_);
  return WriteLocked(offset, in);
}

Result<size_t> LunIo::WriteLocked(uint64_t offset, std::span<const std::byte> in) {
  SRP_ASSIGN_OR_RETURN(Lease lease, Acquire());
  const uint32_t bs = block_size();
  size_t done = 0;
  while (done < in.size()) {
    const uint64_t pos = offset + done;
    const uint64_t lba = pos / bs;
    const size_t skip = pos % bs;
    const size_t want = std::min<size_t>(in.size() - done, options_.max_transfer - skip);
    const uint32_t blocks = static_cast<uint32_t>((skip + want + bs - 1) / bs);
    const size_t tail = (skip + want) % bs;
    // Partial first/last blocks: read them so the bytes around the write survive.
    if (skip != 0) SRP_RETURN_IF_ERROR(TransferBlocks(lease, false, lba, 1, 0));
    if (tail != 0 && (blocks > 1 || skip == 0)) {
      SRP_RETURN_IF_ERROR(
          TransferBlocks(lease, false, lba + blocks - 1, 1, size_t{blocks - 1} * bs));
    }
    std::memcpy(lease->buffer->data() + skip, in.data() + done, want);
    SRP_RETURN_IF_ERROR(TransferBlocks(lease, true, lba, blocks, 0));
    done += want;
  }
  return in.size();
}

Status LunIo::Flush() {
  if (uses_fua()) return Status::Ok();  // every write already went out with FUA
  SRP_ASSIGN_OR_RETURN(Lease lease, Acquire());
  lease->command.cdb = scsi::BuildSynchronizeCache10();
  lease->command.direction = wire::DataDirection::kNone;
  lease->command.segments.clear();
  return Run(lease, "SYNCHRONIZE CACHE");
}

Status LunIo::ZeroEdges(uint64_t offset, uint64_t length, uint64_t* first_lba, uint64_t* blocks) {
  if (offset > size_bytes() || length > size_bytes() - offset) {
    return InvalidArgument(fmt::format("range of {} bytes at {} beyond the LUN's {} bytes", length,
                                       offset, size_bytes()));
  }
  const uint64_t bs = block_size();
  const uint64_t begin = (offset + bs - 1) / bs * bs;
  const uint64_t end = (offset + length) / bs * bs;
  const std::vector<std::byte> zeros(bs);
  if (begin >= end) {  // inside one or two blocks: plain zero writes
    for (uint64_t at = offset; at < offset + length;) {
      const uint64_t n = std::min<uint64_t>(offset + length - at, bs - at % bs);
      SRP_RETURN_IF_ERROR(Write(at, std::span(zeros).first(n)).status());
      at += n;
    }
    *blocks = 0;
    return Status::Ok();
  }
  if (offset < begin)
    SRP_RETURN_IF_ERROR(Write(offset, std::span(zeros).first(begin - offset)).status());
  if (offset + length > end) {
    SRP_RETURN_IF_ERROR(Write(end, std::span(zeros).first(offset + length - end)).status());
  }
  *first_lba = begin / bs;
  *blocks = (end - begin) / bs;
  return Status::Ok();
}

Status LunIo::ZeroBlocks(uint64_t lba, uint64_t blocks, bool unmap) {
  SRP_ASSIGN_OR_RETURN(Lease lease, Acquire());
  initiator::ScsiCommand& cmd = lease->command;
  const uint32_t bs = block_size();
  if (unmap && geo().unmap && geo().lbprz) {
    // UNMAP: up to kMaxUnmapDescriptors ranges of at most max_unmap_blocks each.
    const uint64_t per = geo().max_unmap_blocks != 0 ? geo().max_unmap_blocks : 0xffffffffu;
    std::byte* list = lease->buffer->data();
    while (blocks > 0) {
      uint32_t n = 0;
      for (; n < kMaxUnmapDescriptors && blocks > 0; ++n) {
        const uint64_t count = std::min(blocks, per);
        std::byte* d = list + 8 + 16 * n;
        StoreBe64(d, lba);
        StoreBe32(d + 8, static_cast<uint32_t>(count));
        StoreBe32(d + 12, 0);
        lba += count;
        blocks -= count;
      }
      const uint16_t len = static_cast<uint16_t>(8 + 16 * n);
      StoreBe16(list, static_cast<uint16_t>(len - 2));
      StoreBe16(list + 2, static_cast<uint16_t>(16 * n));
      StoreBe32(list + 4, 0);
      cmd.cdb = scsi::BuildUnmap(len);
      cmd.direction = wire::DataDirection::kOut;
      cmd.segments.assign(1, lease->buffer->Segment(0, len));
      SRP_RETURN_IF_ERROR(Run(lease, "UNMAP"));
      unmap_commands_.fetch_add(1, std::memory_order_relaxed);
    }
    return Status::Ok();
  }
  // WRITE SAME(16) of one zero block, with UNMAP when the LUN provisions thinly.
  std::memset(lease->buffer->data(), 0, bs);
  const uint64_t per = std::min<uint64_t>(
      geo().max_write_same_blocks != 0 ? geo().max_write_same_blocks : kDefaultMaxWriteSame,
      0xffffffffu);
  while (blocks > 0) {
    const uint64_t count = std::min(blocks, per);
    cmd.cdb = scsi::BuildWriteSame16(lba, static_cast<uint32_t>(count), unmap && geo().unmap);
    cmd.direction = wire::DataDirection::kOut;
    cmd.segments.assign(1, lease->buffer->Segment(0, bs));
    SRP_RETURN_IF_ERROR(Run(lease, "WRITE SAME(16)"));
    write_same_commands_.fetch_add(1, std::memory_order_relaxed);
    lba += count;
    blocks -= count;
  }
  return Status::Ok();
}

Status LunIo::Discard(uint64_t offset, uint64_t length) {
  uint64_t lba = 0, blocks = 0;
  SRP_RETURN_IF_ERROR(ZeroEdges(offset, length, &lba, &blocks));
  return blocks == 0 ? Status::Ok() : ZeroBlocks(lba, blocks, true);
}

Status LunIo::ZeroRange(uint64_t offset, uint64_t length) {
  uint64_t lba = 0, blocks = 0;
  SRP_RETURN_IF_ERROR(ZeroEdges(offset, length, &lba, &blocks));
  return blocks == 0 ? Status::Ok() : ZeroBlocks(lba, blocks, false);
}

Status LunIo::Close(bool flush) {
  if (closed_) return Status::Ok();
  Status flushed = Status::Ok();
  if (flush && engine_->state() == initiator::PortState::kRunning) flushed = Flush();
  closed_ = true;
  engine_->Stop();
  std::lock_guard lock(pool_mu_);
  pool_.clear();
  return flushed;
}

}  // namespace srp::attach
