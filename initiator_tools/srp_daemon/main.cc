// srp-daemon: keeps a host logged in to the SRP targets of its fabric, after rdma-core's
// srp_daemon (same options, same rules file); see --help and daemon.h.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "initiator_tools/srp_daemon/daemon.h"
#include "lib/common/ids.h"
#include "lib/common/log.h"

namespace srp::daemon {
namespace {

constexpr const char* kFooter =
    R"(Discovery: every ACTIVE InfiniBand port of every CA (umad), or the soft subnet through a
soft port of the daemon's own (default <hostname>-srp-daemon, --soft-port); -d, -i/-p and -j
choose one port. Each target found is checked against the rules file (-f, srp_daemon.conf
format, the same as srp-login's: first matching 'a'/'d' line wins; allow options are appended).

Logging in (-e): the line goes to /sys/class/infiniband_srp/srp-<ca>-<port>/add_target of the
port it was discovered through, unless a SCSI host already serves that id_ext, ioc_guid and
initiator_ext there (-a: write anyway; EEXIST counts as connected). With --userspace the
daemon holds a user-space session per target instead, with ib_srp's failure semantics
(--reconnect-delay, --fast-io-fail-tmo, --dev-loss-tmo; a lost session is logged in again when
the target is found again). Without -e targets are only discovered (-c prints their lines).

Scans: at start, then every -R seconds (default 60; no SA trap subscription), and on SIGHUP,
which also re-reads the rules file. SIGTERM/SIGINT end the daemon (sessions are logged out).
-o: one scan, then exit. State: <run dir>/status.json (--run-dir, $SRP_DAEMON_RUN_DIR,
/run/srp-daemon); `srp-daemon --status [--json]` prints it.

Exit status: 0 ended normally (or -o scanned); 1 usage or setup error (rules, no port);
2 -o and some port's discovery failed; 3 --status: no daemon running.

Examples:
  srp-daemon -e -c -n -R 60                   # what the systemd units of srp_daemon run
  srp-daemon -e -o -n -f /etc/srp_daemon.conf # one pass, like ibsrpdm -c | srp-login
  srp-daemon -e -n --userspace --fast-io-fail-tmo 5 --dev-loss-tmo 60
  srp-daemon -o -c --dry-run                  # print the add_target commands only
  srp-daemon -j mlx5_0:1 -e -R 30
  srp-daemon --status --json)";

constexpr const char* kDefaultRulesFile = "/etc/srp_daemon.conf";
constexpr int kExitOk = 0;
constexpr int kExitSetup = 1;
constexpr int kExitPartial = 2;
constexpr int kExitNotRunning = 3;

std::string RunDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("SRP_DAEMON_RUN_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return "/run/srp-daemon";
}

void WriteStatus(const std::string& run_dir, const nlohmann::json& status) {
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  const std::string path = run_dir + "/status.json";
  const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << status.dump(2) << "\n";
    if (!out) {
      SRP_LOG(kError, "cannot write {}", tmp);
      return;
    }
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) SRP_LOG(kError, "cannot rename {}", tmp);
}

int PrintStatus(const std::string& run_dir, bool json) {
  std::ifstream in(run_dir + "/status.json");
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  const bool alive = !j.is_discarded() && j.contains("pid") && kill(j["pid"].get<pid_t>(), 0) == 0;
  if (!alive) {
    if (json) {
      fmt::print("{}\n", nlohmann::json{{"running", false}}.dump(2));
    } else {
      fmt::print(stderr, "srp-daemon: no daemon is running (run dir {})\n", run_dir);
    }
    return kExitNotRunning;
  }
  j["running"] = true;
  if (json) {
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  fmt::print(
      "srp-daemon pid {}, {} mode, {} scans, rules {}\n", j["pid"].get<int>(),
      j["mode"].get<std::string>(), j["scans"].get<uint64_t>(),
      j["rules_file"].get<std::string>().empty() ? "(none)" : j["rules_file"].get<std::string>());
  for (const auto& p : j["ports"]) {
    fmt::print("  port {} -> {}\n", p["name"].get<std::string>(), p["srp_host"].get<std::string>());
  }
  for (const auto& t : j["targets"]) {
    fmt::print("  {:<17} logins {:<3} {}\n", t["state"].get<std::string>(),
               t["logins"].get<uint64_t>(), t["target"].get<std::string>());
  }
  return kExitOk;
}

int Run(const DaemonOptions& o) {
  sigset_t sigs;
  sigemptyset(&sigs);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&sigs, s);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // before any thread exists
  const int sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sig_fd < 0) {
    fmt::print(stderr, "srp-daemon: signalfd: {}\n", strerror(errno));
    return kExitSetup;
  }
  auto daemon = SrpDaemon::Create(o, std::cout);
  if (!daemon.ok()) {
    fmt::print(stderr, "srp-daemon: {}\n", daemon.status().ToString());
    return kExitSetup;
  }
  const std::string run_dir = RunDir(o.run_dir);
  Status scanned = (*daemon)->Scan();
  if (o.once) {
    (*daemon)->Shutdown();
    return scanned.ok() ? kExitOk : kExitPartial;
  }
  WriteStatus(run_dir, (*daemon)->StatusJson());
  using Clock = std::chrono::steady_clock;
  const auto rescan =
      std::chrono::seconds(o.rescan_seconds > 0 ? o.rescan_seconds : kDefaultRescanSeconds);
  auto next_scan = Clock::now() + rescan;
  std::vector<int> fds;
  std::vector<pollfd> pfds;
  for (;;) {
    fds.assign(1, sig_fd);
    Clock::time_point deadline = next_scan;
    (*daemon)->ArmWait(&fds, &deadline);
    bool changed = (*daemon)->Progress();
    pfds.clear();
    for (int fd : fds) pfds.push_back({fd, POLLIN, 0});
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (!changed) {
      (void)poll(pfds.data(), pfds.size(),
                 static_cast<int>(std::clamp<int64_t>(wait + 1, 0, 1000)));
    }
    (*daemon)->AckWait();
    changed |= (*daemon)->Progress();
    bool stop = false;
    bool scan_now = false;
    signalfd_siginfo si;
    while (read(sig_fd, &si, sizeof si) == sizeof si) {
      if (si.ssi_signo == SIGHUP) {
        Status s = (*daemon)->ReloadRules();
        if (!s.ok()) SRP_LOG(kError, "srp-daemon: keeping the old rules: {}", s.ToString());
        scan_now = true;
      } else {
        SRP_LOG(kInfo, "srp-daemon: signal {}: ending", si.ssi_signo);
        stop = true;
      }
    }
    if (stop) break;
    if (scan_now || Clock::now() >= next_scan) {
      (void)(*daemon)->Scan();
      next_scan = Clock::now() + rescan;
      changed = true;
    }
    if (changed) WriteStatus(run_dir, (*daemon)->StatusJson());
  }
  (*daemon)->Shutdown();
  std::error_code ec;
  std::filesystem::remove(run_dir + "/status.json", ec);
  close(sig_fd);
  return kExitOk;
}

}  // namespace
}  // namespace srp::daemon

int main(int argc, char** argv) {
  using namespace srp::daemon;
  DaemonOptions o;
  bool verbose = false, debug = false, systemd = false, status = false, json = false;
  std::string jarg, reconnect_delay = "10", fast_io_fail = "15", dev_loss = "600";
  int timeout_ms = 5000;
  CLI::App app{"srp-daemon: discover SRP targets and keep this host logged in to them"};
  app.footer(kFooter);
  app.add_flag("-e", o.execute, "log in to the targets found (add_target, or --userspace)");
  app.add_flag("-o", o.once, "one scan, then exit");
  app.add_option("-R", o.rescan_seconds, "rescan every SECONDS (default 60)")
      ->check(CLI::Range(0, 86400));
  app.add_flag("-c", o.print, "print the add_target line of every target to log in to");
  app.add_flag("-n", o.initiator_ext, "append initiator_ext=<target port GUID>");
  app.add_flag("-a", o.all, "also targets that are already connected");
  app.add_option("-f", o.rules_file,
                 "srp_daemon.conf-style rules file, as srp-login -f (default "
                 "/etc/srp_daemon.conf when it exists)");
  app.add_option("-d", o.port.umad_device, "only this umad device, e.g. /dev/infiniband/umad0");
  app.add_option("-i", o.port.ca, "only this InfiniBand device");
  app.add_option("-p", o.port.ca_port, "-i: port number (default 1)")->check(CLI::Range(1, 255));
  app.add_option("-j", jarg, "only DEV:PORT");
  app.add_option("--soft-port", o.port.soft_port, "soft subnet port to discover through");
  app.add_option("-t", timeout_ms, "MAD timeout in ms (5000)")->check(CLI::Range(1, 600000));
  app.add_option("-r", o.mad_retries, "MAD retries (3)")->check(CLI::Range(0, 20));
  app.add_flag("-v", verbose, "verbose");
  app.add_flag("-V", debug, "debug output");
  app.add_flag("--systemd", systemd, "run under systemd (log to stderr; accepted for units)");
  app.add_flag("--userspace", o.userspace,
               "hold user-space sessions (srp-login --userspace) instead of writing add_target");
  app.add_option("--reconnect-delay", reconnect_delay, "--userspace: seconds or off (10)");
  app.add_option("--fast-io-fail-tmo", fast_io_fail, "--userspace: seconds or off (15)");
  app.add_option("--dev-loss-tmo", dev_loss, "--userspace: seconds or off (600)");
  app.add_flag("--dry-run", o.dry_run, "print echo '...' > .../add_target instead of writing");
  app.add_option("--sysfs-root", o.sysfs_root, "directory standing in for /sys");
  app.add_option("--run-dir", o.run_dir,
                 "status directory (default $SRP_DAEMON_RUN_DIR or "
                 "/run/srp-daemon)");
  app.add_flag("--status", status, "print the running daemon's state");
  app.add_flag("--json", json, "--status: JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 1;
  }
  srp::SetLogLevel(debug ? srp::LogLevel::kDebug
                         : (verbose ? srp::LogLevel::kInfo : srp::LogLevel::kWarning));
  if (status) return PrintStatus(RunDir(o.run_dir), json);
  if (!jarg.empty()) {
    const size_t colon = jarg.rfind(':');
    int port = 0;
    const char* end = jarg.data() + jarg.size();
    auto parsed = colon == std::string::npos
                      ? std::from_chars_result{jarg.data(), std::errc::invalid_argument}
                      : std::from_chars(jarg.data() + colon + 1, end, port);
    if (parsed.ec != std::errc() || parsed.ptr != end || port < 1 || port > 255 || colon == 0) {
      fmt::print(stderr, "srp-daemon: -j wants DEV:PORT, got '{}'\n", jarg);
      return 1;
    }
    o.port.ca = jarg.substr(0, colon);
    o.port.ca_port = port;
  }
  o.mad_timeout = std::chrono::milliseconds(timeout_ms);
  if (o.rules_file.empty() && access(kDefaultRulesFile, R_OK) == 0)
    o.rules_file = kDefaultRulesFile;
  for (auto [text, out] : {std::pair{&reconnect_delay, &o.timeouts.reconnect_delay},
                           std::pair{&fast_io_fail, &o.timeouts.fast_io_fail_tmo},
                           std::pair{&dev_loss, &o.timeouts.dev_loss_tmo}}) {
    auto v = srp::initiator::ParseTimeout(*text);
    if (!v.ok()) {
      fmt::print(stderr, "srp-daemon: {}\n", v.status().message());
      return 1;
    }
    *out = *v;
  }
  return Run(o);
}
