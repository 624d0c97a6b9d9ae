// Fabric for the verbs backend: device/port selection, port attributes, the
// protection domain, and memory registration. Connections, listeners and CQs
// live in their own files.
#include <endian.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "lib/common/log.h"
#include "lib/fabric/verbs/translate.h"
#include "lib/fabric/verbs/verbs_common.h"
#include "lib/fabric/verbs/verbs_connection.h"
#include "lib/fabric/verbs/verbs_cq.h"
#include "lib/fabric/verbs/verbs_fabric_internal.h"
#include "lib/fabric/verbs/verbs_listener.h"

namespace srp::fabric::verbs {
namespace {

constexpr const char* kNoDevice = "no RDMA device found; use --fabric soft";

class VerbsMemoryRegion final : public MemoryRegion {
 public:
  VerbsMemoryRegion(std::shared_ptr<DeviceContext> dev, ibv_mr* mr, void* addr, size_t length,
                    uint32_t access)
      : dev_(std::move(dev)), mr_(mr), addr_(addr), length_(length), access_(access) {}
  ~VerbsMemoryRegion() override {
    if (int rc = dev_->api->DeregMr(mr_); rc != 0)
      SRP_LOG(kWarning, "{}", ErrnoStatus(rc, "ibv_dereg_mr").ToString());
  }
  void* addr() const override { return addr_; }
  size_t length() const override { return length_; }
  uint32_t lkey() const override { return mr_->lkey; }
  uint32_t rkey() const override { return mr_->rkey; }
  uint32_t access() const override { return access_; }

 private:
  std::shared_ptr<DeviceContext> dev_;
  ibv_mr* mr_;
  void* addr_;
  size_t length_;
  uint32_t access_;
};

class VerbsFabric final : public Fabric {
 public:
  explicit VerbsFabric(std::shared_ptr<DeviceContext> dev) : dev_(std::move(dev)) {}

  std::string backend_name() const override { return "verbs"; }
  const PortAttributes& port() const override { return dev_->port; }

  Result<std::unique_ptr<MemoryRegion>> RegisterMemory(void* addr, size_t length,
                                                       uint32_t access) override {
    errno = 0;
    ibv_mr* mr = dev_->api->RegMr(dev_->pd, addr, length, ToIbvAccess(access));
    if (mr == nullptr)
      return ErrnoStatus(errno != 0 ? errno : EIO, fmt::format("ibv_reg_mr({} bytes)", length));
    return std::unique_ptr<MemoryRegion>(
        std::make_unique<VerbsMemoryRegion>(dev_, mr, addr, length, access));
  }
  Result<std::unique_ptr<CompletionQueue>> CreateCompletionQueue(int depth) override {
    SRP_ASSIGN_OR_RETURN(std::unique_ptr<VerbsCompletionQueue> cq,
                         VerbsCompletionQueue::Create(dev_, depth));
    return std::unique_ptr<CompletionQueue>(std::move(cq));
  }
  Result<std::unique_ptr<Listener>> Listen(const Address& address) override {
    return VerbsListener::Create(dev_, address);
  }
  Result<ConnectReply> Connect(const ConnectParams& params) override {
    return ConnectActive(dev_, params);
  }

 private:
  std::shared_ptr<DeviceContext> dev_;
};

std::string LinkLayerName(uint8_t link_layer) {
  return link_layer == IBV_LINK_LAYER_ETHERNET ? "Ethernet" : "InfiniBand";
}

Status FillPortAttributes(VerbsApi& api, ibv_context* context, uint8_t port_num,
                          PortAttributes* out) {
  ibv_device_attr dattr{};
  if (int rc = api.QueryDevice(context, &dattr); rc != 0)
    return ErrnoStatus(rc, "ibv_query_device");
  ibv_port_attr pattr{};
  if (int rc = api.QueryPort(context, port_num, &pattr); rc != 0)
    return ErrnoStatus(rc, fmt::format("ibv_query_port({})", port_num));
  ibv_gid gid{};
  if (int rc = api.QueryGid(context, port_num, 0, &gid); rc != 0)
    return ErrnoStatus(rc, "ibv_query_gid(index 0)");

  out->device_name = context->device->name;
  out->port_num = port_num;
  out->node_guid = be64toh(dattr.node_guid);
  std::memcpy(out->gid.raw.data(), gid.raw, out->gid.raw.size());
  out->port_guid = out->gid.interface_id();
  out->lid = pattr.lid;
  out->sm_lid = pattr.sm_lid;
  out->capability_mask = pattr.port_cap_flags;
  out->max_qp_wr = static_cast<uint32_t>(dattr.max_qp_wr);
  out->max_sge = static_cast<uint32_t>(dattr.max_sge);
  out->vendor_id = dattr.vendor_id;
  out->vendor_part_id = dattr.vendor_part_id;
  out->hw_ver = dattr.hw_ver;
  out->link_layer = LinkLayerName(pattr.link_layer);
  out->pkeys.clear();
  for (int i = 0; i < pattr.pkey_tbl_len; ++i) {
    uint16_t pkey_be = 0;
    if (int rc = api.QueryPkey(context, port_num, i, &pkey_be); rc != 0)
      return ErrnoStatus(rc, fmt::format("ibv_query_pkey(index {})", i));
    if (uint16_t pkey = be16toh(pkey_be); pkey != 0) out->pkeys.push_back(pkey);
  }
  return Status::Ok();
}

// Picks the context per VerbsFabricOptions (see verbs_fabric_internal.h).
Result<ibv_context*> SelectDevice(VerbsApi& api, ibv_context** list, int count,
                                  const VerbsFabricOptions& options) {
  std::string names;
  for (int i = 0; i < count; ++i) {
    ibv_context* context = list[i];
    std::string name = context->device->name;
    names += names.empty() ? name : ", " + name;
    if (!options.device.empty()) {
      if (name == options.device) return context;
      continue;
    }
    ibv_port_attr pattr{};
    if (api.QueryPort(context, options.port, &pattr) == 0 && pattr.state == IBV_PORT_ACTIVE)
      return context;
  }
  if (!options.device.empty())
    return NotFound(fmt::format("RDMA device '{}' not found (present: {})", options.device, names));
  return Status(
      StatusCode::kUnavailable,
      fmt::format("no RDMA device has an active port {} (present: {})", options.port, names));
}

}  // namespace

Result<std::unique_ptr<Fabric>> OpenVerbsFabricWithApi(std::shared_ptr<VerbsApi> api,
                                                       const VerbsFabricOptions& options) {
  int count = 0;
  errno = 0;
  // librdmacm's contexts: cm_ids report these in id->verbs, and rdma_create_qp
  // needs the PD (and CQs) on that same context.
  ibv_context** list = api->GetRdmaDevices(&count);
  if (list == nullptr) {
    int err = errno;
    if (err == 0 || err == ENODEV || err == ENOENT || err == ENOSYS)
      return Status(StatusCode::kUnavailable, kNoDevice, err);
    return ErrnoStatus(err, "rdma_get_devices").WithContext(kNoDevice);
  }
  auto dev = std::make_shared<DeviceContext>(api, list, nullptr);
  if (count <= 0) return Status(StatusCode::kUnavailable, kNoDevice, ENODEV);
  SRP_ASSIGN_OR_RETURN(dev->context, SelectDevice(*api, list, count, options));
  SRP_RETURN_IF_ERROR(FillPortAttributes(*api, dev->context, options.port, &dev->port));
  errno = 0;
  dev->pd = api->AllocPd(dev->context);
  if (dev->pd == nullptr) return ErrnoStatus(errno != 0 ? errno : EIO, "ibv_alloc_pd");
  SRP_LOG(kInfo, "verbs fabric: {} port {} ({}, lid {})", dev->port.device_name, options.port,
          dev->port.link_layer, dev->port.lid);
  return std::unique_ptr<Fabric>(std::make_unique<VerbsFabric>(std::move(dev)));
}

bool AnyRdmaDevicePresentWithApi(VerbsApi& api) {
  int count = 0;
  ibv_device** list = api.GetDeviceList(&count);
  if (list == nullptr) return false;
  api.FreeDeviceList(list);
  return count > 0;
}

bool AnyRdmaDevicePresent() { return AnyRdmaDevicePresentWithApi(*RealVerbsApi()); }

Result<std::unique_ptr<Fabric>> OpenVerbsFabric(const VerbsFabricOptions& options) {
  return OpenVerbsFabricWithApi(RealVerbsApi(), options);
}

}  // namespace srp::fabric::verbs
