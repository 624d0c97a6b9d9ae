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
//  * These calls are synchronous: they return when the I/O is complete. The next step adds
//    handlers that complete asynchronously (fileio worker pool, libaio); they will get a
//    submit/complete form next to these, and the SCSI core is already completion-based
//    (LogicalUnit::Execute takes a TaskDoneFn that may be called from another thread).
#pragma once

#include <cstddef>
#include <cstdint>
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
};

// Checks a block size / capacity pair for a backend constructor: block size a power of two in
// [512, 65536], num_blocks > 0 and the byte size representable in 64 bits.
Status ValidateGeometry(uint32_t block_size, uint64_t num_blocks);

}  // namespace srp::target
