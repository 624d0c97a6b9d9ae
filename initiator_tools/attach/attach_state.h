// srp-attach's run directory: one JSON file per attached device ("<run>/loop3.json") naming
// the device, its target(s) (one per path), LUN, FUSE mount point and connection, the pid of
// the process serving it, and its live state (rewritten by that process whenever a path
// changes state): "running", "blocked", "fail-fast", "lost" or "detaching", per path too.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lib/common/status.h"

namespace srp::attach {

struct PathState {
  std::string target;
  std::string state;  // PortStateName()
  uint64_t reconnects = 0;
  uint64_t failed_reconnects = 0;
  uint64_t commands = 0;
  std::string last_error;
};

struct AttachState {
  std::string device;  // "/dev/loop3"
  std::string target;  // the (first) target string logged in to
  uint32_t lun = 0;
  std::string mountpoint;  // FUSE mount holding the file "lun"
  pid_t pid = 0;
  uint32_t block_size = 0;
  uint64_t size_bytes = 0;
  bool direct_io = false;
  unsigned fuse_connection = 0;  // /sys/fs/fuse/connections/<n> (0 = unknown)
  std::string state = "running";
  std::string policy = "failover";
  std::string timeouts;  // "reconnect_delay=10,fast_io_fail_tmo=15,dev_loss_tmo=600"
  std::vector<PathState> paths;
  uint64_t unmap_commands = 0;       // sent for discards (fallocate PUNCH_HOLE)
  uint64_t write_same_commands = 0;  // sent for zero ranges (and discards without LBPRZ)
};

// --run-dir, else $SRP_ATTACH_RUN_DIR, else /run/srp-attach.
std::string RunDir(const std::string& flag);
// "/dev/loop3" or "loop3" -> "loop3"; empty for anything else.
std::string DeviceName(const std::string& device);

nlohmann::json StateToJson(const AttachState& state);
Result<AttachState> StateFromJson(const nlohmann::json& j);

// Creates the run directory (0700) when missing.
Status EnsureRunDir(const std::string& run_dir);
// Written atomically (temporary file + rename).
Status WriteState(const std::string& run_dir, const AttachState& state);
Status RemoveState(const std::string& run_dir, const std::string& device);
// Every readable state file, sorted by device; unreadable files are skipped with a warning.
std::vector<AttachState> ListStates(const std::string& run_dir);
// True when `pid` names a live (not zombie) process.
bool ProcessAlive(pid_t pid);

}  // namespace srp::attach
