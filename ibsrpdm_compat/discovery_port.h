// Which port srp-discover sends its MADs from (ibsrpdm's `-d`, plus the soft
// subnet): selection rules, kept apart from the protocol and the CLI.
//
//   -d /dev/infiniband/umadN (or umadN)  -> the HCA port named by
//        <sys>/class/infiniband_mad/umadN/{ibdev,port}, through libibumad;
//   ca + ca_port (srp_daemon -i/-p, -j)  -> that HCA port, through libibumad;
//   --soft-port NAME                      -> soft port NAME of the soft subnet:
//        opened as is if a live process published it (and has no MadPort open
//        on it), else published by us for the run;
//   neither                               -> libibumad's default CA port if an
//        RDMA device exists (<sys>/class/infiniband non-empty), else the soft
//        subnet ($SRP_SOFT_FABRIC or the default directory) through a soft port
//        of our own with a generated name, else kNotFound.
// Every sysfs read goes through `sys` (an FsRoot standing in for /sys).
#pragma once

#include <memory>
#include <string>

#include "lib/common/fs_root.h"
#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/mad/mad_port.h"

namespace srp::discovery {

struct PortSelection {
  std::string umad_device;  // -d
  std::string ca;           // srp_daemon's -i / -j: this CA ...
  int ca_port = 0;          // ... and port (umad)
  std::string soft_port;    // --soft-port
  std::string subnet_dir;   // "" = $SRP_SOFT_FABRIC, else the default directory
};

// An open MAD port and what keeps it alive (the soft port we published).
// Members are destroyed port first.
struct DiscoveryPort {
  std::unique_ptr<fabric::Fabric> soft_fabric;  // only when we published the port
  std::unique_ptr<mad::MadPort> port;
  std::string description;  // "umad mlx5_0 port 1", "soft port NAME"
};

// umadN -> (ibdev, port) from sysfs. kNotFound/kInvalidArgument with the path.
Result<std::pair<std::string, int>> ResolveUmadDevice(const FsRoot& sys, const std::string& device);

Result<DiscoveryPort> OpenDiscoveryPort(const PortSelection& selection, const FsRoot& sys);

}  // namespace srp::discovery
