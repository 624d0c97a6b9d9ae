#include "target/dm/dm_agent.h"

#include <algorithm>
#include <utility>

#include "lib/common/log.h"
#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/subnet_directory.h"
#include "lib/mad/sa_codec.h"

namespace srp::target {

using mad::Mad;

DmAgent::DmAgent(mad::MadPort& port, DmIdentity identity)
    : port_(port), identity_(std::move(identity)) {}

DmAgent::~DmAgent() { Stop(); }

mad::IoControllerProfile DmAgent::MakeProfile() const {
  mad::IoControllerProfile p;
  p.guid = identity_.ioc_guid;
  p.vendor_id = identity_.vendor_id & 0xffffff;
  p.device_id = identity_.device_id;
  p.device_version = identity_.device_version;
  p.subsys_vendor_id = identity_.vendor_id & 0xffffff;
  p.subsys_id = 0;
  p.io_class = mad::kSrpIoClass;
  p.io_subclass = mad::kSrpIoSubclass;
  p.protocol = mad::kSrpProtocol;
  p.protocol_version = mad::kSrpProtocolVersion;
  p.send_queue_depth = identity_.send_queue_depth;
  p.rdma_read_depth = kDmRdmaReadDepth;
  p.send_size = identity_.send_size;
  p.rdma_size = identity_.rdma_size;
  p.op_cap_mask = mad::kIocCapSendToIoc | mad::kIocCapSendFromIoc | mad::kIocCapRdmaReadFromIoc |
                  mad::kIocCapRdmaWriteFromIoc;
  p.num_service_entries = 1;
  p.id_string = identity_.id_string.substr(0, mad::kIocIdStringSize);
  return p;
}

namespace {

template <size_t N>
void PutData(Mad& resp, const std::array<std::byte, N>& data) {
  static_assert(N <= mad::kDmDataSize);
  std::copy(data.begin(), data.end(), resp.dm_data().begin());
}

// A GetResp (0x81) skeleton. Always GetResp, as LIO/SCST answer: MakeResponse
// would echo a GetTable request as GetTableResp, which is no DM method.
Mad DmResponse(const Mad& request, uint16_t status) {
  Mad resp = mad::MakeResponse(request, status);
  mad::MadHeader h = resp.header();
  h.method = mad::kMethodGetResp;
  resp.set_header(h);
  return resp;
}

// Validates a controller slot: 0 when it is slot 1, else the DM status.
uint16_t SlotStatus(uint32_t slot) {
  if (slot == 0 || slot > kDmMaxControllers) return mad::kStatusInvalidField;
  if (slot != kDmControllerSlot) return mad::kDmStatusNoIoc;
  return mad::kStatusOk;
}

}  // namespace

std::optional<Mad> DmAgent::HandleMad(const Mad& request) const {
  const mad::MadHeader h = request.header();
  if (h.base_version != mad::kBaseVersion || h.mgmt_class != mad::kClassDm ||
      h.class_version != mad::kDmClassVersion || request.is_response()) {
    return std::nullopt;
  }
  if (h.method != mad::kMethodGet && h.method != mad::kMethodSet) {
    return DmResponse(request, mad::kStatusUnsupportedMethod);
  }
  if (h.method == mad::kMethodSet) return DmResponse(request, mad::kStatusUnsupportedMethodAttr);
  switch (h.attr_id) {
    case mad::kAttrClassPortInfo: {
      mad::ClassPortInfo info;
      info.base_version = mad::kBaseVersion;
      info.class_version = mad::kDmClassVersion;
      info.resp_time_value = kDmRespTimeValue;
      Mad resp = DmResponse(request, mad::kStatusOk);
      PutData(resp, mad::EncodeClassPortInfo(info));
      return resp;
    }
    case mad::kAttrIoUnitInfo: {
      mad::IoUnitInfo info;
      info.change_id = 1;
      info.max_controllers = kDmMaxControllers;
      info.controllers[kDmControllerSlot - 1] = mad::kControllerPresent;
      Mad resp = DmResponse(request, mad::kStatusOk);
      PutData(resp, mad::EncodeIoUnitInfo(info));
      return resp;
    }
    case mad::kAttrIoControllerProfile: {
      uint16_t status = SlotStatus(h.attr_mod);
      if (status != mad::kStatusOk) return DmResponse(request, status);
      auto encoded = mad::EncodeIoControllerProfile(MakeProfile());
      if (!encoded.ok()) return DmResponse(request, mad::kStatusInvalidField);
      Mad resp = DmResponse(request, mad::kStatusOk);
      PutData(resp, *encoded);
      return resp;
    }
    case mad::kAttrServiceEntries: {
      const uint32_t slot = h.attr_mod >> 16;
      const uint32_t last = (h.attr_mod >> 8) & 0xff;
      const uint32_t first = h.attr_mod & 0xff;
      uint16_t status = SlotStatus(slot);
      if (status != mad::kStatusOk) return DmResponse(request, status);
      if (first > last || last > 0) return DmResponse(request, mad::kDmStatusNoIoc);
      const mad::ServiceEntry entry{mad::SrpServiceName(identity_.id_ext), identity_.service_id};
      auto encoded = mad::EncodeServiceEntries(std::span(&entry, 1));
      if (!encoded.ok()) return DmResponse(request, mad::kStatusInvalidField);
      Mad resp = DmResponse(request, mad::kStatusOk);
      PutData(resp, *encoded);
      return resp;
    }
    default:
      return DmResponse(request, mad::kStatusUnsupportedMethodAttr);
  }
}

Status DmAgent::Run(std::chrono::milliseconds poll) {
  if (thread_.joinable()) return Status(StatusCode::kAlreadyExists, "DM agent already running");
  stop_.store(false);
  thread_ = std::thread([this, poll] { Loop(poll); });
  return Status::Ok();
}

void DmAgent::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void DmAgent::Loop(std::chrono::milliseconds poll) {
  while (!stop_.load()) {
    auto received = port_.Receive(poll);
    if (!received.ok()) {
      if (received.status().code() != StatusCode::kTimedOut) {
        SRP_LOG(kWarning, "DM agent: receive failed: {}", received.status().ToString());
      }
      continue;
    }
    std::optional<Mad> resp = HandleMad(received->mad);
    if (!resp) {
      dropped_.fetch_add(1);
      continue;
    }
    Status sent = port_.Send(received->from, resp->wire());
    if (!sent.ok()) {
      SRP_LOG(kWarning, "DM agent: reply to LID {:#x} failed: {}", received->from.lid,
              sent.ToString());
      continue;
    }
    answered_.fetch_add(1);
  }
}

Status EnableDeviceManagementBit(fabric::Fabric& fabric) {
  if (!fabric::soft::SubnetDirectoryOf(fabric).ok()) {
    SRP_LOG(kInfo,
            "DM agent: cannot set PortInfo:CapabilityMask bit 19 from user space on this "
            "fabric; only srp-discover --probe-all (or a kernel agent) finds this target");
    return Status::Ok();
  }
  return fabric::soft::SetCapabilityMask(
      fabric, fabric.port().capability_mask | mad::kPortCapDeviceManagement);
}

}  // namespace srp::target
