// Backend selection for `--fabric auto|soft|verbs` style options.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lib/common/fs_root.h"
#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/soft_fabric.h"

namespace srp::fabric {

enum class FabricKind { kAuto, kSoft, kVerbs };

// Parses "auto", "soft", "verbs" (exact, lower case).
Result<FabricKind> ParseFabricKind(std::string_view text);
const char* FabricKindName(FabricKind kind);

struct FabricSelection {
  FabricKind kind = FabricKind::kAuto;
  // verbs: device name ("" = first); soft: port name ("" = generated).
  std::string device;
  uint8_t port = 1;
  soft::SoftFabricOptions soft;  // used when the soft backend is chosen (device -> port_name)
};

// True if /sys/class/infiniband (below `fs`) lists any RDMA device.
bool RdmaDevicePresent(const FsRoot& fs);

// Resolves kAuto: verbs if an RDMA device exists, else soft.
FabricKind ResolveFabricKind(FabricKind requested, const FsRoot& fs);

// Opens the chosen backend and logs one line naming the backend (and, for
// auto, why it was chosen).
Result<std::unique_ptr<Fabric>> OpenFabric(const FabricSelection& selection,
                                           const FsRoot& fs = FsRoot("/"));

}  // namespace srp::fabric
