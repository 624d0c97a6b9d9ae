// ServedPorts: what `srp-target serve` runs — one fabric and one SrpTarget per
// port name, all sharing one TargetConfig (same LunMap, same id_ext/ioc_guid:
// one SRP target "with several ports", as ib_srpt has one per HCA port), plus
// a DM agent on each port (dm_service.h) unless disabled.
//
// Identity: id_ext/ioc_guid not set in the config become the node GUID of the
// FIRST port and are used for every port. The RDMA CM (IP) listener is opened
// on the first port only (one IP port can be bound once).
//
// Stable identity: a soft port without a name gets DefaultSoftPortName(): a restarted target
// with the same arguments publishes the same name, GUIDs and GID, so initiators reconnect.
//
// Start order: fabric -> target -> DM agent for each port in turn (the agent
// advertises only a port whose listener is up); Stop order: agents, targets,
// fabrics. A failure at any step undoes the steps done.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/common/fs_root.h"
#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/fabric/select.h"
#include "target/app/dm_service.h"
#include "target/engine/srp_target.h"

namespace srp::target {

struct ServedPortsOptions {
  fabric::FabricKind kind = fabric::FabricKind::kAuto;
  // soft: port names; verbs: device names ("" = first device). Empty = one
  // port with a generated name / the first device. Duplicates are refused.
  std::vector<std::string> port_names;
  // soft: the first port's node / port GUID (0 = derived from its name, see
  // lib/fabric/soft/subnet_directory.h).
  uint64_t node_guid = 0;
  uint64_t port_guid = 0;
  // Run a DM agent on every port (soft: also sets capability bit 19).
  bool dm_agent = true;
  // verbs: a failing DM agent (no umad device, class owned by ib_srpt) is
  // logged and the target serves without it; soft: it is an error.
  FsRoot fs = FsRoot("/");
  // Called for each port after its fabric is open and before its SrpTarget starts, with the
  // port's attributes and that port's copy of the TargetConfig: lets the caller give each
  // port its own TARGET (ACL table, rel_tgt_id, name). An error stops Start. Optional.
  std::function<Status(const fabric::PortAttributes& port, TargetConfig& config)> configure_port;
};

// "<hostname>-srpt", or "<hostname>-srpt-<n>" (n = 2..16) for the n-th target serving at once
// on this host in that subnet (`taken(name)` says a live process holds a name).
std::string DefaultSoftPortName(const std::function<bool(const std::string&)>& taken);

class ServedPorts {
 public:
  static Result<std::unique_ptr<ServedPorts>> Start(const ServedPortsOptions& options,
                                                    TargetConfig config);
  ~ServedPorts();  // Stop()
  ServedPorts(const ServedPorts&) = delete;
  ServedPorts& operator=(const ServedPorts&) = delete;

  // Stops the DM agents, then every target (logout, drain). Idempotent.
  void Stop();

  // login_lines() of every target, port by port.
  std::vector<std::string> login_lines() const;
  size_t size() const { return ports_.size(); }
  SrpTarget& target(size_t i) { return *ports_.at(i).target; }
  fabric::Fabric& fabric(size_t i) { return *ports_.at(i).fabric; }
  // The port's DM service, or nullptr when it runs without one.
  const DmService* dm(size_t i) const { return ports_.at(i).dm.get(); }

 private:
  struct Port {
    std::unique_ptr<fabric::Fabric> fabric;
    std::unique_ptr<SrpTarget> target;
    std::unique_ptr<DmService> dm;
  };
  ServedPorts() = default;
  std::vector<Port> ports_;
};

}  // namespace srp::target
