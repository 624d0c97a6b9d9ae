// srp-io's parsed command line and its exit codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lib/common/status.h"

namespace srp::srp_io {

// Exit codes (also listed in --help).
enum ExitCode : int {
  kExitOk = 0,
  kExitScsiError = 1,    // a SCSI command ended with a non-GOOD status, or a local I/O error
  kExitUsage = 2,        // bad arguments or target string
  kExitUnreachable = 3,  // target not reachable / connect timed out
  kExitRejected = 4,     // the target rejected the login (SRP_LOGIN_REJ)
  kExitMiscompare = 5,   // verify found different data
  kExitSessionLost = 6,  // the session ended or a command timed out during I/O
};

// The exit code for a failed Status.
int ExitCodeFor(const Status& status);

struct IoOptions {
  std::string command;  // luns | inquiry | readcap | read | write | verify
  std::string target;
  uint32_t lun = 0;
  uint64_t offset = 0;
  std::optional<uint64_t> size;
  bool json = false;
  std::string fabric = "auto";
  std::optional<uint64_t> pattern_seed;
  std::string output_file;
  std::string input_file;
  uint32_t bs = 1u << 20;
  uint32_t queue_depth = 8;
  bool no_immediate = false;
  uint32_t timeout_ms = 30000;
};

}  // namespace srp::srp_io
