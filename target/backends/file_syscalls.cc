#include "target/backends/file_syscalls.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

namespace srp::target {

namespace {

// Runs `call` until it does not fail with EINTR; maps -1 to -errno.
template <typename Fn>
auto RetryEintr(Fn call) -> decltype(call()) {
  for (;;) {
    auto result = call();
    if (result >= 0) return result;
    if (errno != EINTR) return -errno;
  }
}

}  // namespace

ssize_t PosixFileSyscalls::Pread(int fd, void* buf, size_t count, off_t offset) {
  return RetryEintr([&] { return ::pread(fd, buf, count, offset); });
}

ssize_t PosixFileSyscalls::Pwrite(int fd, const void* buf, size_t count, off_t offset) {
  return RetryEintr([&] { return ::pwrite(fd, buf, count, offset); });
}

int PosixFileSyscalls::Fdatasync(int fd) {
  return RetryEintr([&] { return ::fdatasync(fd); });
}

int PosixFileSyscalls::Fallocate(int fd, int mode, off_t offset, off_t length) {
  return RetryEintr([&] { return ::fallocate(fd, mode, offset, length); });
}

int PosixFileSyscalls::Ioctl(int fd, unsigned long request, void* arg) {
  return RetryEintr([&] { return ::ioctl(fd, request, arg); });
}

std::shared_ptr<FileSyscalls> RealFileSyscalls() { return std::make_shared<PosixFileSyscalls>(); }

}  // namespace srp::target
