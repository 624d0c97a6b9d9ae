#include "initiator_tools/attach/serve.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "initiator_tools/attach/attach_state.h"
#include "initiator_tools/attach/detach.h"
#include "initiator_tools/attach/fuse_file.h"
#include "initiator_tools/attach/loop_device.h"
#include "initiator_tools/attach/lun_io.h"
#include "lib/common/log.h"
#include "lib/fabric/select.h"

namespace srp::attach {
namespace {

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

// Where a serving process reports its outcome: stdout (foreground) or the pipe to the
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

Result<initiator::FailureTimeouts> TimeoutsFrom(const ServeOptions& o) {
  initiator::FailureTimeouts t;
  SRP_ASSIGN_OR_RETURN(t.reconnect_delay, initiator::ParseTimeout(o.reconnect_delay));
  SRP_ASSIGN_OR_RETURN(t.fast_io_fail_tmo, initiator::ParseTimeout(o.fast_io_fail_tmo));
  SRP_ASSIGN_OR_RETURN(t.dev_loss_tmo, initiator::ParseTimeout(o.dev_loss_tmo));
  SRP_RETURN_IF_ERROR(t.Validate());
  return t;
}

// The state file's live part, from the engine.
void FillLiveState(LunIo& lun, bool detaching, AttachState* state) {
  LunEngine& engine = lun.engine();
  state->unmap_commands = lun.unmap_commands();
  state->write_same_commands = lun.write_same_commands();
  state->state = detaching ? "detaching" : initiator::PortStateName(engine.state());
  state->paths.clear();
  for (const PathStatus& p : engine.Paths()) {
    state->paths.push_back({p.target, initiator::PortStateName(p.port.state), p.port.reconnects,
                            p.port.failed_reconnects, p.commands, p.port.last_error});
  }
}

// Starts `srp-attach --detach DEV` (this executable) as a separate process; it is reaped by
// the caller's SIGCHLD handling (signalfd) or at exit.
pid_t SpawnDetacher(const std::string& device, const std::string& run_dir) {
  std::string self = "/proc/self/exe";
  std::vector<std::string> args = {"srp-attach", "--detach", device, "--run-dir", run_dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execv(self.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int Serve(const ServeOptions& o, Reporter& reporter) {
  sigset_t sigs;
  sigemptyset(&sigs);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD}) sigaddset(&sigs, s);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // before any thread exists
  const int sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);

  const std::string run_dir = RunDir(o.run_dir);
  auto fail = [&](const Status& s, int code) {
    reporter.Report(code, s.ToString());
    return code;
  };
  if (sig_fd < 0) return fail(Status::FromErrno(errno, "signalfd"), kExitAttachFailed);
  if (Status s = EnsureRunDir(run_dir); !s.ok()) return fail(s, kExitAttachFailed);
  auto timeouts = TimeoutsFrom(o);
  if (!timeouts.ok()) return fail(timeouts.status(), kExitUsage);
  auto policy = ParsePathPolicy(o.path_policy);
  if (!policy.ok()) return fail(policy.status(), kExitUsage);
  std::vector<initiator::SessionOptions> paths;
  for (const std::string& t : o.targets) {
    auto so = initiator::OptionsFromTargetString(t);
    if (!so.ok()) return fail(so.status().WithContext("bad target string"), kExitUsage);
    so->login_timeout = std::chrono::milliseconds(o.timeout_ms);
    so->command_timeout = std::chrono::milliseconds(o.timeout_ms);
    paths.push_back(*so);
  }
  auto kind = fabric::ParseFabricKind(o.fabric);
  if (!kind.ok()) return fail(kind.status().WithContext("--fabric"), kExitUsage);
  fabric::FabricSelection selection;
  selection.kind = *kind;
  auto fab = fabric::OpenFabric(selection);
  if (!fab.ok()) return fail(fab.status(), kExitUnreachable);
  LunIoOptions lo;
  lo.engine.lun = o.lun;
  lo.engine.timeouts = *timeouts;
  lo.engine.policy = *policy;
  auto lun = LunIo::Open(**fab, o.targets, paths, lo);
  if (!lun.ok()) return fail(lun.status(), ExitCodeFor(lun.status()));
  LunEngine& engine = (*lun)->engine();
  const int changed_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  engine.SetListener([changed_fd] {
    const uint64_t one = 1;
    ssize_t n = write(changed_fd, &one, sizeof one);
    (void)n;
  });

  const std::string mountpoint = fmt::format("{}/mnt-{}", run_dir, getpid());
  if (mkdir(mountpoint.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(Status::FromErrno(errno, "mkdir " + mountpoint), kExitAttachFailed);
  }
  int rc = kExitOk;
  const FsRoot fs("/");
  {
    auto file = FuseFile::Mount(mountpoint, **lun, o.threads);
    if (!file.ok()) {
      rc = fail(file.status(), kExitAttachFailed);
    } else {
      auto loop = AttachLoop((*file)->file_path(), (*lun)->block_size());
      if (!loop.ok()) {
        rc = fail(loop.status(), kExitAttachFailed);
      } else {
        AttachState state;
        state.device = loop->path;
        state.target = o.targets.front();
        state.lun = o.lun;
        state.mountpoint = mountpoint;
        state.pid = getpid();
        state.block_size = (*lun)->block_size();
        state.size_bytes = (*lun)->size_bytes();
        state.direct_io = loop->direct_io;
        state.fuse_connection = (*file)->connection();
        state.policy = PathPolicyName(*policy);
        state.timeouts = fmt::format("reconnect_delay={},fast_io_fail_tmo={},dev_loss_tmo={}",
                                     initiator::FormatTimeout(timeouts->reconnect_delay),
                                     initiator::FormatTimeout(timeouts->fast_io_fail_tmo),
                                     initiator::FormatTimeout(timeouts->dev_loss_tmo));
        bool detaching = false;
        auto write_state = [&] {
          FillLiveState(**lun, detaching, &state);
          if (Status s = WriteState(run_dir, state); !s.ok()) SRP_LOG(kError, "{}", s.ToString());
        };
        write_state();
        reporter.Report(kExitOk, loop->path);
        // The in-use check and the release happen in the detacher: this process never opens
        // the loop device it serves (a last close would flush through it).
        pid_t detacher = 0;
        auto self_detach = [&](const std::string& why) {
          if (detacher > 0) return;
          SRP_LOG(kWarning, "{}: detaching {}", why, loop->path);
          detacher = SpawnDetacher(loop->path, run_dir);
        };
        for (;;) {
          pollfd fds[2] = {{sig_fd, POLLIN, 0}, {changed_fd, POLLIN, 0}};
          (void)poll(fds, 2, detaching ? 50 : 500);
          signalfd_siginfo si;
          while (read(sig_fd, &si, sizeof si) == sizeof si) {
            if (si.ssi_signo == SIGCHLD) {
              for (pid_t p; (p = waitpid(-1, nullptr, WNOHANG)) > 0;) {
                if (p == detacher) detacher = 0;  // a refused detach may be retried
              }
            } else if (si.ssi_signo == SIGUSR1) {
              if (!detaching) {
                detaching = true;
                engine.FailFast();
                write_state();
              }
            } else {
              self_detach(fmt::format("signal {}", si.ssi_signo));
            }
          }
          uint64_t v;
          if (read(changed_fd, &v, sizeof v) == sizeof v) {
            write_state();
            if (engine.state() == initiator::PortState::kLost) {
              self_detach("every path is lost (dev_loss_tmo): the LUN is removed");
            }
          }
          if ((*lun)->unmap_commands() != state.unmap_commands ||
              (*lun)->write_same_commands() != state.write_same_commands) {
            write_state();  // counters for --list, at most once a poll round
          }
          if (detaching && !LoopBackedBy(fs, loop->path, mountpoint)) break;
        }
        (void)RemoveState(run_dir, loop->path);
      }
      (*file)->Unmount();
    }
  }
  rmdir(mountpoint.c_str());
  const bool running = engine.state() == initiator::PortState::kRunning;
  uint64_t reconnects = 0;
  for (const PathStatus& p : engine.Paths()) reconnects += p.port.reconnects;
  if (Status s = (*lun)->Close(running); !s.ok()) SRP_LOG(kWarning, "logout: {}", s.ToString());
  SRP_LOG(kInfo, "detached; {} reconnects", reconnects);
  close(changed_fd);
  close(sig_fd);
  return rc;
}

}  // namespace

int ServeForeground(const ServeOptions& options) {
  Reporter reporter(-1);
  return Serve(options, reporter);
}

int ServeInBackground(const ServeOptions& o) {
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

}  // namespace srp::attach
