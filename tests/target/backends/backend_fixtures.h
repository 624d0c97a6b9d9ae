// Test fixtures for the file-based backends: scratch files, loop devices (we run as root),
// a tiny tmpfs for ENOSPC, a counting/failing system-call seam and async completion helpers.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "target/backends/block_backend.h"
#include "target/backends/file_syscalls.h"

namespace srp::target::testing {

// A fresh directory under /tmp, removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    std::string templ = "/tmp/srp-backend-test-XXXXXX";
    if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  // Creates `name` with `size` bytes (sparse) and returns its path.
  std::string MakeFile(const std::string& name, uint64_t size) const {
    const std::string file = path_ + "/" + name;
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0) << file;
    EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
    ::close(fd);
    return file;
  }

 private:
  std::string path_;
};

// A loop device over `file` (LOOP_CONFIGURE with AUTOCLEAR, so even a crashed test leaves no
// attached device once its descriptors close); detached on destruction. device() is empty
// when no loop device could be set up. `sector_size` 0 = 512.
class LoopDevice {
 public:
  explicit LoopDevice(const std::string& file, uint32_t sector_size = 0) {
    const int backing = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    const int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    for (int attempt = 0; attempt < 8 && backing >= 0 && control >= 0 && fd_ < 0; ++attempt) {
      const int index = ::ioctl(control, LOOP_CTL_GET_FREE);
      if (index < 0) break;
      const std::string path = "/dev/loop" + std::to_string(index);
      const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) continue;
      loop_config config{};
      config.fd = static_cast<uint32_t>(backing);
      config.block_size = sector_size;
      config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
      if (::ioctl(fd, LOOP_CONFIGURE, &config) == 0) {
        fd_ = fd;
        device_ = path;
      } else {
        ::close(fd);  // lost a race for this index: try the next free one
      }
    }
    if (control >= 0) ::close(control);
    if (backing >= 0) ::close(backing);
  }
  ~LoopDevice() {
    if (fd_ >= 0) {
      (void)::ioctl(fd_, LOOP_CLR_FD, 0);
      ::close(fd_);
    }
  }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  const std::string& device() const { return device_; }

 private:
  std::string device_;
  int fd_ = -1;
};

// A tmpfs of `size_bytes` mounted on a scratch directory, unmounted on destruction.
class TinyTmpfs {
 public:
  explicit TinyTmpfs(uint64_t size_bytes) {
    if (dir_.path().empty()) return;
    const std::string options = "size=" + std::to_string(size_bytes);
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0) mounted_ = true;
  }
  ~TinyTmpfs() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const ScratchDir& dir() const { return dir_; }

 private:
  ScratchDir dir_;
  bool mounted_ = false;
};

// The real system calls, counted; Pread/Pwrite fail with `fail_errno` while it is non-zero.
class CountingSyscalls : public PosixFileSyscalls {
 public:
  ssize_t Pread(int fd, void* buf, size_t count, off_t offset) override {
    if (const int err = fail_errno.load(); err != 0) return -err;
    return PosixFileSyscalls::Pread(fd, buf, count, offset);
  }
  ssize_t Pwrite(int fd, const void* buf, size_t count, off_t offset) override {
    if (const int err = fail_errno.load(); err != 0) return -err;
    return PosixFileSyscalls::Pwrite(fd, buf, count, offset);
  }
  int Fdatasync(int fd) override {
    ++fdatasyncs;
    return PosixFileSyscalls::Fdatasync(fd);
  }
  int Fallocate(int fd, int mode, off_t offset, off_t length) override {
    ++fallocates;
    return PosixFileSyscalls::Fallocate(fd, mode, offset, length);
  }

  std::atomic<int> fdatasyncs{0};
  std::atomic<int> fallocates{0};
  std::atomic<int> fail_errno{0};
};

// Collects asynchronous completions; Wait blocks until `expected` arrived (or 10 s passed).
class Completions {
 public:
  BlockBackend::IoDoneFn Callback() {
    return [this](Status status) {
      std::lock_guard lock(mu_);
      statuses_.push_back(std::move(status));
      cv_.notify_all();
    };
  }
  bool Wait(size_t expected) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10),
                        [&] { return statuses_.size() >= expected; });
  }
  std::vector<Status> statuses() {
    std::lock_guard lock(mu_);
    return statuses_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Status> statuses_;
};

// Deterministic test data: every byte depends on the LBA and its position in the block.
inline std::vector<std::byte> Pattern(uint64_t lba, uint32_t blocks, uint32_t block_size,
                                      uint8_t seed) {
  std::vector<std::byte> data(static_cast<size_t>(blocks) * block_size);
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<std::byte>((lba * 131 + i * 7 + seed) & 0xFF);
  }
  return data;
}

inline uint64_t AllocatedBytes(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

// Fixture for one file-backed handler: a 1 MiB scratch file, the handler's options pointing at
// it with a counting syscall seam, and MustOpen(). `Open` is OpenFileBackend or OpenAioBackend.
template <typename Options, Result<std::shared_ptr<BlockBackend>> (*Open)(const Options&)>
class FileHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    file_ = dir_.MakeFile("disk.img", 1 << 20);
    options_.path = file_;
    options_.syscalls = syscalls_;
  }

  std::shared_ptr<BlockBackend> MustOpen() {
    auto backend = Open(options_);
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    return backend.ok() ? *backend : nullptr;
  }

  ScratchDir dir_;
  std::string file_;
  std::shared_ptr<CountingSyscalls> syscalls_ = std::make_shared<CountingSyscalls>();
  Options options_;
};

}  // namespace srp::target::testing
