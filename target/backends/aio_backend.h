// vdisk_blockio: a BlockBackend over a block device (or a regular file) with Linux native AIO
// (libaio) and O_DIRECT.
//
// SubmitRead/SubmitWrite/SubmitFlush collect iocbs; a submitter thread passes everything that
// accumulated to one io_submit call (batched submission). Every iocb signals one eventfd; one
// reaper thread waits on it, reaps with io_getevents and calls the IoDoneFn callbacks. The
// synchronous methods submit and wait. Buffers or lengths not aligned to the logical block size
// go through an aligned bounce buffer. FUA writes (and every write while the write cache is
// off) carry RWF_DSYNC unless nv_cache; write_through opens with O_DSYNC. Flush is fdatasync
// on a private sync thread (SubmitFlush never blocks its caller), skipped with nv_cache. Unmap
// deallocates with fallocate(PUNCH_HOLE): on a block device the kernel issues it as a discard
// that reads back zeros (see backing_file.h); supports_unmap() reports whether the probe at
// open succeeded (and thin_provisioned is set).
//
// The sync forms (Read/Write/Flush) submit and wait: never call them from an IoDoneFn.
//
// Errors are Status::FromErrno (a short transfer is EIO). The destructor drains: queued I/O
// still completes and every `done` runs exactly once.
//
// Library: srp_target_backends (links libaio).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "target/backends/block_backend.h"
#include "target/backends/file_syscalls.h"

namespace srp::target {

struct AioBackendOptions {
  std::string path;
  uint32_t block_size = 512;
  bool read_only = false;
  bool nv_cache = false;
  bool write_through = false;
  bool thin_provisioned = true;
  uint32_t queue_depth = 128;
  // Seam for fdatasync/fallocate/ioctl (tests count fdatasync); null = the real calls.
  std::shared_ptr<FileSyscalls> syscalls;
};

// Opens the backend. Errors as OpenFileBackend, plus kInvalidArgument for queue_depth outside
// [1, 4096] and the io_setup failure.
Result<std::shared_ptr<BlockBackend>> OpenAioBackend(const AioBackendOptions& options);

}  // namespace srp::target
