// srp-attach's run directory: one JSON file per attached device ("<run>/loop3.json") naming
// the device, target, LUN, FUSE mount point and the pid of the process serving it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lib/common/status.h"

namespace srp::attach {

struct AttachState {
  std::string device;  // "/dev/loop3"
  std::string target;  // the target string logged in to
  uint32_t lun = 0;
  std::string mountpoint;  // FUSE mount holding the file "lun"
  pid_t pid = 0;
  uint32_t block_size = 0;
  uint64_t size_bytes = 0;
  bool direct_io = false;
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
