// The procfs-era scst.conf format of the 2009 scstadmin (-WriteConfig and
// -ClearConfig, reference §8):
//
//   [HANDLER vdisk]
//   DEVICE <name>,<path>,<options>,<block size>     options: NV_CACHE|READ_ONLY|...
//   [HANDLER dev_disk]
//   DEVICE <name>
//   [GROUP <name>]
//   USER <initiator wwn>
//   [ASSIGNMENT <group>]
//   DEVICE <name>,<lun>
//
// The old vdisk handler covered file, block and null devices through the
// BLOCKIO and NULLIO options; other options map to our boolean attributes
// (NV_CACHE→nv_cache, WRITE_THROUGH→write_through, READ_ONLY→read_only,
// O_DIRECT→o_direct, REMOVABLE→removable). Groups were global then (every
// target served them); group "Default" is the LUN set of initiators in no
// group.
//
// The format is narrower than the current one. The writer drops, each with a
// "# not representable" comment line: vdisk_memory devices, device attributes
// without an option, LUN attributes, driver/target/group attributes and every
// target but the first of ib_srpt.
#pragma once

#include <string>
#include <string_view>

#include "lib/common/status.h"
#include "target/config/config_model.h"

namespace srp::target::config {

inline constexpr std::string_view kLegacyDefaultGroup = "Default";

std::string WriteLegacyConfig(const Configuration& config);

// Parses the old format into handlers and one ib_srpt target named
// `target_name` (the old file names no target), then runs CheckConfiguration.
// Errors: "<file>:<line>: <what>".
Result<Configuration> ParseLegacyConfig(std::string_view text, std::string_view file_name,
                                        std::string_view target_name);

}  // namespace srp::target::config
