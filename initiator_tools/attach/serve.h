// srp-attach's serving process: logs in over every path, serves the LUN as a FUSE file,
// binds a loop device to it, keeps the state file current, and detaches:
//   - SIGUSR1 (sent by `srp-attach --detach`, which releases the loop device itself):
//     I/O that cannot go out at once fails from now on; once the loop device no longer
//     uses our file, unmount, log out and exit;
//   - SIGTERM / SIGINT / SIGHUP, or every path lost (dev_loss_tmo: the LUN is removed):
//     start `srp-attach --detach DEV` as a separate process (never a flush through the loop
//     device from the process that serves it) and go on as for SIGUSR1.
#pragma once

#include <string>
#include <vector>

namespace srp::attach {

struct ServeOptions {
  std::vector<std::string> targets;  // one per path
  uint32_t lun = 1;
  std::string run_dir;
  std::string fabric = "auto";
  uint32_t timeout_ms = 30000;  // login and per-command timeout
  std::string reconnect_delay = "10";
  std::string fast_io_fail_tmo = "15";
  std::string dev_loss_tmo = "600";
  std::string path_policy = "failover";
  unsigned threads = 32;  // FUSE worker threads
};

// Exit codes shared by attach and detach.
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

// Serves in this process until detached; prints the device (or the error) on stdout/stderr.
int ServeForeground(const ServeOptions& options);
// Forks a serving process detached from the terminal; prints its device once it is ready.
int ServeInBackground(const ServeOptions& options);

}  // namespace srp::attach
