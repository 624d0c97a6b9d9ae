// vdisk_fileio: a BlockBackend over a regular file or a block device with pread/pwrite.
//
// Synchronous methods run inline on the caller's thread; SubmitRead/SubmitWrite/SubmitFlush
// queue the I/O to a private worker pool (`worker_threads` threads) and call `done` from a
// worker. Write cache: without write_through the page cache is a volatile write-back cache
// (write_cache_enabled() = true, MODE page 08h WCE=1); FUA writes and Flush are made durable
// with fdatasync unless nv_cache says the cache is non-volatile (then fdatasync is skipped and
// a loud warning is logged at open). write_through opens with O_DSYNC: every write is durable.
// o_direct opens with O_DIRECT and bounces buffers that are not aligned to the device's
// logical block size (or 512 bytes for a file).
//
// Errors are Status::FromErrno: EIO (also a short read or write), ENOSPC, EROFS (read_only).
// The destructor waits for queued I/O: every `done` still runs exactly once.
//
// Library: srp_target_backends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "target/backends/block_backend.h"
#include "target/backends/file_syscalls.h"

namespace srp::target {

struct FileBackendOptions {
  // Regular file or block device.
  std::string path;
  // 512 or 4096 (scst.conf `blocksize`).
  uint32_t block_size = 512;
  // 0 = the file's size / the device's size; a regular file is not grown.
  uint64_t size_bytes = 0;
  // The cache is non-volatile: FUA and SYNCHRONIZE CACHE skip fdatasync (a loud warning is
  // logged at open).
  bool nv_cache = false;
  // Every write durable (O_DSYNC); WCE=0.
  bool write_through = false;
  // O_DIRECT (unaligned buffers are bounced).
  bool o_direct = false;
  bool read_only = false;
  // Try unmap (fallocate PUNCH_HOLE, see backing_file.h); supports_unmap() only if it works.
  bool thin_provisioned = true;
  // pread/pwrite worker pool for Submit*.
  int worker_threads = 4;
  // System-call seam for tests (counting, error injection); null = the real calls.
  std::shared_ptr<FileSyscalls> syscalls;
};

// Opens the backend. Errors: kNotFound / kPermissionDenied / kIoError from open(2) (message
// names the path); kInvalidArgument for a block size other than 512/4096, a block size smaller
// than a block device's logical block size (BLKSSZGET), a size that is zero, not a multiple of
// the block size or larger than the file/device, or worker_threads outside [1, 256].
Result<std::shared_ptr<BlockBackend>> OpenFileBackend(const FileBackendOptions& options);

}  // namespace srp::target
