#include "initiator_tools/attach/detach.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/loop.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "initiator_tools/attach/loop_device.h"
#include "lib/common/log.h"

namespace srp::attach {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kFuseConnections = "/sys/fs/fuse/connections";

// The loop device's flush, LOOP_CLR_FD and last close, on a thread that may block on the
// device; the caller watches it.
class ReleaseJob {
 public:
  ReleaseJob(std::string device, bool flush) : device_(std::move(device)), flush_(flush) {
    thread_ = std::thread([this] { Run(); });
  }
  ~ReleaseJob() { thread_.join(); }
  bool WaitFor(milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return done_; });
  }
  Status result() {
    std::lock_guard lock(mu_);
    return result_;
  }

 private:
  void Run() {
    Status s = DetachLoop(device_, flush_);
    if (!s.ok() && flush_ && s.message().find("fsync") != std::string::npos) {
      // The flush failed (the target is gone, the connection aborted): release anyway.
      SRP_LOG(kWarning, "{}", s.ToString());
      s = DetachLoop(device_, false);
    }
    std::lock_guard lock(mu_);
    result_ = s;
    done_ = true;
    cv_.notify_all();
  }

  std::string device_;
  bool flush_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  Status result_;
  std::thread thread_;
};

// Waits until `pid` is gone (or a zombie) or `timeout` passes.
bool WaitGone(pid_t pid, milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  while (ProcessAlive(pid)) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

}  // namespace

unsigned FuseConnectionOf(const FsRoot& fs, const std::string& mountpoint) {
  auto info = fs.ReadFile("/proc/self/mountinfo");
  if (!info.ok()) return 0;
  std::istringstream lines(*info);
  for (std::string line; std::getline(lines, line);) {
    // "<id> <parent> <major>:<minor> <root> <mount point> ..."
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    if (!(f >> id >> parent >> dev >> root >> point)) continue;
    if (point != mountpoint) continue;
    const size_t colon = dev.find(':');
    if (colon == std::string::npos) continue;
    return static_cast<unsigned>(std::strtoul(dev.c_str() + colon + 1, nullptr, 10));
  }
  return 0;
}

Status AbortFuseConnection(const FsRoot& fs, unsigned connection) {
  if (connection == 0) return NotFound("no FUSE connection");
  const std::string abort = fmt::format("{}/{}/abort", kFuseConnections, connection);
  if (!fs.Exists(abort) && fs.is_real_system()) {
    // fusectl is not mounted yet (it usually is, by systemd).
    (void)mount("fusectl", kFuseConnections, "fusectl", 0, nullptr);
  }
  return fs.WriteFile(abort, "1");
}

bool LoopBackedBy(const FsRoot& fs, const std::string& device, const std::string& mountpoint) {
  const std::string name = DeviceName(device);
  if (name.empty()) return false;
  auto backing = fs.ReadTrimmed("/sys/block/" + name + "/loop/backing_file");
  return backing.ok() && backing->starts_with(mountpoint + "/");
}

int RunDetach(const std::string& device_arg, const DetachOptions& o, std::ostream& err) {
  const FsRoot fs("/");
  const std::string name = DeviceName(device_arg);
  if (name.empty()) {
    err << fmt::format("srp-attach: --detach wants /dev/loopN, got '{}'\n", device_arg);
    return kDetachUsage;
  }
  const std::string device = "/dev/" + name;
  std::optional<AttachState> found;
  for (const auto& s : ListStates(o.run_dir)) {
    if (s.device == device) found = s;
  }
  if (!found) {
    err << fmt::format("srp-attach: {} is not attached by srp-attach (run dir {})\n", device,
                       o.run_dir);
    return kDetachNotFound;
  }
  if (LoopInUse(device)) {
    err << fmt::format("srp-attach: {} is in use (mounted?); unmount it first\n", device);
    return kDetachBusy;
  }
  const bool alive = ProcessAlive(found->pid);
  unsigned connection = FuseConnectionOf(fs, found->mountpoint);
  if (connection == 0) connection = found->fuse_connection;
  if (alive) {
    kill(found->pid, SIGUSR1);  // I/O that cannot go out now fails instead of waiting
  } else {
    err << fmt::format("srp-attach: serving process {} is gone; cleaning up {}\n", found->pid,
                       device);
    (void)AbortFuseConnection(fs, connection);  // its requests fail at once
  }

  bool released = true;
  if (LoopBackedBy(fs, device, found->mountpoint)) {
    ReleaseJob job(device, alive);
    if (!job.WaitFor(o.flush_timeout)) {
      err << fmt::format(
          "srp-attach: {}: the flush did not finish within {} ms; aborting FUSE connection {}\n",
          device, o.flush_timeout.count(), connection);
      Status s = AbortFuseConnection(fs, connection);
      if (!s.ok()) err << "srp-attach: " << s.ToString() << "\n";
      job.WaitFor(milliseconds(10000));
    }
    Status s = job.result();
    if (!s.ok()) {
      err << fmt::format("srp-attach: releasing {}: {}\n", device, s.ToString());
      released = false;
    }
  }
  if (alive && !WaitGone(found->pid, o.exit_timeout)) {
    err << fmt::format("srp-attach: serving process {} did not finish within {} ms; killing it\n",
                       found->pid, o.exit_timeout.count());
    (void)AbortFuseConnection(fs, connection);
    kill(found->pid, SIGKILL);
    WaitGone(found->pid, milliseconds(5000));
  }
  // What a dead or killed server left behind.
  if (FuseConnectionOf(fs, found->mountpoint) != 0) {
    (void)AbortFuseConnection(fs, connection);
    umount2(found->mountpoint.c_str(), MNT_DETACH);
  }
  rmdir(found->mountpoint.c_str());
  (void)RemoveState(o.run_dir, device);
  if (!released || LoopBackedBy(fs, device, found->mountpoint)) {
    err << fmt::format("srp-attach: {} is still bound to {}\n", device, found->mountpoint);
    return kDetachFailed;
  }
  return kDetachOk;
}

}  // namespace srp::attach
