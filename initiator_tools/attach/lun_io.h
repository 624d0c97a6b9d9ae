// Byte-addressed I/O on one LUN over a user-space initiator Session, for srp-attach's FUSE
// file: reads and writes become SCSI READ/WRITE (unaligned edges read-modify-write),
// Flush() becomes SYNCHRONIZE CACHE(10), or WRITE with FUA on every write when the LUN
// answers SYNCHRONIZE CACHE with INVALID COMMAND OPERATION CODE.
//
// Reconnect contract: when a command fails for a transport reason (connection lost, target
// logout, timeout), the session is re-established (Session::Reconnect, retried until
// `reconnect_timeout`) and the same command is issued again; a call returns success only
// after the target answered GOOD, so a write the caller acknowledges is on the target.
//
// Not thread-safe: one thread uses a LunIo (the FUSE loop thread while mounted).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>

#include "initiator_tools/initiator/io_buffer.h"
#include "initiator_tools/initiator/session.h"
#include "lib/common/status.h"

namespace srp::attach {

struct LunIoOptions {
  uint32_t lun = 1;
  std::chrono::milliseconds command_timeout{30000};
  std::chrono::milliseconds reconnect_timeout{60000};
  uint32_t max_transfer = 1u << 20;  // bytes per SCSI command
};

struct LunIoStats {
  uint64_t reconnects = 0;
  uint64_t retried_commands = 0;
};

class LunIo {
 public:
  // Logs in, reads the capacity and probes SYNCHRONIZE CACHE.
  static Result<std::unique_ptr<LunIo>> Open(fabric::Fabric& fabric,
                                             const initiator::SessionOptions& session_options,
                                             const LunIoOptions& options);
  ~LunIo();
  LunIo(const LunIo&) = delete;
  LunIo& operator=(const LunIo&) = delete;

  uint32_t block_size() const { return block_size_; }
  uint64_t num_blocks() const { return num_blocks_; }
  uint64_t size_bytes() const { return num_blocks_ * block_size_; }
  bool uses_fua() const { return use_fua_; }
  const LunIoStats& stats() const { return stats_; }

  // Reads up to out.size() bytes at `offset` (fewer at the end of the LUN); the count read.
  Result<size_t> Read(uint64_t offset, std::span<std::byte> out);
  // Writes `in` at `offset`; kInvalidArgument beyond the end of the LUN.
  Result<size_t> Write(uint64_t offset, std::span<const std::byte> in);
  Status Flush();
  // Final flush, then logout. Further calls fail.
  Status Close();

 private:
  LunIo(std::unique_ptr<initiator::Session> session, const LunIoOptions& options)
      : session_(std::move(session)), options_(options) {}
  // Runs `cmd` until the target answers (reconnecting as above); GOOD or kIoError.
  Result<initiator::ScsiResult> Run(const initiator::ScsiCommand& cmd, std::string_view what);
  Status Reconnect();
  // Whole blocks [lba, lba + blocks) to/from buffer_ at `buffer_offset`.
  Status TransferBlocks(bool write, uint64_t lba, uint32_t blocks, size_t buffer_offset);
  Status ProbeSyncCache();

  std::unique_ptr<initiator::Session> session_;
  LunIoOptions options_;
  std::unique_ptr<initiator::IoBuffer> buffer_;  // max_transfer + 2 blocks
  uint32_t block_size_ = 512;
  uint64_t num_blocks_ = 0;
  bool use_fua_ = false;
  bool closed_ = false;
  LunIoStats stats_;
};

}  // namespace srp::attach
