// FileSyscalls: the small set of system calls the file-based backends (fileio, blockio) make
// on their backing fd besides the data path of libaio. Production uses PosixFileSyscalls; tests
// derive from it to count calls (nv_cache must skip fdatasync) or to inject errors (EIO).
//
// Contract: every method returns the system call's result, or -errno on failure (never sets
// errno for the caller). Thread-safe: called concurrently from worker threads.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>

namespace srp::target {

class FileSyscalls {
 public:
  virtual ~FileSyscalls() = default;
  // Bytes transferred (may be short) or -errno.
  virtual ssize_t Pread(int fd, void* buf, size_t count, off_t offset) = 0;
  virtual ssize_t Pwrite(int fd, const void* buf, size_t count, off_t offset) = 0;
  // 0 or -errno.
  virtual int Fdatasync(int fd) = 0;
  virtual int Fallocate(int fd, int mode, off_t offset, off_t length) = 0;
  virtual int Ioctl(int fd, unsigned long request, void* arg) = 0;
};

// The real system calls (retrying EINTR).
class PosixFileSyscalls : public FileSyscalls {
 public:
  ssize_t Pread(int fd, void* buf, size_t count, off_t offset) override;
  ssize_t Pwrite(int fd, const void* buf, size_t count, off_t offset) override;
  int Fdatasync(int fd) override;
  int Fallocate(int fd, int mode, off_t offset, off_t length) override;
  int Ioctl(int fd, unsigned long request, void* arg) override;
};

// A new PosixFileSyscalls (stateless).
std::shared_ptr<FileSyscalls> RealFileSyscalls();

}  // namespace srp::target
