#include "target/app/dm_service.h"

#include <algorithm>
#include <utility>

#include "lib/common/log.h"
#include "lib/fabric/soft/subnet_directory.h"
#include "lib/mad/soft/soft_mad_port.h"
#include "lib/mad/umad/umad_mad_port.h"

namespace srp::target {

DmIdentity MakeDmIdentity(const fabric::Fabric& fabric, const TargetConfig& config, uint64_t id_ext,
                          uint64_t ioc_guid) {
  const fabric::PortAttributes& port = fabric.port();
  DmIdentity id;
  id.ioc_guid = ioc_guid;
  id.id_ext = id_ext;
  id.service_id = config.service_id;
  id.vendor_id = port.vendor_id & 0xffffff;
  id.device_id = port.vendor_part_id;
  id.device_version = static_cast<uint16_t>(port.hw_ver);
  id.send_size = config.srp_max_message_size;
  id.rdma_size = config.srp_max_rdma_size;
  // The credits a channel starts with (§5.2: min(128, max_qp_wr) on LIO/SCST).
  id.send_queue_depth = static_cast<uint16_t>(std::min<uint32_t>(config.ring_size, 0xffff));
  return id;
}

Result<std::unique_ptr<DmService>> DmService::Start(fabric::Fabric& fabric,
                                                    const DmIdentity& identity) {
  std::unique_ptr<DmService> svc(new DmService());
  auto subnet = fabric::soft::SubnetDirectoryOf(fabric);
  if (subnet.ok()) {
    auto port = mad::OpenSoftMadPort(*subnet, fabric.port().device_name);
    if (!port.ok()) return port.status();
    svc->port_ = std::move(port).value();
  } else if (fabric.backend_name() == "verbs") {
    mad::umad::UmadPortOptions umad_options;
    umad_options.serve_dm = true;
    auto port =
        mad::umad::OpenUmadMadPort(fabric.port().device_name, fabric.port().port_num, umad_options);
    if (!port.ok()) return port.status();
    svc->port_ = std::move(port).value();
  } else {
    return Status(StatusCode::kNotSupported,
                  "no MAD path for fabric backend " + fabric.backend_name());
  }
  svc->agent_ = std::make_unique<DmAgent>(*svc->port_, identity);
  if (Status st = svc->agent_->Run(); !st.ok()) return st;
  if (Status st = EnableDeviceManagementBit(fabric); !st.ok()) {
    svc->Stop();
    return st;
  }
  SRP_LOG(kInfo, "DM agent on {} port {} (LID {:04x}): SRP.T10:{:016x}", fabric.port().device_name,
          fabric.port().port_num, fabric.port().lid, identity.id_ext);
  return svc;
}

DmService::~DmService() { Stop(); }

void DmService::Stop() {
  if (agent_) agent_->Stop();
}

}  // namespace srp::target
