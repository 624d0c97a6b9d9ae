#include "lib/fabric/select.h"

#include <fmt/format.h>

#include "lib/common/log.h"
#include "lib/fabric/verbs/verbs_fabric.h"

namespace srp::fabric {

Result<FabricKind> ParseFabricKind(std::string_view text) {
  if (text == "auto") return FabricKind::kAuto;
  if (text == "soft") return FabricKind::kSoft;
  if (text == "verbs") return FabricKind::kVerbs;
  return InvalidArgument(fmt::format("unknown fabric '{}' (expected auto, soft or verbs)", text));
}

const char* FabricKindName(FabricKind kind) {
  switch (kind) {
    case FabricKind::kAuto: return "auto";
    case FabricKind::kSoft: return "soft";
    case FabricKind::kVerbs: return "verbs";
  }
  return "?";
}

bool RdmaDevicePresent(const FsRoot& fs) {
  auto entries = fs.ListDir("/sys/class/infiniband");
  return entries.ok() && !entries->empty();
}

FabricKind ResolveFabricKind(FabricKind requested, const FsRoot& fs) {
  if (requested != FabricKind::kAuto) return requested;
  return RdmaDevicePresent(fs) ? FabricKind::kVerbs : FabricKind::kSoft;
}

Result<std::unique_ptr<Fabric>> OpenFabric(const FabricSelection& selection, const FsRoot& fs) {
  FabricKind kind = ResolveFabricKind(selection.kind, fs);
  const char* why = "";
  if (selection.kind == FabricKind::kAuto)
    why = kind == FabricKind::kVerbs ? " (auto: an RDMA device is present)"
                                     : " (auto: no RDMA device under /sys/class/infiniband)";
  if (kind == FabricKind::kVerbs) {
    verbs::VerbsFabricOptions options;
    options.device = selection.device;
    options.port = selection.port;
    auto fabric = verbs::OpenVerbsFabric(options);
    if (!fabric.ok()) return fabric.status().WithContext("verbs fabric");
    SRP_LOG(kInfo, "fabric: verbs {}:{}{}", (*fabric)->port().device_name,
            (*fabric)->port().port_num, why);
    return fabric;
  }
  soft::SoftFabricOptions options = selection.soft;
  if (options.port_name.empty()) options.port_name = selection.device;
  auto fabric = soft::OpenSoftFabric(options);
  if (!fabric.ok()) return fabric.status().WithContext("soft fabric");
  SRP_LOG(kInfo, "fabric: soft port {}{}", (*fabric)->port().device_name, why);
  return fabric;
}

}  // namespace srp::fabric
