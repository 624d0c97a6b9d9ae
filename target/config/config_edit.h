// Edits of a Configuration model: the operations of scstadmin (and so of srp-admin and the
// control socket) expressed on the file model. A running target applies an edit by editing a
// copy of its model and reloading that copy (live_config.h); srp-admin -config FILE edits the
// file the same way. Every edit either succeeds whole or leaves the model untouched, and
// reports a clear error: unknown names, duplicates, LUNs in use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/common/status.h"
#include "target/config/config_model.h"

namespace srp::target::config {

struct ConfigEdit {
  enum class Op {
    kOpenDevice,       // device, handler, attributes
    kCloseDevice,      // device (refused while a LUN maps it)
    kAddLun,           // target, group (empty = default set), lun, device
    kRemoveLun,        // target, group, lun
    kAddGroup,         // target, group
    kRemoveGroup,      // target, group
    kAddInitiator,     // target, group, initiator
    kRemoveInitiator,  // target, group, initiator
    kEnableTarget,     // target
    kDisableTarget,    // target
    kClearConfig,      // everything
  };
  Op op = Op::kOpenDevice;
  std::string driver = std::string(kDriverIbSrpt);
  std::string target;  // empty: the only TARGET of the driver
  std::string group;
  std::string device;
  std::string handler;
  std::string initiator;
  uint64_t lun = 0;
  std::vector<std::pair<std::string, std::string>> attributes;
};

// Stable names of the operations ("open_dev", "add_lun" ...), used on the control socket.
std::string_view ConfigEditOpName(ConfigEdit::Op op);
Result<ConfigEdit::Op> ParseConfigEditOp(std::string_view name);

// Applies `edit` to `config`, then CheckConfiguration. On error `config` is unchanged.
// A target named in the edit that does not exist yet is created by kAddLun / kAddGroup /
// kEnableTarget (as scstadmin creates ib_srpt targets for ports); group "Default"
// (case-insensitive) means the target's default LUN set, as in scstadmin -assigndev.
Status ApplyConfigEdit(Configuration& config, const ConfigEdit& edit);

// "k=v,k2=v2" (scstadmin -attributes) -> pairs; an error names the bad item.
Result<std::vector<std::pair<std::string, std::string>>> ParseAttributeList(std::string_view text);

}  // namespace srp::target::config
