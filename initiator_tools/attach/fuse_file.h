// A one-file FUSE filesystem (libfuse3, high-level API) whose file `lun` is a LunIo:
// reads/writes go to the LUN (direct_io: no page cache, so a write returns only after the
// target acknowledged it), flush/fsync become LunIo::Flush.
//
// Threading: Mount() starts one FUSE loop thread, which is the only user of the LunIo until
// Unmount() returns.
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
  static Result<std::unique_ptr<FuseFile>> Mount(const std::string& mountpoint, LunIo& lun);
  ~FuseFile();
  FuseFile(const FuseFile&) = delete;
  FuseFile& operator=(const FuseFile&) = delete;

  std::string file_path() const { return mountpoint_ + "/" + kLunFileName; }
  // Unmounts and joins the loop thread. Idempotent.
  void Unmount();

 private:
  FuseFile(std::string mountpoint, LunIo& lun) : mountpoint_(std::move(mountpoint)), lun_(lun) {}

  std::string mountpoint_;
  LunIo& lun_;
  struct fuse* fuse_ = nullptr;
  bool mounted_ = false;
  std::thread loop_;
};

}  // namespace srp::attach
