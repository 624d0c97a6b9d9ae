// The pieces of srp-handler-bench that are not the target: a tmpfs-backed loop device that
// cannot outlive the process, and a fio run on it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lib/common/status.h"

namespace srp::bench {

// A loop device over an (already unlinked) file in /dev/shm. Configured with AUTOCLEAR: the
// kernel detaches it when the last descriptor closes, so even a killed benchmark leaves no
// device or file behind. The destructor detaches explicitly.
class ShmLoopDevice {
 public:
  // Creates a `size_bytes` file in /dev/shm filled with a non-zero pattern (so reads move
  // real pages), attaches it and removes its name.
  static Result<std::unique_ptr<ShmLoopDevice>> Create(uint64_t size_bytes);
  ~ShmLoopDevice();
  ShmLoopDevice(const ShmLoopDevice&) = delete;
  ShmLoopDevice& operator=(const ShmLoopDevice&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size_bytes() const { return size_bytes_; }

 private:
  ShmLoopDevice() = default;
  std::string path_;
  uint64_t size_bytes_ = 0;
  int fd_ = -1;  // holds the device; AUTOCLEAR detaches when it closes
};

struct FioJob {
  std::string device;
  bool write = false;  // randwrite, else randread
  uint32_t block_size = 4096;
  uint32_t iodepth = 1;
  double seconds = 3;
};

struct FioResult {
  double iops = 0;
  double p50_us = 0;
  double p99_us = 0;
};

// The fio binary on PATH, or nullopt.
std::optional<std::string> FindFio();

// Runs fio (ioengine=libaio, direct=1, time_based) and parses its JSON output. `child_pid`
// holds the running fio's pid (0 otherwise) so a signal handler can stop it.
Result<FioResult> RunFio(const std::string& fio, const FioJob& job, std::atomic<pid_t>& child_pid);

}  // namespace srp::bench
