#include "perf/bench/handler_bench_support.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/loop.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

namespace srp::bench {

Result<std::unique_ptr<ShmLoopDevice>> ShmLoopDevice::Create(uint64_t size_bytes) {
  std::string file = "/dev/shm/srp-handler-bench-XXXXXX";
  const int backing = ::mkostemp(file.data(), O_CLOEXEC);
  if (backing < 0) return Status::FromErrno(errno, "creating a file in /dev/shm");
  ::unlink(file.c_str());  // the open descriptor (and then the loop device) keeps it alive
  std::vector<char> chunk(1 << 20);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(i * 31 + 7);
  for (uint64_t off = 0; off < size_bytes; off += chunk.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size_bytes - off));
    if (::pwrite(backing, chunk.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) {
      const int err = errno;
      ::close(backing);
      return Status::FromErrno(err == 0 ? ENOSPC : err, "filling the /dev/shm file");
    }
  }
  const int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) {
    const int err = errno;
    ::close(backing);
    return Status::FromErrno(err, "opening /dev/loop-control (needs root)");
  }
  std::unique_ptr<ShmLoopDevice> device(new ShmLoopDevice());
  Status last = Status(StatusCode::kUnavailable, "no free loop device");
  for (int attempt = 0; attempt < 8 && device->fd_ < 0; ++attempt) {
    const int index = ::ioctl(control, LOOP_CTL_GET_FREE);
    if (index < 0) {
      last = Status::FromErrno(errno, "LOOP_CTL_GET_FREE");
      break;
    }
    const std::string path = fmt::format("/dev/loop{}", index);
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      last = Status::FromErrno(errno, "opening " + path);
      continue;
    }
    loop_config config{};
    config.fd = static_cast<uint32_t>(backing);
    config.block_size = 512;
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (::ioctl(fd, LOOP_CONFIGURE, &config) == 0) {
      device->fd_ = fd;
      device->path_ = path;
    } else {
      last = Status::FromErrno(errno, "LOOP_CONFIGURE " + path);  // EBUSY: lost a race
      ::close(fd);
    }
  }
  ::close(control);
  ::close(backing);
  if (device->fd_ < 0) return last;
  device->size_bytes_ = size_bytes;
  return device;
}

ShmLoopDevice::~ShmLoopDevice() {
  if (fd_ >= 0) {
    (void)::ioctl(fd_, LOOP_CLR_FD, 0);
    ::close(fd_);
  }
}

std::optional<std::string> FindFio() {
  const char* path_env = std::getenv("PATH");
  std::string paths = path_env != nullptr ? path_env : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= paths.size()) {
    size_t end = paths.find(':', start);
    if (end == std::string::npos) end = paths.size();
    const std::string candidate = paths.substr(start, end - start) + "/fio";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

namespace {

// Reads everything `fd` produces until EOF or `deadline`.
std::string ReadAll(int fd, std::chrono::steady_clock::time_point deadline, bool* timed_out) {
  std::string text;
  char buf[4096];
  *timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      *timed_out = true;
      return text;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) return text;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return text;
    text.append(buf, static_cast<size_t>(n));
  }
}

double PercentileUs(const nlohmann::json& lat, const char* key) {
  if (!lat.contains("percentile") || !lat["percentile"].contains(key)) return 0;
  return lat["percentile"][key].get<double>() / 1000.0;
}

}  // namespace

Result<FioResult> RunFio(const std::string& fio, const FioJob& job, std::atomic<pid_t>& child_pid) {
  const std::vector<std::string> args = {
      fio,
      "--name=handler-bench",
      "--filename=" + job.device,
      "--ioengine=libaio",
      "--direct=1",
      std::string("--rw=") + (job.write ? "randwrite" : "randread"),
      fmt::format("--bs={}", job.block_size),
      fmt::format("--iodepth={}", job.iodepth),
      fmt::format("--runtime={:.3f}s", job.seconds),
      "--time_based=1",
      "--lat_percentiles=1",
      "--numjobs=1",
      "--randrepeat=0",
      "--output-format=json"};
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe");
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(out[0]);
    ::close(out[1]);
    return Status::FromErrno(err, "fork");
  }
  if (pid == 0) {
    ::dup2(out[1], 1);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(fio.c_str(), argv.data());
    ::_exit(127);
  }
  child_pid = pid;
  ::close(out[1]);
  bool timed_out = false;
  const std::string text =
      ReadAll(out[0],
              std::chrono::steady_clock::now() + std::chrono::seconds(30) +
                  std::chrono::milliseconds(static_cast<int64_t>(job.seconds * 1000)),
              &timed_out);
  ::close(out[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  child_pid = 0;
  if (timed_out) return Status(StatusCode::kTimedOut, "fio did not finish in time");
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status(StatusCode::kIoError, fmt::format("fio failed (status {})", wstatus));
  }
  // fio may print warnings before the JSON document.
  const size_t brace = text.find('{');
  if (brace == std::string::npos) return Status(StatusCode::kIoError, "fio printed no JSON");
  const nlohmann::json doc = nlohmann::json::parse(text.substr(brace), nullptr, false);
  if (doc.is_discarded() || !doc.contains("jobs") || doc["jobs"].empty()) {
    return Status(StatusCode::kIoError, "fio JSON output not understood");
  }
  const nlohmann::json& side = doc["jobs"][0][job.write ? "write" : "read"];
  FioResult result;
  result.iops = side.value("iops", 0.0);
  const nlohmann::json& lat = side.contains("lat_ns") ? side["lat_ns"] : side["clat_ns"];
  result.p50_us = PercentileUs(lat, "50.000000");
  result.p99_us = PercentileUs(lat, "99.000000");
  return result;
}

}  // namespace srp::bench
