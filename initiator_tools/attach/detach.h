// srp-attach --detach: releases a loop device from a process other than the one serving it,
// so the flush through the loop device can never wait on itself, and finishes within
// seconds whatever the target does:
//   1. tell the serving process (SIGUSR1) that a detach started: from now on I/O that
//      cannot go out at once fails with EIO instead of waiting for the target;
//   2. on a worker thread: flush the device (fsync), LOOP_CLR_FD, close -- watched: past
//      `flush_timeout` the FUSE connection is aborted (/sys/fs/fuse/connections/N/abort),
//      which ends every request of it at once;
//   3. wait for the serving process to notice and exit (it unmounts and logs out); past
//      `exit_timeout` kill it;
//   4. clean up what is left: the FUSE mount (aborted, lazily unmounted), its directory, the
//      state file.
// With the serving process already dead, steps 1 and 3 are skipped and nothing is flushed.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "initiator_tools/attach/attach_state.h"
#include "lib/common/fs_root.h"
#include "lib/common/status.h"

namespace srp::attach {

struct DetachOptions {
  std::string run_dir;
  std::chrono::milliseconds flush_timeout{5000};
  std::chrono::milliseconds exit_timeout{5000};
};

// Exit codes of --detach (main.cc prints them in --help).
inline constexpr int kDetachOk = 0;
inline constexpr int kDetachUsage = 2;
inline constexpr int kDetachBusy = 5;
inline constexpr int kDetachNotFound = 6;
inline constexpr int kDetachFailed = 7;

int RunDetach(const std::string& device, const DetachOptions& options, std::ostream& err);

// The FUSE connection number of the mount at `mountpoint` (its minor device number, from
// /proc/self/mountinfo, without touching the mount itself); 0 when not mounted.
unsigned FuseConnectionOf(const FsRoot& fs, const std::string& mountpoint);
// Writes "1" to /sys/fs/fuse/connections/<connection>/abort (mounting fusectl first when
// needed).
Status AbortFuseConnection(const FsRoot& fs, unsigned connection);
// True while /sys/block/<loopN>/loop/backing_file names a file under `mountpoint`.
bool LoopBackedBy(const FsRoot& fs, const std::string& device, const std::string& mountpoint);

}  // namespace srp::attach
