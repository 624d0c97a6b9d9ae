// srp-daemon's core, after rdma-core's srp_daemon: discover SRP targets through every local
// CA port (the srp-discover walk: SA, then the DM agents), apply the srp_daemon.conf rules
// (srp-login's), and log in to the targets allowed -- by writing add_target of the port's
// srp host (srp-<ca>-<port>, ib_srp) or, with --userspace, by holding a user-space session
// per target (RemotePort: ib_srp's reconnect / fast_io_fail / dev_loss semantics).
//
// Never twice (EEXIST semantics): a target whose id_ext, ioc_guid and initiator_ext already
// have a connection on that port (a SCSI host of ib_srp, or a held session that is not lost)
// is not logged in again; a write that returns EEXIST counts as connected. A target that
// comes back after a restart is reconnected by its session (userspace) or, once its host is
// gone, written to add_target again (kernel).
//
// Threading: one thread (the caller's) runs scans and drives the sessions.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "ibsrpdm_compat/discovery_port.h"
#include "initiator_tools/initiator/remote_port.h"
#include "initiator_tools/srp_login/kernel_login.h"
#include "initiator_tools/srp_login/rules.h"
#include "lib/common/fs_root.h"
#include "lib/common/status.h"

namespace srp::daemon {

struct DaemonOptions {
  bool execute = false;        // -e: log in (else only discover and print)
  bool once = false;           // -o
  int rescan_seconds = 0;      // -R; 0 = kDefaultRescanSeconds unless -o
  bool print = false;          // -c: print the add_target line of each target to log in to
  bool initiator_ext = false;  // -n
  bool all = false;            // -a: also targets that are already connected
  bool dry_run = false;        // print `echo ... > add_target` instead of writing
  bool userspace = false;      // hold user-space sessions instead of writing add_target
  std::string rules_file;      // -f ("" = none)
  std::string sysfs_root = "/sys";
  discovery::PortSelection port;  // -d / -i -p / -j / --soft-port; empty = every CA port
  std::chrono::milliseconds mad_timeout{5000};  // -t (srp_daemon's default)
  int mad_retries = 3;                          // -r
  initiator::FailureTimeouts timeouts;          // --userspace sessions
  std::chrono::milliseconds login_timeout{5000};
  std::string run_dir;  // where status.json lives
};

// Without traps (we subscribe to none), a daemon that runs on rescans every this often.
inline constexpr int kDefaultRescanSeconds = 60;

enum class TargetState : uint8_t {
  kSeen,              // discovered; not logging in (-e not given)
  kDenied,            // a deny rule matched
  kConnected,         // add_target written, or a session logged in
  kAlreadyConnected,  // skipped: connected before us (SCSI host, EEXIST)
  kWouldConnect,      // --dry-run
  kFailed,            // the write or the login failed (retried at the next scan)
  kSession,           // --userspace: see the session's state
};
const char* TargetStateName(TargetState state);

struct TargetEntry {
  std::string line;  // the add_target text (rules applied)
  std::string port;  // local port it was discovered through
  std::string host;  // srp-<ca>-<port>
  TargetState state = TargetState::kSeen;
  int rule_line = 0;
  uint64_t logins = 0;  // logins made by this daemon (userspace: incl. reconnects)
  std::string last_error;
  uint64_t last_scan = 0;  // the scan that last saw it
  std::unique_ptr<initiator::RemotePort> session;
};

class SrpDaemon {
 public:
  // Opens the local ports and reads the rules. `out` receives -c lines and --dry-run
  // commands; notes go to the log.
  static Result<std::unique_ptr<SrpDaemon>> Create(const DaemonOptions& options, std::ostream& out);
  ~SrpDaemon();

  // One discovery pass over every port, logging in as the options say.
  Status Scan();
  // Re-reads the rules file (SIGHUP). On an error the old rules stay.
  Status ReloadRules();
  // Drives the held sessions; true when some session changed state.
  bool Progress();
  void ArmWait(std::vector<int>* fds, std::chrono::steady_clock::time_point* deadline);
  void AckWait();
  // Logs every held session out.
  void Shutdown();

  // The status document (`srp-daemon --status --json`).
  nlohmann::json StatusJson() const;
  const std::map<std::string, TargetEntry>& targets() const { return targets_; }
  uint64_t scans() const { return scans_; }

 private:
  struct LocalPort {
    std::string name;  // "umad mlx5_0 1", "soft NAME"
    login::SrpHost host;
    discovery::DiscoveryPort discovery;
    std::unique_ptr<fabric::Fabric> session_fabric;  // --userspace on an HCA port
    fabric::Fabric* fabric = nullptr;                // where sessions go
  };
  SrpDaemon(const DaemonOptions& options, std::ostream& out) : o_(options), out_(out) {}
  Status OpenPorts();
  Status OpenPort(const discovery::PortSelection& selection, login::SrpHost host);
  void Handle(LocalPort& port, const std::string& line);
  void LogInKernel(LocalPort& port, TargetEntry& e, const wire::TargetString& target);
  void LogInUserspace(LocalPort& port, TargetEntry& e, const wire::TargetString& target);

  DaemonOptions o_;
  std::ostream& out_;
  FsRoot sys_;
  login::LoginRules rules_;
  std::vector<std::unique_ptr<LocalPort>> ports_;
  std::map<std::string, TargetEntry> targets_;  // by "<port>|id_ext,ioc_guid,initiator_ext"
  std::map<std::string, initiator::PortState> last_states_;
  uint64_t scans_ = 0;
  std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
  std::chrono::system_clock::time_point last_scan_{};
};

}  // namespace srp::daemon
