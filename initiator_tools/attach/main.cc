// srp-attach: a LUN as a Linux block device (/dev/loopN) through the user-space SRP
// initiator, a FUSE file and a loop device; one or more paths (target lines) per LUN.
// See --help.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "initiator_tools/attach/attach_state.h"
#include "initiator_tools/attach/detach.h"
#include "initiator_tools/attach/serve.h"
#include "lib/common/log.h"

namespace srp::attach {
namespace {

constexpr const char* kFooter = R"(How it works:
  srp-attach logs in over every TARGET line (each one path to the LUN), checks with INQUIRY
  VPD 0x83 that all paths name the same logical unit, serves the LUN as the file "lun" of a
  multi-threaded FUSE filesystem and binds a loop device to that file with the LUN's logical
  block size (direct I/O when the kernel allows it). Many commands are in flight at once, up to
  the credits each path negotiated. Writes are acknowledged only after the target acknowledged
  them; fsync/flush become SYNCHRONIZE CACHE (every write carries FUA when the LUN lacks it);
  discard and write-zeroes (fallocate PUNCH_HOLE / ZERO_RANGE) become UNMAP or WRITE SAME.

Failure semantics (ib_srp's, per path):
  --reconnect-delay S   seconds between reconnect attempts (default 10; "off" = none)
  --fast-io-fail-tmo S  after S seconds without a connection, held and new I/O fail with EIO
                        (default 15; "off" = hold until the reconnect or dev_loss_tmo)
  --dev-loss-tmo S      after S seconds the path is lost; when every path is, the LUN is
                        removed: the device is detached (default 600; "off" = never)
  While a path reconnects its I/O is held; a login reject that cannot heal (the target port
  now belongs to another target, ...) loses the path at once. With several paths, I/O moves to
  a running path at once (--path-policy failover: the first running path; round-robin: all).

Detach: --detach DEV releases the loop device from this (separate) process: the serving
  process first fails I/O that cannot go out, the device is flushed and cleared -- past
  --detach-timeout the FUSE connection is aborted (/sys/fs/fuse/connections/N/abort) --, then
  the serving process unmounts, logs out and exits. It works whatever state the target is in.
  SIGTERM to the serving process does the same. --list shows every attachment with its state
  (running, blocked, fail-fast, lost, detaching; per path with --json).
  State files live in the run directory (--run-dir, $SRP_ATTACH_RUN_DIR, /run/srp-attach).

Examples:
  srp-attach id_ext=...,ioc_guid=...,dgid=...,pkey=ffff,service_id=... --lun 1
      (prints /dev/loopN and keeps serving in the background)
  srp-attach TARGET_PORT_A TARGET_PORT_B --lun 1 --path-policy round-robin   (multipath)
  srp-attach TARGET --lun 1 --fast-io-fail-tmo 5 --dev-loss-tmo 60
  srp-attach TARGET --lun 1 --foreground      (serves until SIGTERM/SIGINT)
  srp-attach --list [--json]
  srp-attach --detach /dev/loop3

Exit codes:
  0  success                           4  login rejected by the target
  1  attaching failed (FUSE, loop)     5  --detach: the device is in use (mounted?)
  2  bad arguments, target string, or  6  --detach: no such attached device
     paths that are not one LUN        7  --detach: the device could not be released
  3  target unreachable)";

struct Options {
  ServeOptions serve;
  bool foreground = false;
  bool list = false;
  bool json = false;
  std::string detach;
  uint32_t detach_timeout_ms = 5000;
};

int List(const Options& o) {
  const auto states = ListStates(RunDir(o.serve.run_dir));
  if (o.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& s : states) {
      auto e = StateToJson(s);
      e["alive"] = ProcessAlive(s.pid);
      if (!ProcessAlive(s.pid)) e["state"] = "dead";
      j.push_back(e);
    }
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  for (const auto& s : states) {
    const bool alive = ProcessAlive(s.pid);
    fmt::print("{} lun {} {} bytes, block size {}, direct I/O {}, pid {}, state {}\n", s.device,
               s.lun, s.size_bytes, s.block_size, s.direct_io ? "on" : "off", s.pid,
               alive ? s.state : "dead (serving process not running; --detach cleans up)");
    if (s.paths.empty()) fmt::print("  target {}\n", s.target);
    for (const PathState& p : s.paths) {
      fmt::print("  path {} {}{}\n", p.state, p.target,
                 p.last_error.empty() || p.state == "running" ? "" : " (" + p.last_error + ")");
    }
  }
  return kExitOk;
}

}  // namespace
}  // namespace srp::attach

int main(int argc, char** argv) {
  using srp::attach::Options;
  Options o;
  bool verbose = false;
  CLI::App app{"srp-attach: an SRP LUN as a local block device (user-space initiator, FUSE, loop)"};
  app.footer(srp::attach::kFooter);
  app.add_option("TARGET", o.serve.targets,
                 "target string(s), one per path to the LUN: id_ext=..,ioc_guid=..,dgid=..,"
                 "pkey=..,service_id=.. or id_ext=..,ioc_guid=..,dest=ip:port");
  app.add_option("--lun", o.serve.lun, "logical unit number (default 1)")
      ->check(CLI::Range(0u, 16383u));
  app.add_flag("--foreground", o.foreground, "serve in the foreground until SIGTERM/SIGINT");
  app.add_flag("--list", o.list, "list attached devices and their state");
  app.add_flag("--json", o.json, "--list: print JSON");
  app.add_option("--detach", o.detach, "detach DEV (/dev/loopN) and log out");
  app.add_option("--run-dir", o.serve.run_dir,
                 "state directory (default $SRP_ATTACH_RUN_DIR or /run/srp-attach)");
  app.add_option("--fabric", o.serve.fabric, "auto | soft | verbs (default auto)");
  app.add_option("--timeout", o.serve.timeout_ms, "login and per-command timeout in ms (30000)")
      ->check(CLI::Range(1u, 3600000u));
  app.add_option("--reconnect-delay", o.serve.reconnect_delay,
                 "seconds between reconnect attempts, or off (10)");
  app.add_option("--fast-io-fail-tmo", o.serve.fast_io_fail_tmo,
                 "seconds after a connection loss until I/O fails with EIO, or off (15)");
  app.add_option("--dev-loss-tmo", o.serve.dev_loss_tmo,
                 "seconds after a connection loss until the path is lost, or off (600)");
  app.add_option("--path-policy", o.serve.path_policy, "failover | round-robin (failover)")
      ->check(CLI::IsMember({"failover", "round-robin"}));
  app.add_option("--threads", o.serve.threads, "FUSE worker threads (32)")
      ->check(CLI::Range(1u, 256u));
  app.add_option("--detach-timeout", o.detach_timeout_ms,
                 "--detach: ms for the flush and for the serving process to exit (5000)")
      ->check(CLI::Range(1u, 600000u));
  app.add_flag("-v,--verbose", verbose, "debug logging on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : srp::attach::kExitUsage;
  }
  srp::SetLogLevel(verbose ? srp::LogLevel::kDebug : srp::LogLevel::kWarning);
  const int modes =
      (o.list ? 1 : 0) + (o.detach.empty() ? 0 : 1) + (o.serve.targets.empty() ? 0 : 1);
  if (modes != 1) {
    fmt::print(stderr, "srp-attach: give exactly one of TARGET..., --list, --detach DEV\n");
    return srp::attach::kExitUsage;
  }
  if (o.list) return srp::attach::List(o);
  if (!o.detach.empty()) {
    srp::attach::DetachOptions d;
    d.run_dir = srp::attach::RunDir(o.serve.run_dir);
    d.flush_timeout = std::chrono::milliseconds(o.detach_timeout_ms);
    d.exit_timeout = std::chrono::milliseconds(o.detach_timeout_ms);
    return srp::attach::RunDetach(o.detach, d, std::cerr);
  }
  if (o.foreground) return srp::attach::ServeForeground(o.serve);
  return srp::attach::ServeInBackground(o.serve);
}
