#include "initiator_tools/attach/loop_device.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/common/log.h"

namespace srp::attach {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

constexpr int kAttachAttempts = 16;

}  // namespace

Result<LoopDevice> AttachLoop(const std::string& file, uint32_t block_size) {
  Fd backing(open(file.c_str(), O_RDWR | O_CLOEXEC));
  if (backing.get() < 0) return Status::FromErrno(errno, "open " + file);
  Fd control(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (control.get() < 0) return Status::FromErrno(errno, "open /dev/loop-control");
  bool direct_io = true;
  for (int attempt = 0; attempt < kAttachAttempts; ++attempt) {
    const int n = ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (n < 0) return Status::FromErrno(errno, "LOOP_CTL_GET_FREE");
    const std::string path = "/dev/loop" + std::to_string(n);
    Fd dev(open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (dev.get() < 0) return Status::FromErrno(errno, "open " + path);
    loop_config config{};
    config.fd = static_cast<uint32_t>(backing.get());
    config.block_size = block_size;
    config.info.lo_flags = direct_io ? LO_FLAGS_DIRECT_IO : 0;
    std::strncpy(reinterpret_cast<char*>(config.info.lo_file_name), "srp-attach", LO_NAME_SIZE - 1);
    if (ioctl(dev.get(), LOOP_CONFIGURE, &config) == 0) {
      loop_info64 info{};
      if (ioctl(dev.get(), LOOP_GET_STATUS64, &info) == 0) {
        direct_io = (info.lo_flags & LO_FLAGS_DIRECT_IO) != 0;
      }
      SRP_LOG(kInfo, "{} -> {} (block size {}, direct I/O {})", path, file, block_size,
              direct_io ? "on" : "off");
      return LoopDevice{path, direct_io};
    }
    const int err = errno;
    if (err == EBUSY) continue;  // taken by someone else between GET_FREE and CONFIGURE
    if (err == EINVAL && direct_io) {
      SRP_LOG(kInfo, "{}: direct I/O refused; attaching with buffered I/O", path);
      direct_io = false;
      continue;
    }
    return Status::FromErrno(err, "LOOP_CONFIGURE " + path);
  }
  return Status(StatusCode::kResourceExhausted, "no free loop device after retries");
}

Status DetachLoop(const std::string& device, bool flush) {
  Fd dev(open(device.c_str(), O_RDWR | O_CLOEXEC));
  if (dev.get() < 0) return Status::FromErrno(errno, "open " + device);
  if (flush && fsync(dev.get()) != 0) return Status::FromErrno(errno, "fsync " + device);
  if (ioctl(dev.get(), LOOP_CLR_FD) != 0) return Status::FromErrno(errno, "LOOP_CLR_FD " + device);
  return Status::Ok();  // the detach completes when `dev` closes (we are the last opener)
}

bool LoopInUse(const std::string& device) {
  int fd = open(device.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
  if (fd < 0) return errno == EBUSY;
  close(fd);
  return false;
}

}  // namespace srp::attach
