// srp-sg: runs a command (sg3_utils and the like) with /dev/srp-sgN behaving like Linux sg
// devices whose SCSI commands go through the user-space SRP initiator. See --help.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/sg_bridge/broker.h"
#include "lib/common/log.h"
#include "lib/fabric/select.h"

namespace srp::sg_bridge {
namespace {

constexpr const char* kFooter = R"(Device paths:
  /dev/srp-sg0 is the first --lun given, /dev/srp-sg1 the second, and so on (default: one
  device, LUN 0). They exist only inside COMMAND: a preloaded library (libsrp-sg-preload.so,
  next to srp-sg or in $SRP_SG_PRELOAD) makes open/stat/ioctl(SG_IO ...) on them behave like a
  Linux sg character device (major 21, sg driver version 3.5.36). srp-sg logs in once and
  runs every CDB through the user-space initiator; status and sense come back unchanged.

Examples:
  srp-sg run --target id_ext=...,ioc_guid=...,dgid=...,pkey=ffff,service_id=... -- sg_inq /dev/srp-sg0
  srp-sg run --target TARGET --lun 1 -- sg_readcap -l /dev/srp-sg0
  srp-sg run --target TARGET --lun 0 --lun 1 -- sg_luns /dev/srp-sg1
  srp-sg run --target TARGET --lun 1 -- sg_dd if=/dev/zero of=/dev/srp-sg0 bs=512 count=2048

Exit codes:
  COMMAND's exit code (128 + signal when it was killed), or
  2  bad arguments or target string     3  target unreachable
  4  login rejected                     125  srp-sg could not start COMMAND)";

constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;
constexpr int kExitRejected = 4;
constexpr int kExitNoCommand = 125;

volatile sig_atomic_t g_child_pid = 0;

void ForwardSignal(int sig) {
  if (g_child_pid > 0) kill(static_cast<pid_t>(g_child_pid), sig);
}

int ExitCodeFor(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return kExitUsage;
  if (s.code() == StatusCode::kRejected) return kExitRejected;
  return kExitUnreachable;
}

// The preload library: $SRP_SG_PRELOAD, else next to this executable, else ../lib/srp-toolkit.
std::string PreloadPath() {
  if (const char* env = getenv("SRP_SG_PRELOAD"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "libsrp-sg-preload.so";
  auto dir = exe.parent_path();
  for (auto candidate : {dir / "libsrp-sg-preload.so",
                         dir.parent_path() / "lib" / "srp-toolkit" / "libsrp-sg-preload.so"}) {
    if (std::filesystem::exists(candidate, ec)) return candidate.string();
  }
  return (dir / "libsrp-sg-preload.so").string();
}

struct RunOptions {
  std::string target;
  std::vector<uint32_t> luns;
  std::string fabric = "auto";
  uint32_t timeout_ms = 10000;
  std::vector<std::string> command;
};

// Starts COMMAND with the bridge environment; returns its pid.
Result<pid_t> StartCommand(const RunOptions& o, const std::string& socket_path) {
  std::string preload = PreloadPath();
  if (const char* prev = getenv("LD_PRELOAD"); prev != nullptr && *prev != '\0') {
    preload += std::string(":") + prev;
  }
  std::vector<char*> argv;
  for (const auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The environment is built before fork: the child only execs (other threads exist).
  std::vector<std::string> env = {
      "LD_PRELOAD=" + preload, std::string(SRP_SG_ENV_SOCKET) + "=" + socket_path,
      std::string(SRP_SG_ENV_LUNS) + "=" + fmt::format("{}", fmt::join(o.luns, ","))};
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view v(*e);
    if (v.starts_with("LD_PRELOAD=") || v.starts_with(SRP_SG_ENV_SOCKET "=") ||
        v.starts_with(SRP_SG_ENV_LUNS "=")) {
      continue;
    }
    env.emplace_back(v);
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string cannot_run = fmt::format("srp-sg: cannot run {}\n", o.command[0]);
  pid_t pid = fork();
  if (pid < 0) return Status::FromErrno(errno, "fork");
  if (pid == 0) {
    execvpe(argv[0], argv.data(), envp.data());
    ssize_t n = write(STDERR_FILENO, cannot_run.data(), cannot_run.size());
    (void)n;
    _exit(kExitNoCommand);
  }
  return pid;
}

int Run(RunOptions o) {
  if (o.luns.empty()) o.luns = {0};
  if (o.luns.size() > SRP_SG_MAX_DEVICES) {
    fmt::print(stderr, "srp-sg: at most {} --lun options\n", SRP_SG_MAX_DEVICES);
    return kExitUsage;
  }
  auto so = initiator::OptionsFromTargetString(o.target);
  if (!so.ok()) {
    fmt::print(stderr, "srp-sg: bad target string: {}\n", so.status().ToString());
    return kExitUsage;
  }
  so->login_timeout = std::chrono::milliseconds(o.timeout_ms);
  auto kind = fabric::ParseFabricKind(o.fabric);
  if (!kind.ok()) {
    fmt::print(stderr, "srp-sg: --fabric: {}\n", kind.status().ToString());
    return kExitUsage;
  }
  fabric::FabricSelection selection;
  selection.kind = *kind;
  auto fab = fabric::OpenFabric(selection);
  if (!fab.ok()) {
    fmt::print(stderr, "srp-sg: {}\n", fab.status().ToString());
    return kExitUnreachable;
  }
  auto session = initiator::Session::Login(**fab, *so);
  if (!session.ok()) {
    fmt::print(stderr, "srp-sg: login: {}\n", session.status().ToString());
    return ExitCodeFor(session.status());
  }

  std::string tmpl = (std::filesystem::temp_directory_path() / "srp-sg.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    fmt::print(stderr, "srp-sg: mkdtemp: {}\n", strerror(errno));
    return kExitNoCommand;
  }
  int rc = kExitNoCommand;
  {
    auto broker = Broker::Create(**session, o.luns, tmpl + "/broker.sock");
    if (!broker.ok()) {
      fmt::print(stderr, "srp-sg: {}\n", broker.status().ToString());
    } else {
      (*broker)->ScanLuns();
      std::thread serving([&] {
        Status s = (*broker)->Serve();
        if (!s.ok()) SRP_LOG(kError, "srp-sg broker: {}", s.ToString());
      });
      auto pid = StartCommand(o, (*broker)->socket_path());
      if (pid.ok()) {
        g_child_pid = *pid;
        struct sigaction sa {};
        sa.sa_handler = ForwardSignal;
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        sigaction(SIGHUP, &sa, nullptr);
        int wstatus = 0;
        while (waitpid(*pid, &wstatus, 0) < 0 && errno == EINTR) {
        }
        g_child_pid = 0;
        rc = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
      } else {
        fmt::print(stderr, "srp-sg: {}\n", pid.status().ToString());
      }
      (*broker)->Stop();
      serving.join();
    }
  }
  rmdir(tmpl.c_str());
  (void)(*session)->Logout(false);
  return rc;
}

}  // namespace
}  // namespace srp::sg_bridge

int main(int argc, char** argv) {
  srp::sg_bridge::RunOptions o;
  bool verbose = false;
  CLI::App app{"srp-sg: Linux sg devices backed by the user-space SRP initiator"};
  app.require_subcommand(1);
  CLI::App* run = app.add_subcommand("run", "run COMMAND with /dev/srp-sgN bridged to LUNs");
  run->footer(srp::sg_bridge::kFooter);
  run->add_option("--target", o.target,
                  "target string: id_ext=..,ioc_guid=..,dgid=..,pkey=..,service_id=.. or "
                  "id_ext=..,ioc_guid=..,dest=ip:port")
      ->required();
  run->add_option("--lun", o.luns, "LUN of the next /dev/srp-sgN (repeatable; default 0)")
      ->check(CLI::Range(0u, 16383u));
  run->add_option("--fabric", o.fabric, "auto | soft | verbs (default auto)");
  run->add_option("--timeout", o.timeout_ms, "login timeout in ms (10000)");
  run->add_flag("-v,--verbose", verbose, "debug logging on stderr");
  run->add_option("COMMAND", o.command, "the command and its arguments, after --");
  // Everything after the first "--" is COMMAND, verbatim (CLI11 would parse its options).
  int own_args = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      own_args = i;
      o.command.assign(argv + i + 1, argv + argc);
      break;
    }
  }
  try {
    app.parse(own_args, argv);
    if (run->parsed() && o.command.empty()) {
      throw CLI::RequiredError("COMMAND (after --)");
    }
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : srp::sg_bridge::kExitUsage;
  }
  srp::SetLogLevel(verbose ? srp::LogLevel::kDebug : srp::LogLevel::kWarning);
  return srp::sg_bridge::Run(std::move(o));
}
