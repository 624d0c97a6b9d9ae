// srp-attach: a LUN as a Linux block device (/dev/loopN) through the user-space SRP
// initiator, a one-file FUSE filesystem and a loop device. See --help.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "initiator_tools/attach/attach_state.h"
#include "initiator_tools/attach/fuse_file.h"
#include "initiator_tools/attach/loop_device.h"
#include "initiator_tools/attach/lun_io.h"
#include "lib/common/log.h"
#include "lib/fabric/select.h"

namespace srp::attach {
namespace {

constexpr const char* kFooter = R"(How it works:
  srp-attach logs in with the user-space initiator, serves the LUN as the file "lun" of a
  FUSE filesystem mounted under the run directory, and binds a loop device to that file with
  the LUN's logical block size (and direct I/O when the kernel allows it). Writes are
  acknowledged only after the target acknowledged them; when the connection or the target
  goes away, the session is re-established and unfinished commands are issued again.
  fsync/flush become SYNCHRONIZE CACHE (or every write uses FUA when the LUN lacks it).
  State files live in the run directory (--run-dir, $SRP_ATTACH_RUN_DIR, /run/srp-attach).

Examples:
  srp-attach id_ext=...,ioc_guid=...,dgid=...,pkey=ffff,service_id=... --lun 1
      (prints /dev/loopN and keeps serving in the background)
  srp-attach TARGET --lun 1 --foreground      (serves until SIGTERM/SIGINT)
  srp-attach --list [--json]
  srp-attach --detach /dev/loop3

Exit codes:
  0  success                           4  login rejected by the target
  1  attaching failed (FUSE, loop)     5  --detach: the device is in use (mounted?)
  2  bad arguments or target string    6  --detach: no such attached device
  3  target unreachable                7  --detach: the serving process did not finish)";

enum ExitCode : int {
  kExitOk = 0,
  kExitAttachFailed = 1,
  kExitUsage = 2,
  kExitUnreachable = 3,
  kExitRejected = 4,
  kExitBusy = 5,
  kExitNotFound = 6,
  kExitDetachTimeout = 7,
};

struct Options {
  std::string target;
  uint32_t lun = 1;
  bool foreground = false;
  bool list = false;
  bool json = false;
  std::string detach;
  std::string run_dir;
  std::string fabric = "auto";
  uint32_t timeout_ms = 30000;
  uint32_t reconnect_timeout_ms = 60000;
};

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kRejected:
      return kExitRejected;
    case StatusCode::kUnavailable:
    case StatusCode::kTimedOut:
    case StatusCode::kNotFound:
      return kExitUnreachable;
    default:
      return kExitAttachFailed;
  }
}

// Where an attaching process reports its outcome: stdout (foreground) or the pipe to the
// parent that daemonized it. Message: "<exit code> <text>\n".
class Reporter {
 public:
  explicit Reporter(int pipe_fd) : fd_(pipe_fd) {}
  void Report(int code, const std::string& text) {
    if (fd_ < 0) {
      if (code == kExitOk) {
        fmt::print("{}\n", text);
        std::fflush(stdout);
      } else {
        fmt::print(stderr, "srp-attach: {}\n", text);
      }
      return;
    }
    std::string msg = fmt::format("{} {}\n", code, text);
    ssize_t n = write(fd_, msg.data(), msg.size());
    (void)n;
    close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Waits for SIGTERM/SIGINT/SIGHUP (blocked in every thread) while `device` is in use;
// returns once a signal arrived and the device is free.
void WaitForDetachSignal(const sigset_t& sigs, const std::string& device) {
  for (;;) {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (!LoopInUse(device)) {
      SRP_LOG(kInfo, "signal {}: detaching {}", sig, device);
      return;
    }
    SRP_LOG(kError, "signal {}: {} is in use (mounted?); not detaching", sig, device);
  }
}

int Serve(const Options& o, Reporter& reporter) {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // before any thread exists

  const std::string run_dir = RunDir(o.run_dir);
  auto fail = [&](const Status& s, int code) {
    reporter.Report(code, s.ToString());
    return code;
  };
  if (Status s = EnsureRunDir(run_dir); !s.ok()) return fail(s, kExitAttachFailed);
  auto so = initiator::OptionsFromTargetString(o.target);
  if (!so.ok()) return fail(so.status().WithContext("bad target string"), kExitUsage);
  so->login_timeout = std::chrono::milliseconds(o.timeout_ms);
  so->command_timeout = std::chrono::milliseconds(o.timeout_ms);
  auto kind = fabric::ParseFabricKind(o.fabric);
  if (!kind.ok()) return fail(kind.status().WithContext("--fabric"), kExitUsage);
  fabric::FabricSelection selection;
  selection.kind = *kind;
  auto fab = fabric::OpenFabric(selection);
  if (!fab.ok()) return fail(fab.status(), kExitUnreachable);
  LunIoOptions lo;
  lo.lun = o.lun;
  lo.command_timeout = std::chrono::milliseconds(o.timeout_ms);
  lo.reconnect_timeout = std::chrono::milliseconds(o.reconnect_timeout_ms);
  auto lun = LunIo::Open(**fab, *so, lo);
  if (!lun.ok()) return fail(lun.status(), ExitCodeFor(lun.status()));

  const std::string mountpoint = fmt::format("{}/mnt-{}", run_dir, getpid());
  if (mkdir(mountpoint.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(Status::FromErrno(errno, "mkdir " + mountpoint), kExitAttachFailed);
  }
  int rc = kExitOk;
  {
    auto file = FuseFile::Mount(mountpoint, **lun);
    if (!file.ok()) {
      rc = fail(file.status(), kExitAttachFailed);
    } else {
      auto loop = AttachLoop((*file)->file_path(), (*lun)->block_size());
      if (!loop.ok()) {
        rc = fail(loop.status(), kExitAttachFailed);
      } else {
        AttachState state{loop->path,           o.target,       o.lun,
                          mountpoint,           getpid(),       (*lun)->block_size(),
                          (*lun)->size_bytes(), loop->direct_io};
        if (Status s = WriteState(run_dir, state); !s.ok()) {
          SRP_LOG(kError, "{}", s.ToString());
        }
        reporter.Report(kExitOk, loop->path);
        WaitForDetachSignal(sigs, loop->path);
        if (Status s = DetachLoop(loop->path); !s.ok()) {
          SRP_LOG(kError, "detaching {}: {}", loop->path, s.ToString());
          rc = kExitAttachFailed;
        }
        (void)RemoveState(run_dir, loop->path);
      }
      (*file)->Unmount();
    }
  }
  rmdir(mountpoint.c_str());
  const LunIoStats stats = (*lun)->stats();
  if (Status s = (*lun)->Close(); !s.ok()) SRP_LOG(kWarning, "logout: {}", s.ToString());
  SRP_LOG(kInfo, "detached; {} reconnects, {} commands retried", stats.reconnects,
          stats.retried_commands);
  return rc;
}

// Forks; the child detaches from the terminal and serves, the parent prints the outcome.
int Daemonize(const Options& o) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    fmt::print(stderr, "srp-attach: pipe: {}\n", strerror(errno));
    return kExitAttachFailed;
  }
  pid_t pid = fork();
  if (pid < 0) {
    fmt::print(stderr, "srp-attach: fork: {}\n", strerror(errno));
    return kExitAttachFailed;
  }
  if (pid == 0) {
    close(fds[0]);
    setsid();
    int null_fd = open("/dev/null", O_RDWR);
    // Diagnostics go to a log file beside the state files (removed when it stays empty).
    const std::string run_dir = RunDir(o.run_dir);
    (void)EnsureRunDir(run_dir);
    const std::string log = fmt::format("{}/srp-attach-{}.log", run_dir, getpid());
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
      dup2(null_fd, STDOUT_FILENO);
      int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
      if (log_fd >= 0) close(log_fd);
      close(null_fd);
    }
    Reporter reporter(fds[1]);
    const int rc = Serve(o, reporter);
    struct stat st {};
    if (stat(log.c_str(), &st) == 0 && st.st_size == 0) unlink(log.c_str());
    _exit(rc);
  }
  close(fds[1]);
  std::string msg;
  char buf[512];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    msg.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (msg.empty()) {
    fmt::print(stderr, "srp-attach: the serving process ended without reporting\n");
    return kExitAttachFailed;
  }
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  const size_t space = msg.find(' ');
  const int code = std::atoi(msg.substr(0, space).c_str());
  const std::string text = space == std::string::npos ? "" : msg.substr(space + 1);
  if (code == kExitOk) {
    fmt::print("{}\n", text);
  } else {
    fmt::print(stderr, "srp-attach: {}\n", text);
  }
  return code;
}

int List(const Options& o) {
  const auto states = ListStates(RunDir(o.run_dir));
  if (o.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& s : states) {
      auto e = StateToJson(s);
      e["alive"] = ProcessAlive(s.pid);
      j.push_back(e);
    }
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  for (const auto& s : states) {
    fmt::print("{} lun {} {} bytes, block size {}, direct I/O {}, pid {}{}\n  target {}\n",
               s.device, s.lun, s.size_bytes, s.block_size, s.direct_io ? "on" : "off", s.pid,
               ProcessAlive(s.pid) ? "" : " (not running)", s.target);
  }
  return kExitOk;
}

int Detach(const Options& o) {
  const std::string run_dir = RunDir(o.run_dir);
  const std::string name = DeviceName(o.detach);
  if (name.empty()) {
    fmt::print(stderr, "srp-attach: --detach wants /dev/loopN, got '{}'\n", o.detach);
    return kExitUsage;
  }
  const std::string device = "/dev/" + name;
  std::optional<AttachState> found;
  for (const auto& s : ListStates(run_dir)) {
    if (s.device == device) found = s;
  }
  if (!found) {
    fmt::print(stderr, "srp-attach: {} is not attached by srp-attach (run dir {})\n", device,
               run_dir);
    return kExitNotFound;
  }
  if (LoopInUse(device)) {
    fmt::print(stderr, "srp-attach: {} is in use (mounted?); unmount it first\n", device);
    return kExitBusy;
  }
  if (!ProcessAlive(found->pid) || kill(found->pid, SIGTERM) != 0) {
    // The serving process died without detaching: undo what it left behind.
    fmt::print(stderr, "srp-attach: serving process {} is gone; cleaning up {}\n", found->pid,
               device);
    if (Status s = DetachLoop(device, false); !s.ok()) SRP_LOG(kWarning, "{}", s.ToString());
    umount2(found->mountpoint.c_str(), MNT_DETACH);
    rmdir(found->mountpoint.c_str());
    (void)RemoveState(run_dir, device);
    return kExitOk;
  }
  // The serving process removes its state file once the loop device is detached; it then
  // unmounts the FUSE file and logs out.
  const std::string state_file = run_dir + "/" + name + ".json";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (access(state_file.c_str(), F_OK) != 0) {
      // Give the process a moment to unmount and log out.
      while (std::chrono::steady_clock::now() < deadline &&
             access(found->mountpoint.c_str(), F_OK) == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (access(found->mountpoint.c_str(), F_OK) == 0) break;  // still serving: timed out
      return kExitOk;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  fmt::print(stderr, "srp-attach: {} was not detached within {} ms\n", device, o.timeout_ms);
  return kExitDetachTimeout;
}

}  // namespace
}  // namespace srp::attach

int main(int argc, char** argv) {
  using srp::attach::Options;
  Options o;
  bool verbose = false;
  CLI::App app{"srp-attach: an SRP LUN as a local block device (user-space initiator, FUSE, loop)"};
  app.footer(srp::attach::kFooter);
  app.add_option("TARGET", o.target,
                 "target string: id_ext=..,ioc_guid=..,dgid=..,pkey=..,service_id=.. or "
                 "id_ext=..,ioc_guid=..,dest=ip:port");
  app.add_option("--lun", o.lun, "logical unit number (default 1)")->check(CLI::Range(0u, 16383u));
  app.add_flag("--foreground", o.foreground, "serve in the foreground until SIGTERM/SIGINT");
  app.add_flag("--list", o.list, "list attached devices");
  app.add_flag("--json", o.json, "--list: print JSON");
  app.add_option("--detach", o.detach, "detach DEV (/dev/loopN) and log out");
  app.add_option("--run-dir", o.run_dir,
                 "state directory (default $SRP_ATTACH_RUN_DIR or "
                 "/run/srp-attach)");
  app.add_option("--fabric", o.fabric, "auto | soft | verbs (default auto)");
  app.add_option("--timeout", o.timeout_ms, "login / per-command / detach timeout in ms (30000)")
      ->check(CLI::Range(1u, 3600000u));
  app.add_option("--reconnect-timeout", o.reconnect_timeout_ms,
                 "how long to keep trying to log in again after losing the target (60000 ms)")
      ->check(CLI::Range(1u, 86400000u));
  app.add_flag("-v,--verbose", verbose, "debug logging on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : srp::attach::kExitUsage;
  }
  srp::SetLogLevel(verbose ? srp::LogLevel::kDebug : srp::LogLevel::kWarning);
  const int modes = (o.list ? 1 : 0) + (o.detach.empty() ? 0 : 1) + (o.target.empty() ? 0 : 1);
  if (modes != 1) {
    fmt::print(stderr, "srp-attach: give exactly one of TARGET, --list, --detach DEV\n");
    return srp::attach::kExitUsage;
  }
  if (o.list) return srp::attach::List(o);
  if (!o.detach.empty()) return srp::attach::Detach(o);
  if (o.foreground) {
    srp::attach::Reporter reporter(-1);
    return srp::attach::Serve(o, reporter);
  }
  return srp::attach::Daemonize(o);
}
