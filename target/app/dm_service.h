// DmService: the DM agent of one served port, with the MAD port it runs on.
//
// soft fabric: opens a soft MadPort on the fabric's own soft port, starts a
// DmAgent (target/dm) on it, and only then sets PortInfo:CapabilityMask bit 19,
// so an SA cap-mask query never finds a port whose agent is not answering yet.
// verbs fabric: opens a umad MadPort on the same HCA port (libibumad) and runs
// the agent there; the capability bit cannot be set from user space (§5.3), so
// only `srp-discover --probe-all` (or a kernel agent setting the bit) finds it.
//
// Stop()/destruction stops the agent thread before the MadPort is closed.
#pragma once

#include <memory>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/mad/mad_port.h"
#include "target/dm/dm_agent.h"
#include "target/engine/engine_config.h"

namespace srp::target {

// The DM identity of a target port: GUIDs from the running target, sizes from
// its configuration, vendor/device from the port attributes.
DmIdentity MakeDmIdentity(const fabric::Fabric& fabric, const TargetConfig& config, uint64_t id_ext,
                          uint64_t ioc_guid);

class DmService {
 public:
  // Starts the agent for `identity` on `fabric`'s port. `fabric` must outlive
  // the service. kNotSupported for a backend without a MAD path.
  static Result<std::unique_ptr<DmService>> Start(fabric::Fabric& fabric,
                                                  const DmIdentity& identity);
  ~DmService();
  DmService(const DmService&) = delete;
  DmService& operator=(const DmService&) = delete;

  void Stop();
  const DmAgent& agent() const { return *agent_; }

 private:
  DmService() = default;
  std::unique_ptr<mad::MadPort> port_;
  std::unique_ptr<DmAgent> agent_;
};

}  // namespace srp::target
