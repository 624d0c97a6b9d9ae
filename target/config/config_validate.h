// The last step before a configuration is applied: CheckConfiguration plus
// the checks that need the file system (backing files of vdisk_fileio and
// vdisk_blockio devices exist) and per-handler required attributes.
//
// Contract for callers: parse, validate, and only then apply; a
// Configuration that failed either step is dropped whole, so nothing is
// ever half-applied.
#pragma once

#include "lib/common/fs_root.h"
#include "lib/common/status.h"
#include "target/config/config_model.h"

namespace srp::target::config {

// The first problem as "<file>:<line>: <what>", naming the DEVICE line for
// device problems:
// - vdisk_fileio/vdisk_blockio: `filename` is required, absolute, and exists
//   below `fs`;
// - vdisk_memory: `size` (bytes) is required, > 0 and a multiple of the
//   block size;
// - vdisk_nullio: `size`, when given, is a multiple of the block size.
Status ValidateConfiguration(const Configuration& config, const FsRoot& fs);

}  // namespace srp::target::config
