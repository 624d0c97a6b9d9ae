// The LUNs `srp-target serve` exports when no --config is given.
#pragma once

#include <memory>

#include "lib/common/status.h"
#include "target/scsi/lun_map.h"

namespace srp::target {

struct DefaultLunOptions {
  uint32_t queue_depth = 64;  // per LUN (TASK SET FULL / BUSY beyond)
  uint64_t memory_bytes = 64u << 20;
};

// LUN 0: "null0", a NullBackend (vdisk_nullio); LUN 1: "mem1", a writable MemoryBackend.
Result<std::shared_ptr<LunMap>> MakeDefaultLuns(const DefaultLunOptions& options = {});

}  // namespace srp::target
