// The `soft` fabric backend: user-space emulation of RC queue pairs, memory
// keys, RDMA READ/WRITE and connection management between processes.
// See docs/soft-fabric-protocol.md for the wire protocol and the subnet directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"

namespace srp::fabric::soft {

struct SoftFabricOptions {
  // Soft-subnet directory; "" = $SRP_SOFT_FABRIC, else DefaultSubnetDir().
  std::string subnet_dir;
  // Port name, unique in the subnet; "" = generated ("<hostname>-<pid>-<n>").
  std::string port_name;
  // Identity; 0 = derived deterministically from the port name.
  uint64_t node_guid = 0;
  uint64_t port_guid = 0;
  uint16_t lid = 0;
  uint32_t capability_mask = 0;
  uint64_t subnet_prefix = 0xfe80000000000000ull;
  // Addresses published for IP-form (RDMA CM) connections, e.g. "127.0.0.1".
  std::vector<std::string> ip_addresses;
};

// $SRP_SOFT_FABRIC if set, else $XDG_RUNTIME_DIR/srp-soft-fabric, else /run/srp-soft-fabric.
std::string DefaultSubnetDir();

// Opens (creates and publishes) a soft port in the subnet directory.
Result<std::unique_ptr<Fabric>> OpenSoftFabric(const SoftFabricOptions& options);

}  // namespace srp::fabric::soft
