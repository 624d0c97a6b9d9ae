// A one-file FUSE filesystem (libfuse3, high-level API) whose file `lun` is a LunIo:
// reads/writes go to the LUN (direct_io: no page cache, so a write returns only after the
// target acknowledged it), flush/fsync become LunIo::Flush, fallocate PUNCH_HOLE / ZERO_RANGE
// (what the loop device makes of discard / write-zeroes) LunIo::Discard / ZeroRange.
//
// Threading: Mount() starts the multi-threaded FUSE loop (up to `threads` workers, each
// blocking in one LunIo call, so that many commands are in flight); the kernel may queue up
// to max_background asynchronous requests (the loop device's direct I/O).
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "initiator_tools/attach/lun_io.h"
#include "lib/common/status.h"

struct fuse;

namespace srp::attach {

inline constexpr const char* kLunFileName = "lun";

class FuseFile {
 public:
  // Mounts on `mountpoint` (an existing empty directory) and starts serving.
  static Result<std::unique_ptr<FuseFile>> Mount(const std::string& mountpoint, LunIo& lun,
                                                 unsigned threads = 32);
  ~FuseFile();
  FuseFile(const FuseFile&) = delete;
  FuseFile& operator=(const FuseFile&) = delete;

  std::string file_path() const { return mountpoint_ + "/" + kLunFileName; }
  // The FUSE connection's number under /sys/fs/fuse/connections (the mount's minor device
  // number): writing "1" to its `abort` ends every request at once.
  unsigned connection() const { return connection_; }
  // Unmounts and joins the loop thread. Idempotent.
  void Unmount();

 private:
  FuseFile(std::string mountpoint, LunIo& lun) : mountpoint_(std::move(mountpoint)), lun_(lun) {}

  std::string mountpoint_;
  LunIo& lun_;
  struct fuse* fuse_ = nullptr;
  bool mounted_ = false;
  unsigned threads_ = 32;
  unsigned connection_ = 0;
  std::thread loop_;
};

}  // namespace srp::attach
