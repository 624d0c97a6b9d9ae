// Test seam of the verbs backend: open a fabric on an injected VerbsApi.
#pragma once

#include <memory>

#include "lib/fabric/verbs/verbs_api.h"
#include "lib/fabric/verbs/verbs_fabric.h"

namespace srp::fabric::verbs {

// OpenVerbsFabric with `api` instead of RealVerbsApi(). Device selection:
// options.device names the device (NotFound otherwise); "" takes the first
// device whose port options.port is ACTIVE. No device at all -> kUnavailable
// "no RDMA device found; use --fabric soft".
Result<std::unique_ptr<Fabric>> OpenVerbsFabricWithApi(std::shared_ptr<VerbsApi> api,
                                                       const VerbsFabricOptions& options);

// AnyRdmaDevicePresent on an injected VerbsApi (ibv_get_device_list non-empty).
bool AnyRdmaDevicePresentWithApi(VerbsApi& api);

}  // namespace srp::fabric::verbs
