// Restore-on-signal for a KnobSet: SIGINT/SIGTERM restore the system before
// the process dies.
//
// Mechanism (self-pipe): the async-signal-safe handler only writes the signal
// number to a pipe; a watcher thread reads it, calls KnobSet::RestoreAll()
// (which takes the KnobSet's mutex, so it waits for an Apply in progress),
// then resets the signal to its default action and re-raises it, so the
// process exits with the usual "killed by SIGINT/SIGTERM" status.
// SIGKILL cannot be caught: the restore journal covers it.
// At most one guard may be installed at a time.
#pragma once

#include <memory>
#include <thread>

#include "lib/common/status.h"
#include "tuning/knob_set.h"

namespace srp::tuning {

class SignalRestoreGuard {
 public:
  // Reinstalls the previous handlers and stops the watcher thread.
  ~SignalRestoreGuard();
  SignalRestoreGuard(const SignalRestoreGuard&) = delete;
  SignalRestoreGuard& operator=(const SignalRestoreGuard&) = delete;

 private:
  friend Result<std::unique_ptr<SignalRestoreGuard>> InstallRestoreOnSignals(KnobSet* set);
  SignalRestoreGuard(KnobSet* set, int read_fd, int write_fd);
  void Watch();

  KnobSet* set_;
  int read_fd_;
  int write_fd_;
  std::thread watcher_;
};

// REQUIRES: `set` outlives the guard. AlreadyExists if a guard is installed.
Result<std::unique_ptr<SignalRestoreGuard>> InstallRestoreOnSignals(KnobSet* set);

}  // namespace srp::tuning
