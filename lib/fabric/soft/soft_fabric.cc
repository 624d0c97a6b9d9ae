#include "lib/fabric/soft/soft_fabric.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "lib/common/log.h"
#include "lib/fabric/soft/fault.h"
#include "lib/fabric/soft/frame.h"
#include "lib/fabric/soft/listener.h"
#include "lib/fabric/soft/qp.h"
#include "lib/fabric/soft/socket_util.h"
#include "lib/fabric/soft/soft_fabric_impl.h"

namespace srp::fabric::soft {

namespace {

std::atomic<int> g_port_counter{0};

std::string GeneratedPortName() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return fmt::format("{}-{}-{}", host, getpid(), g_port_counter.fetch_add(1) + 1);
}

std::string SocketPathFor(const std::string& dir, const std::string& name) {
  std::string path = fmt::format("{}/ports/{}.sock", dir, name);
  if (path.size() < 100) return path;
  // sockaddr_un is small: fall back to a short name in /tmp (shared across netns).
  uint64_t h = DeriveNodeGuid(dir + "/" + name);
  return fmt::format("/tmp/srp-soft-{:016x}.sock", h);
}

}  // namespace

std::string DefaultSubnetDir() {
  if (const char* env = std::getenv("SRP_SOFT_FABRIC"); env != nullptr && *env != '\0') return env;
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg != '\0')
    return std::string(xdg) + "/srp-soft-fabric";
  return "/run/srp-soft-fabric";
}

Result<std::unique_ptr<Fabric>> OpenSoftFabric(const SoftFabricOptions& options) {
  SRP_ASSIGN_OR_RETURN(std::unique_ptr<SoftFabric> fabric, SoftFabric::Open(options));
  return std::unique_ptr<Fabric>(std::move(fabric));
}

Result<std::unique_ptr<SoftFabric>> SoftFabric::Open(const SoftFabricOptions& options) {
  std::unique_ptr<SoftFabric> f(new SoftFabric());
  f->subnet_dir_ = options.subnet_dir.empty() ? DefaultSubnetDir() : options.subnet_dir;
  std::string name = options.port_name.empty() ? GeneratedPortName() : options.port_name;

  PortRecord rec;
  rec.name = name;
  rec.node_guid = options.node_guid != 0 ? options.node_guid : DeriveNodeGuid(name);
  rec.port_guid = options.port_guid != 0 ? options.port_guid : DerivePortGuid(name);
  rec.subnet_prefix = options.subnet_prefix;
  rec.gid = Gid::FromParts(options.subnet_prefix, rec.port_guid);
  rec.lid = options.lid;
  rec.capability_mask = options.capability_mask;
  rec.pkeys = {0xffff};
  rec.ip_addresses = options.ip_addresses;
  rec.socket_path = SocketPathFor(f->subnet_dir_, name);

  if (auto existing = ReadPort(f->subnet_dir_, name); existing.ok())
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("soft port '{}' is already open (pid {})", name, existing->pid));

  auto ctx = std::make_shared<FabricContext>();
  SRP_ASSIGN_OR_RETURN(ctx->engine, Engine::Create());
  ctx->gid = rec.gid;
  ctx->node_guid = rec.node_guid;
  ctx->port_guid = rec.port_guid;
  ctx->pkeys = rec.pkeys;
  f->ctx_ = ctx;

  SRP_ASSIGN_OR_RETURN(f->publication_, PortPublication::Publish(f->subnet_dir_, rec));
  rec = f->publication_->record();
  f->socket_path_ = rec.socket_path;
  SRP_ASSIGN_OR_RETURN(f->unix_fd_, ListenUnix(f->socket_path_));
  SRP_ASSIGN_OR_RETURN(
      f->unix_id_,
      ctx->engine->Add(f->unix_fd_, std::make_shared<AcceptHandler>(
                                        ctx, f->unix_fd_, std::weak_ptr<ListenerCore>())));

  PortAttributes& p = f->port_;
  p.device_name = name;
  p.port_num = 1;
  p.node_guid = rec.node_guid;
  p.port_guid = rec.port_guid;
  p.gid = rec.gid;
  p.lid = rec.lid;
  p.sm_lid = rec.sm_lid;
  p.capability_mask = rec.capability_mask;
  p.pkeys = rec.pkeys;
  p.max_qp_wr = 16384;
  p.max_sge = 32;
  p.vendor_id = static_cast<uint32_t>(kSoftOui);
  p.link_layer = "InfiniBand";

  if (const char* env = std::getenv("SRP_SOFT_FAULTS"); env != nullptr && *env != '\0') {
    auto plan = ParseFaultPlan(env);
    if (!plan.ok()) return plan.status().WithContext("SRP_SOFT_FAULTS");
    ctx->faults.Set(*plan);
    SRP_LOG(kInfo, "soft fabric {}: fault plan {}", name, FormatFaultPlan(*plan));
  }
  SRP_LOG(kDebug, "soft fabric: opened port {} lid {:#x} gid {} in {}", name, rec.lid,
          FormatGidColon(rec.gid), f->subnet_dir_);
  return f;
}

SoftFabric::~SoftFabric() {
  if (ctx_) {
    if (unix_fd_ >= 0) ctx_->engine->Remove(unix_id_, unix_fd_);
    ctx_->engine->Shutdown();
  }
  if (unix_fd_ >= 0) {
    close(unix_fd_);
    unlink(socket_path_.c_str());
  }
  std::lock_guard lock(mu_);
  publication_.reset();
}

Result<std::unique_ptr<MemoryRegion>> SoftFabric::RegisterMemory(void* addr, size_t length,
                                                                 uint32_t access) {
  SRP_ASSIGN_OR_RETURN(uint32_t key, ctx_->keys->Register(addr, length, access));
  return std::unique_ptr<MemoryRegion>(new SoftMemoryRegion(ctx_->keys, addr, length, access, key));
}

Result<std::unique_ptr<CompletionQueue>> SoftFabric::CreateCompletionQueue(int depth) {
  SRP_ASSIGN_OR_RETURN(auto cq, SoftCompletionQueue::Create(depth));
  return std::unique_ptr<CompletionQueue>(std::move(cq));
}

Result<std::unique_ptr<Listener>> SoftFabric::Listen(const Address& address) {
  if (address.kind == Address::Kind::kIb) {
    SRP_ASSIGN_OR_RETURN(
        auto core, ListenerCore::Create(Address::Ib(ctx_->gid, address.service_id, address.pkey)));
    {
      std::lock_guard lock(ctx_->mu);
      auto it = ctx_->ib_listeners.find(address.service_id);
      if (it != ctx_->ib_listeners.end() && !it->second.expired())
        return Status(StatusCode::kAlreadyExists,
                      fmt::format("service id {:#x} already has a listener", address.service_id));
      ctx_->ib_listeners[address.service_id] = core;
    }
    return std::unique_ptr<Listener>(new SoftListener(ctx_, core, -1, 0));
  }
  uint16_t bound = 0;
  SRP_ASSIGN_OR_RETURN(int fd, ListenTcp(address.host, address.port, &bound));
  auto core_or = ListenerCore::Create(Address::Ip(address.host, bound));
  if (!core_or.ok()) {
    close(fd);
    return core_or.status();
  }
  auto core = *core_or;
  auto id = ctx_->engine->Add(fd, std::make_shared<AcceptHandler>(ctx_, fd, core));
  if (!id.ok()) {
    close(fd);
    return id.status();
  }
  return std::unique_ptr<Listener>(new SoftListener(ctx_, core, fd, *id));
}

Result<ConnectReply> SoftFabric::Connect(const ConnectParams& params) {
  const Address& dst = params.destination;
  if (params.qp.send_cq == nullptr || params.qp.recv_cq == nullptr)
    return InvalidArgument("QpOptions needs send_cq and recv_cq");
  if (params.private_data.size() > kMaxPrivateData) return InvalidArgument("private data too long");
  Deadline deadline = std::chrono::steady_clock::now() + params.timeout;
  int fd = -1;
  PeerInfo peer;
  if (dst.kind == Address::Kind::kIb) {
    auto rec = FindPortByGid(subnet_dir_, dst.gid);
    if (!rec.ok()) return Status(StatusCode::kUnavailable, rec.status().message());
    bool pkey_ok = false;
    for (uint16_t p : rec->pkeys) pkey_ok = pkey_ok || (p & 0x7fff) == (dst.pkey & 0x7fff);
    if (!pkey_ok)
      return Status(StatusCode::kUnavailable,
                    fmt::format("P_Key {:#x} is not in the table of port {}", dst.pkey, rec->name));
    SRP_ASSIGN_OR_RETURN(fd, ConnectUnix(rec->socket_path, deadline));
    peer.pkey = dst.pkey;
  } else {
    SRP_ASSIGN_OR_RETURN(fd, ConnectTcp(dst.host, dst.port, deadline));
    peer.ip = dst.host;
  }
  uint32_t qp_num = ctx_->NewQpNum();
  CmIdentity me;
  me.gid = ctx_->gid;
  me.node_guid = ctx_->node_guid;
  me.port_guid = ctx_->port_guid;
  me.qp_num = qp_num;
  me.pkey = peer.pkey;
  me.rnr_retry = std::min<uint8_t>(params.qp.rnr_retry_count, 7);
  std::vector<std::byte> payload = EncodeCmPayload(me, params.private_data);
  FrameHeader req{.type = FrameType::kConnectRequest};
  req.payload_len = static_cast<uint32_t>(payload.size());
  req.seq = dst.kind == Address::Kind::kIb ? dst.service_id : 0;
  HeaderBytes hb = EncodeFrameHeader(req);
  payload.insert(payload.begin(), hb.begin(), hb.end());

  auto fail = [&](Status s) {
    close(fd);
    return s.WithContext(fmt::format("connect to {}", dst.ToString()));
  };
  if (Status s = WriteAllUntil(fd, payload, deadline); !s.ok()) return fail(s);
  HeaderBytes rb;
  if (Status s = ReadExactUntil(fd, rb, deadline); !s.ok()) return fail(s);
  auto h = DecodeFrameHeader(rb);
  if (!h.ok()) return fail(h.status());
  std::vector<std::byte> reply(h->payload_len);
  if (Status s = ReadExactUntil(fd, reply, deadline); !s.ok()) return fail(s);

  if (h->type == FrameType::kConnectReject) {
    close(fd);
    switch (static_cast<RejectReason>(h->key)) {
      case RejectReason::kConsumer: {
        ConnectReply r;
        r.rejected = true;
        r.private_data = std::move(reply);
        return r;
      }
      case RejectReason::kNoListener:
        return Status(StatusCode::kUnavailable,
                      fmt::format("connect to {}: no listener", dst.ToString()));
      case RejectReason::kInvalidPkey:
        return Status(StatusCode::kUnavailable,
                      fmt::format("connect to {}: P_Key not accepted", dst.ToString()));
    }
    return Status(StatusCode::kRejected, fmt::format("connect to {}: rejected", dst.ToString()));
  }
  if (h->type != FrameType::kConnectReply)
    return fail(ProtocolError("expected a connection reply"));
  CmIdentity them;
  std::span<const std::byte> pdata;
  if (Status s = DecodeCmPayload(reply, &them, &pdata); !s.ok()) return fail(s);
  peer.gid = them.gid;
  peer.node_guid = them.node_guid;
  peer.port_guid = them.port_guid;
  ConnectReply out;
  out.private_data.assign(pdata.begin(), pdata.end());
  SRP_ASSIGN_OR_RETURN(auto core,
                       QpCore::CreateActive(ctx_, fd, params.qp, qp_num, peer, them.rnr_retry));
  out.connection = std::make_unique<SoftConnection>(std::move(core));
  return out;
}

Status SoftFabric::UpdateCapabilityMask(uint32_t mask) {
  std::lock_guard lock(mu_);
  port_.capability_mask = mask;
  if (!publication_) return Status(StatusCode::kUnavailable, "port not published");
  PortRecord rec = publication_->record();
  rec.capability_mask = mask;
  return publication_->Update(rec);
}

Status SetCapabilityMask(Fabric& fabric, uint32_t capability_mask) {
  auto* soft = dynamic_cast<SoftFabric*>(&fabric);
  if (soft == nullptr) return InvalidArgument("not a soft fabric");
  return soft->UpdateCapabilityMask(capability_mask);
}

Result<std::string> SubnetDirectoryOf(Fabric& fabric) {
  auto* soft = dynamic_cast<SoftFabric*>(&fabric);
  if (soft == nullptr) return InvalidArgument("not a soft fabric");
  return soft->subnet_dir();
}

}  // namespace srp::fabric::soft
