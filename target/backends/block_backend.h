// BlockBackend: the storage a LogicalUnit exports, in the LIO/tgt spirit: it moves blocks and
// never sees a CDB. The SCSI core parses, validates ranges and emulates SPC/SBC; a backend only
// reads, writes, flushes and unmaps whole logical blocks.
//
// Contract for every implementation:
//  * The core validated the range: lba + blocks <= num_blocks(), blocks > 0, and
//    `data.size() == blocks * block_size()`. Backends may assert, not re-check.
//  * Failures return a Status carrying the errno (Status::FromErrno), which the core maps to
//    sense data: EIO -> MEDIUM ERROR, ENOSPC -> DATA PROTECT / SPACE ALLOCATION FAILED, EROFS
//    -> DATA PROTECT / WRITE PROTECTED, ENOMEM/EAGAIN -> BUSY (target/scsi/backend_errors.h).
//  * Thread safety: methods may be called concurrently from several worker threads (thread
//    mode 1). Concurrent I/O to distinct ranges must be independent and correct; concurrent
//    overlapping writes may interleave per block (SCSI gives no ordering for SIMPLE tasks).
//  * Read/Write/Flush/Unmap are synchronous: they return when the I/O is complete.
//  * SubmitRead/SubmitWrite/SubmitFlush are the asynchronous forms the SCSI core uses for
//    data commands. `done` runs exactly once, inline (the default implementations call the
//    synchronous form) or later from a backend thread (fileio worker pool, libaio reaper).
//    The buffer must stay valid until `done` runs. `done` must not block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "lib/common/status.h"

namespace srp::target {

class BlockBackend {
 public:
  virtual ~BlockBackend() = default;

  // Logical block size in bytes: a power of two in [512, 65536]. Constant for the lifetime.
  virtual uint32_t block_size() const = 0;
  // Capacity in logical blocks (> 0).
  virtual uint64_t num_blocks() const = 0;
  // True when writes are refused (the core answers DATA PROTECT without calling Write).
  virtual bool read_only() const = 0;

  // Reads `blocks` blocks starting at `lba` into `data`.
  virtual Status Read(uint64_t lba, uint32_t blocks, std::span<std::byte> data) = 0;
  // Writes `blocks` blocks from `data`. With `fua` the data must be durable on return.
  virtual Status Write(uint64_t lba, uint32_t blocks, std::span<const std::byte> data,
                       bool fua) = 0;
  // Makes every completed write durable (SYNCHRONIZE CACHE).
  virtual Status Flush() = 0;
  // Deallocates the range; later reads return zeros. kNotSupported when the backend can't.
  virtual Status Unmap(uint64_t lba, uint64_t blocks) = 0;

  // ---- Capabilities the SCSI core reports (READ CAPACITY LBPME, VPD B0/B2, MODE pages) ----
  // True when Unmap deallocates (LBPME=1, UNMAP and WRITE SAME with UNMAP accepted).
  virtual bool supports_unmap() const { return false; }
  // True when a completed write may sit in a volatile cache until Flush (MODE page 08h WCE=1;
  // fileio without write_through). False: every completed write is durable.
  virtual bool write_cache_enabled() const { return false; }
  // MODE SELECT of the caching page. kNotSupported when the backend cannot change it.
  virtual Status SetWriteCacheEnabled(bool enabled) {
    return enabled == write_cache_enabled() ? Status::Ok() : Status(StatusCode::kNotSupported, "write cache mode");
  }

  // ---- Asynchronous forms (see the contract above) ----
  using IoDoneFn = std::function<void(Status)>;
  virtual void SubmitRead(uint64_t lba, uint32_t blocks, std::span<std::byte> data,
                          IoDoneFn done) {
    done(Read(lba, blocks, data));
  }
  virtual void SubmitWrite(uint64_t lba, uint32_t blocks, std::span<const std::byte> data,
                           bool fua, IoDoneFn done) {
    done(Write(lba, blocks, data, fua));
  }
  virtual void SubmitFlush(IoDoneFn done) { done(Flush()); }
};

// Checks a block size / capacity pair for a backend constructor: block size a power of two in
// [512, 65536], num_blocks > 0 and the byte size representable in 64 bits.
Status ValidateGeometry(uint32_t block_size, uint64_t num_blocks);

}  // namespace srp::target
