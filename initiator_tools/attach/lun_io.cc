#include "initiator_tools/attach/lun_io.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "initiator_tools/initiator/sync_io.h"
#include "lib/common/log.h"
#include "lib/scsi/lun.h"
#include "lib/scsi/sense.h"

namespace srp::attach {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr uint8_t kSynchronizeCache10 = 0x35;

scsi::Cdb BuildSynchronizeCache10() {
  scsi::Cdb cdb;
  cdb.bytes[0] = std::byte{kSynchronizeCache10};
  cdb.length = 10;  // LBA 0, NUMBER OF BLOCKS 0: the whole medium
  return cdb;
}

bool IsInvalidOpcode(const initiator::ScsiResult& r) {
  return r.transport.ok() && r.status == static_cast<uint8_t>(scsi::ScsiStatus::kCheckCondition) &&
         r.parsed_sense && r.parsed_sense->key == scsi::SenseKey::kIllegalRequest &&
         r.parsed_sense->asc.asc == scsi::kAscInvalidCommandOperationCode.asc;
}

}  // namespace

Result<std::unique_ptr<LunIo>> LunIo::Open(fabric::Fabric& fabric,
                                           const initiator::SessionOptions& session_options,
                                           const LunIoOptions& options) {
  if (options.max_transfer == 0) return InvalidArgument("max_transfer must be > 0");
  SRP_ASSIGN_OR_RETURN(auto session, initiator::Session::Login(fabric, session_options));
  std::unique_ptr<LunIo> io(new LunIo(std::move(session), options));
  const scsi::LunBytes lun = scsi::PackLun(options.lun);
  SRP_ASSIGN_OR_RETURN(scsi::Capacity cap, initiator::ReadCapacity(*io->session_, lun));
  if (cap.block_size == 0 || cap.block_size > (1u << 16) ||
      options.max_transfer % cap.block_size != 0) {
    return InvalidArgument(
        fmt::format("LUN {}: unusable block size {}", options.lun, cap.block_size));
  }
  io->block_size_ = cap.block_size;
  io->num_blocks_ = cap.last_lba + 1;
  SRP_ASSIGN_OR_RETURN(
      io->buffer_, io->session_->AllocateBuffer(options.max_transfer + 2 * size_t{cap.block_size}));
  SRP_RETURN_IF_ERROR(io->ProbeSyncCache());
  return io;
}

LunIo::~LunIo() {
  if (!closed_) (void)Close();
}

Status LunIo::ProbeSyncCache() {
  initiator::ScsiCommand cmd;
  cmd.cdb = BuildSynchronizeCache10();
  cmd.lun = scsi::PackLun(options_.lun);
  initiator::ExecuteOptions eo;
  eo.timeout = options_.command_timeout;
  SRP_ASSIGN_OR_RETURN(initiator::ScsiResult r, initiator::Execute(*session_, cmd, eo));
  if (IsInvalidOpcode(r)) {
    use_fua_ = true;
    SRP_LOG(kInfo, "LUN {} has no SYNCHRONIZE CACHE: writing with FUA", options_.lun);
    return Status::Ok();
  }
  return initiator::CheckGood(r, "SYNCHRONIZE CACHE");
}

Status LunIo::Reconnect() {
  const auto deadline = steady_clock::now() + options_.reconnect_timeout;
  milliseconds pause(100);
  for (;;) {
    if (session_->state() == initiator::SessionState::kLoggedIn) (void)session_->Logout(false);
    Status s = session_->Reconnect();
    if (s.ok()) {
      ++stats_.reconnects;
      SRP_LOG(kWarning, "LUN {}: session re-established", options_.lun);
      return s;
    }
    if (steady_clock::now() + pause > deadline) {
      return s.WithContext("reconnect gave up");
    }
    SRP_LOG(kInfo, "reconnect failed ({}); retrying", s.ToString());
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, milliseconds(1000));
  }
}

Result<initiator::ScsiResult> LunIo::Run(const initiator::ScsiCommand& cmd, std::string_view what) {
  if (closed_) return Status(StatusCode::kDisconnected, "LUN closed");
  initiator::ExecuteOptions eo;
  eo.timeout = options_.command_timeout;
  for (;;) {
    Status transport = Status::Ok();
    if (session_->state() != initiator::SessionState::kLoggedIn) {
      transport = Status(StatusCode::kDisconnected, "session not logged in");
    } else {
      auto r = initiator::Execute(*session_, cmd, eo);
      if (r.ok() && r->transport.ok()) {
        SRP_RETURN_IF_ERROR(initiator::CheckGood(*r, what));
        return r;
      }
      transport = r.ok() ? r->transport : r.status();
    }
    SRP_LOG(kWarning, "LUN {}: {} failed ({}); reconnecting to retry it", options_.lun, what,
            transport.ToString());
    SRP_RETURN_IF_ERROR(Reconnect());
    ++stats_.retried_commands;
  }
}

Status LunIo::TransferBlocks(bool write, uint64_t lba, uint32_t blocks, size_t buffer_offset) {
  if (closed_) return Status(StatusCode::kDisconnected, "LUN closed");
  initiator::ScsiCommand cmd;
  cmd.cdb = scsi::BuildReadWrite(write, lba, blocks, write && use_fua_);
  cmd.lun = scsi::PackLun(options_.lun);
  cmd.direction = write ? wire::DataDirection::kOut : wire::DataDirection::kIn;
  cmd.segments = {buffer_->Segment(buffer_offset, blocks * block_size_)};
  auto r = Run(cmd, write ? "WRITE" : "READ");
  return r.ok() ? Status::Ok() : r.status();
}

Result<size_t> LunIo::Read(uint64_t offset, std::span<std::byte> out) {
  if (offset >= size_bytes()) return size_t{0};
  const size_t total = static_cast<size_t>(std::min<uint64_t>(out.size(), size_bytes() - offset));
  size_t done = 0;
  while (done < total) {
    const uint64_t pos = offset + done;
    const uint64_t lba = pos / block_size_;
    const size_t skip = pos % block_size_;
    const size_t want = std::min<size_t>(total - done, options_.max_transfer - skip);
    const uint32_t blocks = static_cast<uint32_t>((skip + want + block_size_ - 1) / block_size_);
    SRP_RETURN_IF_ERROR(TransferBlocks(false, lba, blocks, 0));
    std::memcpy(out.data() + done, buffer_->data() + skip, want);
    done += want;
  }
  return total;
}

Result<size_t> LunIo::Write(uint64_t offset, std::span<const std::byte> in) {
  if (offset > size_bytes() || in.size() > size_bytes() - offset) {
    return InvalidArgument(fmt::format("write of {} bytes at {} beyond the LUN's {} bytes",
                                       in.size(), offset, size_bytes()));
  }
  size_t done = 0;
  while (done < in.size()) {
    const uint64_t pos = offset + done;
    const uint64_t lba = pos / block_size_;
    const size_t skip = pos % block_size_;
    const size_t want = std::min<size_t>(in.size() - done, options_.max_transfer - skip);
    const uint32_t blocks = static_cast<uint32_t>((skip + want + block_size_ - 1) / block_size_);
    const size_t tail = (skip + want) % block_size_;
    // Partial first/last blocks: read them so the bytes around the write survive.
    if (skip != 0) SRP_RETURN_IF_ERROR(TransferBlocks(false, lba, 1, 0));
    if (tail != 0 && (blocks > 1 || skip == 0)) {
      SRP_RETURN_IF_ERROR(
          TransferBlocks(false, lba + blocks - 1, 1, size_t{blocks - 1} * block_size_));
    }
    std::memcpy(buffer_->data() + skip, in.data() + done, want);
    SRP_RETURN_IF_ERROR(TransferBlocks(true, lba, blocks, 0));
    done += want;
  }
  return in.size();
}

Status LunIo::Flush() {
  if (use_fua_) return Status::Ok();  // every write already went out with FUA
  initiator::ScsiCommand cmd;
  cmd.cdb = BuildSynchronizeCache10();
  cmd.lun = scsi::PackLun(options_.lun);
  auto r = Run(cmd, "SYNCHRONIZE CACHE");
  return r.ok() ? Status::Ok() : r.status();
}

Status LunIo::Close() {
  if (closed_) return Status::Ok();
  Status flushed = Flush();
  closed_ = true;
  buffer_.reset();
  Status out = session_->Logout(true);
  return flushed.ok() ? out : flushed;
}

}  // namespace srp::attach
