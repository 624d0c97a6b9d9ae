// The `verbs` fabric backend: a thin translation of the seam onto rdma-core
// (libibverbs + librdmacm). Cannot run without an RDMA device; unit-tested
// against a mock of the call layer (verbs_api.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"

namespace srp::fabric::verbs {

struct VerbsFabricOptions {
  std::string device;  // "" = first device with an active port
  uint8_t port = 1;
};

// True when rdma-core lists at least one RDMA device on this host.
bool AnyRdmaDevicePresent();

Result<std::unique_ptr<Fabric>> OpenVerbsFabric(const VerbsFabricOptions& options);

}  // namespace srp::fabric::verbs
