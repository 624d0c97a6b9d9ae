// srp-admin command line: scstadmin's spellings (one dash, long names) of both generations.
//
//   old (scstadmin 1.x)                     current scstadmin
//   -adddev N -path P -handler H            -open_dev N -handler H -attributes k=v,...
//           [-options NV_CACHE,...]
//   -assigndev N -group G -lun L            -add_lun L -driver ib_srpt -target T [-group G]
//                                                   -device N
//   -WriteConfig FILE                       -write_config FILE
//   -ClearConfig [FILE]                     -clear_config
//   also: -close_dev N, -rem_lun L, -add_group G, -rem_group G, -add_init I -group G,
//         -rem_init I -group G, -enable_target T, -disable_target T, -list_device,
//         -list_sessions, -config FILE
// Our options: --run-dir DIR, --socket PATH, --json, --help (also -h, -help), -reload.
// scstadmin's -noprompt / -force / -nonkey are accepted and ignored.
//
// Where a verb acts: on the running target (its control socket, found in the run directory)
// unless `-config FILE` is given, then on FILE (edited transactionally; a missing FILE starts
// empty). `-config FILE` alone applies FILE to the running target.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lib/common/status.h"
#include "target/config/config_edit.h"

namespace srp::target::admin {

enum class AdminVerb {
  kHelp,
  kEdit,         // open_dev, add_lun ... (edit below)
  kWriteConfig,  // file
  kListDevices,
  kListSessions,
  kApplyConfig,  // -config FILE alone
  kReload,
};

struct AdminCommand {
  AdminVerb verb = AdminVerb::kHelp;
  config::ConfigEdit edit;
  std::string file;         // -WriteConfig / -write_config FILE
  std::string config_file;  // -config FILE
  std::string run_dir;      // --run-dir
  std::string socket;       // --socket
  bool json = false;
};

// Exit codes of srp-admin.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // the target or the file refused the operation
inline constexpr int kExitUsage = 2;     // bad command line
inline constexpr int kExitNoTarget = 3;  // no (single) running target / socket unreachable

// Errors are kInvalidArgument with a message for the user ("-add_lun needs -device NAME").
Result<AdminCommand> ParseAdminArgs(const std::vector<std::string>& args);

// The --help text (usage, verbs, examples, exit codes).
std::string AdminHelpText();

}  // namespace srp::target::admin
