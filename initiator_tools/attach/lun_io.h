// Byte-addressed I/O on one LUN over a LunEngine, for srp-attach's FUSE file: reads and
// writes become SCSI READ/WRITE (unaligned edges read-modify-write), Flush() becomes
// SYNCHRONIZE CACHE(10) -- or every write carries FUA when the LUN answers SYNCHRONIZE
// CACHE with INVALID COMMAND OPERATION CODE --, Discard() (fallocate PUNCH_HOLE) becomes
// UNMAP when unmapped blocks read as zeros (LBPRZ) and WRITE SAME(16) with UNMAP and a zero
// block otherwise, ZeroRange() (fallocate ZERO_RANGE) WRITE SAME(16) of a zero block.
// Partial blocks at the edges of a discard or zero range are written as zeros.
//
// A call returns success only after the target answered GOOD (so an acknowledged write is
// on the target); failures follow the paths' failure semantics (lun_engine.h).
//
// Thread-safe: any number of threads may call at once (each command takes a registered
// buffer from a pool). Unaligned writes exclude other writes while they read-modify-write.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "initiator_tools/attach/lun_engine.h"
#include "initiator_tools/initiator/io_buffer.h"
#include "lib/common/status.h"

namespace srp::attach {

struct LunIoOptions {
  EngineOptions engine;
  uint32_t max_transfer = 1u << 20;  // bytes per SCSI command
};

class LunIo {
 public:
  // Starts the engine over `targets` (one path each) and reads the LUN's geometry.
  static Result<std::unique_ptr<LunIo>> Open(fabric::Fabric& fabric,
                                             const std::vector<std::string>& targets,
                                             std::vector<initiator::SessionOptions> paths,
                                             const LunIoOptions& options);
  ~LunIo();
  LunIo(const LunIo&) = delete;
  LunIo& operator=(const LunIo&) = delete;

  uint32_t block_size() const { return geo().block_size; }
  uint64_t num_blocks() const { return geo().num_blocks; }
  uint64_t size_bytes() const { return geo().num_blocks * geo().block_size; }
  bool uses_fua() const { return !geo().sync_cache; }
  LunEngine& engine() { return *engine_; }
  // Commands sent for Discard/ZeroRange (completed GOOD).
  uint64_t unmap_commands() const { return unmap_commands_.load(std::memory_order_relaxed); }
  uint64_t write_same_commands() const {
    return write_same_commands_.load(std::memory_order_relaxed);
  }

  // Reads up to out.size() bytes at `offset` (fewer at the end of the LUN); the count read.
  Result<size_t> Read(uint64_t offset, std::span<std::byte> out);
  // Writes `in` at `offset`; kInvalidArgument beyond the end of the LUN.
  Result<size_t> Write(uint64_t offset, std::span<const std::byte> in);
  Status Flush();
  Status Discard(uint64_t offset, uint64_t length);
  Status ZeroRange(uint64_t offset, uint64_t length);
  // Final flush (skipped when `flush` is false or no path runs), then logout of every path.
  Status Close(bool flush = true);

 private:
  struct Pooled {
    std::unique_ptr<initiator::IoBuffer> buffer;
    initiator::ScsiCommand command;  // reused: its segment list keeps its capacity
  };
  // A pooled buffer for the duration of one call.
  class Lease {
   public:
    Lease(LunIo& io, std::unique_ptr<Pooled> p) : io_(io), p_(std::move(p)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Pooled* operator->() { return p_.get(); }

   private:
    LunIo& io_;
    std::unique_ptr<Pooled> p_;
  };

  LunIo(std::unique_ptr<LunEngine> engine, const LunIoOptions& options)
      : engine_(std::move(engine)), options_(options) {}
  const LunGeometry& geo() const { return engine_->geometry(); }
  Result<Lease> Acquire();
  // Runs the lease's command; OK only for GOOD.
  Status Run(Lease& lease, std::string_view what);
  // Whole blocks [lba, lba + blocks) to/from the lease's buffer at `buffer_offset`.
  Status TransferBlocks(Lease& lease, bool write, uint64_t lba, uint32_t blocks,
                        size_t buffer_offset);
  Result<size_t> WriteLocked(uint64_t offset, std::span<const std::byte> in);
  // Zeros (and with `unmap` deallocates) whole blocks [lba, lba + blocks).
  Status ZeroBlocks(uint64_t lba, uint64_t blocks, bool unmap);
  Status ZeroEdges(uint64_t offset, uint64_t length, uint64_t* first_lba, uint64_t* blocks);

  std::unique_ptr<LunEngine> engine_;
  LunIoOptions options_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Pooled>> pool_;
  std::shared_mutex rmw_mu_;  // shared: aligned writes; exclusive: read-modify-write
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> unmap_commands_{0};
  std::atomic<uint64_t> write_same_commands_{0};
};

}  // namespace srp::attach
