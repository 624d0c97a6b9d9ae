// BackingFile: what fileio and blockio share: opening a regular file or block device, checking
// its geometry against the configured block size, and deallocating ranges.
// Internal to target/backends.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "lib/common/status.h"
#include "target/backends/file_syscalls.h"

namespace srp::target {

struct BackingFileSpec {
  std::string path;
  uint32_t block_size = 512;  // 512 or 4096
  uint64_t size_bytes = 0;    // 0 = the whole file / device
  bool read_only = false;
  int extra_open_flags = 0;  // O_DIRECT, O_DSYNC
};

// An open backing file. Closes the fd on destruction.
class BackingFile {
 public:
  // Errors: see OpenFileBackend (file_backend.h).
  static Result<std::unique_ptr<BackingFile>> Open(const BackingFileSpec& spec,
                                                   std::shared_ptr<FileSyscalls> syscalls);
  ~BackingFile();
  BackingFile(const BackingFile&) = delete;
  BackingFile& operator=(const BackingFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  bool is_block_device() const { return is_block_device_; }
  // The exported size (a multiple of the block size).
  uint64_t size_bytes() const { return size_bytes_; }
  // The device's logical block size (BLKSSZGET), 512 for a regular file: the O_DIRECT
  // alignment of offsets, lengths and buffer addresses.
  uint32_t direct_alignment() const { return direct_alignment_; }
  FileSyscalls& syscalls() const { return *syscalls_; }

  // True when Deallocate can be expected to work: fallocate(PUNCH_HOLE) probed past the end
  // of a regular file (no data touched), assumed for a block device (Deallocate reports
  // kNotSupported at the first refusal).
  bool ProbeDeallocate();
  // Deallocates [offset, offset + length) so that it reads back as zeros: fallocate
  // (PUNCH_HOLE | KEEP_SIZE) on a file; on a block device the same call, which the kernel turns
  // into a discard that guarantees zeros (a plain BLKDISCARD does not guarantee them, and the
  // BlockBackend contract requires zeros). kNotSupported when the file system or device
  // cannot deallocate.
  Status Deallocate(uint64_t offset, uint64_t length);
  // fdatasync; `what` names the operation in the error.
  Status Sync(const char* what);

 private:
  BackingFile() = default;

  int fd_ = -1;
  std::string path_;
  bool is_block_device_ = false;
  uint64_t size_bytes_ = 0;
  uint32_t direct_alignment_ = 512;
  std::shared_ptr<FileSyscalls> syscalls_;
};

// The Unmap of fileio and blockio: EROFS when read-only, kNotSupported once the file or device
// refused a deallocation (`unmap_supported` is cleared then and stays false), else
// file.Deallocate of the blocks. `handler` names the handler in messages.
Status UnmapBlocks(BackingFile& file, std::atomic<bool>& unmap_supported, bool read_only,
                   uint32_t block_size, uint64_t lba, uint64_t blocks, const char* handler);

}  // namespace srp::target
