#include "lib/fabric/verbs/verbs_listener.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "lib/common/log.h"
#include "lib/fabric/verbs/verbs_address.h"
#include "lib/fabric/verbs/verbs_connection.h"

namespace srp::fabric::verbs {
namespace {

Result<VerbsConnectRequest*> AsVerbsRequest(ConnectRequest& req) {
  auto* verbs_req = dynamic_cast<VerbsConnectRequest*>(&req);
  if (verbs_req == nullptr)
    return InvalidArgument("the ConnectRequest does not come from a verbs Listener");
  return verbs_req;
}

Status CheckPrivateDataLength(std::span<const std::byte> data) {
  if (data.size() > UINT8_MAX)
    return InvalidArgument(
        fmt::format("{} bytes of private data; RDMA CM carries at most 255", data.size()));
  return Status::Ok();
}

}  // namespace

VerbsConnectRequest::VerbsConnectRequest(std::shared_ptr<CmId> cm, const rdma_cm_event& event,
                                         PeerInfo peer, const Address& local_address)
    : cm_(std::move(cm)),
      private_data_(CopyPrivateData(event)),
      peer_(std::move(peer)),
      local_address_(local_address),
      req_responder_resources_(event.param.conn.responder_resources),
      req_initiator_depth_(event.param.conn.initiator_depth) {}

Result<std::unique_ptr<Listener>> VerbsListener::Create(std::shared_ptr<DeviceContext> dev,
                                                        const Address& address) {
  VerbsApi& api = *dev->api;
  if (address.kind == Address::Kind::kIb)
    SRP_RETURN_IF_ERROR(ValidateListenServiceId(address.service_id));

  SRP_ASSIGN_OR_RETURN(std::shared_ptr<EventChannel> channel, EventChannel::Create(dev->api));
  rdma_cm_id* raw_id = nullptr;
  if (int rc = api.CreateId(channel->get(), &raw_id, nullptr, PortSpaceFor(address.kind)); rc != 0)
    return ErrnoStatus(rc, "rdma_create_id");
  auto listen_id = std::make_shared<CmId>(dev->api, raw_id, channel);

  Address bound = address;
  if (address.kind == Address::Kind::kIb) {
    SockAddr sib = MakeIbSockaddr(Gid{}, address.service_id, address.pkey);
    if (int rc = api.BindAddr(listen_id->id, sib.get()); rc != 0)
      return ErrnoStatus(
          rc, fmt::format("rdma_bind_addr(AF_IB, service id 0x{:016x})", address.service_id));
    if (uint64_t sid = SockaddrServiceId(&listen_id->id->route.addr.src_addr); sid != 0)
      bound.service_id = sid;
  } else {
    if (address.host.empty()) {
      SockAddr any6 = AnyIpv6(address.port);
      if (int rc6 = api.BindAddr(listen_id->id, any6.get()); rc6 != 0) {
        SRP_LOG(kInfo, "RDMA CM: cannot bind IPv6 any ({}); trying IPv4 any",
                ErrnoStatus(rc6, "rdma_bind_addr").message());
        SockAddr any4 = AnyIpv4(address.port);
        if (int rc4 = api.BindAddr(listen_id->id, any4.get()); rc4 != 0)
          return ErrnoStatus(rc4, fmt::format("rdma_bind_addr(any, port {})", address.port));
      }
    } else {
      SRP_ASSIGN_OR_RETURN(SockAddr sa, MakeIpSockaddr(address.host, address.port));
      if (int rc = api.BindAddr(listen_id->id, sa.get()); rc != 0)
        return ErrnoStatus(rc, fmt::format("rdma_bind_addr({})", address.ToString()));
    }
    if (uint16_t port = SockaddrPort(&listen_id->id->route.addr.src_addr); port != 0)
      bound.port = port;
  }
  if (int rc = api.Listen(listen_id->id, kBacklog); rc != 0)
    return ErrnoStatus(rc, fmt::format("rdma_listen({})", bound.ToString()));
  SRP_LOG(kDebug, "verbs: listening on {}", bound.ToString());
  return std::unique_ptr<Listener>(
      std::make_unique<VerbsListener>(std::move(dev), std::move(listen_id), std::move(bound)));
}

Result<std::unique_ptr<ConnectRequest>> VerbsListener::NextRequest(
    std::chrono::milliseconds timeout) {
  VerbsApi& api = *dev_->api;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    Result<CmEvent> next = WaitCmEvent(api, *listen_id_->channel, deadline, "a connection request");
    if (!next.ok()) return next.status();
    CmEvent event = std::move(next).value();
    rdma_cm_event_type type = event->event;
    if (type == RDMA_CM_EVENT_CONNECT_REQUEST) {
      auto cm = std::make_shared<CmId>(dev_->api, event->id, listen_id_->channel);
      PeerInfo peer = PeerFromCmId(*event->id, address_.kind);
      return std::unique_ptr<ConnectRequest>(std::make_unique<VerbsConnectRequest>(
          std::move(cm), *event.get(), std::move(peer), address_));
    }
    if (event->id == listen_id_->id && type == RDMA_CM_EVENT_DEVICE_REMOVAL)
      return Status(StatusCode::kUnavailable,
                    fmt::format("listener {}: the RDMA device was removed", address_.ToString()));
    // Events of child ids not (yet) migrated to a connection, e.g. a request
    // whose initiator gave up before we answered: nothing to report.
    SRP_LOG(kDebug, "listener {}: ignoring RDMA CM {} (status {})", address_.ToString(),
            CmEventName(type), event->status);
  }
}

Result<std::unique_ptr<Connection>> VerbsListener::CreateConnection(ConnectRequest& req,
                                                                    const QpOptions& options) {
  SRP_ASSIGN_OR_RETURN(VerbsConnectRequest * vreq, AsVerbsRequest(req));
  if (vreq->has_connection || vreq->answered)
    return InvalidArgument("CreateConnection: the request already has a connection or an answer");
  const std::shared_ptr<CmId>& cm = vreq->cm();
  SRP_ASSIGN_OR_RETURN(std::shared_ptr<EventChannel> channel, EventChannel::Create(dev_->api));
  if (int rc = dev_->api->MigrateId(cm->id, channel->get()); rc != 0)
    return ErrnoStatus(rc, "rdma_migrate_id");
  cm->channel = std::move(channel);
  SRP_ASSIGN_OR_RETURN(std::unique_ptr<VerbsConnection> conn,
                       VerbsConnection::Create(dev_, cm, options, vreq->peer()));
  vreq->has_connection = true;
  return std::unique_ptr<Connection>(std::move(conn));
}

Status VerbsListener::Accept(ConnectRequest& req, Connection& conn,
                             std::span<const std::byte> private_data) {
  SRP_ASSIGN_OR_RETURN(VerbsConnectRequest * vreq, AsVerbsRequest(req));
  auto* vconn = dynamic_cast<VerbsConnection*>(&conn);
  if (vconn == nullptr || vconn->cm() != vreq->cm())
    return InvalidArgument("Accept: the connection was not created for this request");
  if (vreq->answered) return InvalidArgument("Accept: the request was already answered");
  SRP_RETURN_IF_ERROR(CheckPrivateDataLength(private_data));

  const QpOptions& qp = vconn->options();
  rdma_conn_param param{};
  param.private_data = private_data.empty() ? nullptr : private_data.data();
  param.private_data_len = static_cast<uint8_t>(private_data.size());
  // We serve at most as many incoming READs as the initiator will issue, and
  // issue at most as many as it can serve.
  param.responder_resources = std::min(qp.responder_resources, vreq->req_initiator_depth());
  param.initiator_depth = std::min(qp.initiator_depth, vreq->req_responder_resources());
  param.flow_control = 1;
  param.retry_count = qp.retry_count;  // ignored by rdma_accept; the REQ decides
  param.rnr_retry_count = qp.rnr_retry_count;
  if (int rc = dev_->api->Accept(vreq->cm()->id, &param); rc != 0)
    return ErrnoStatus(rc, "rdma_accept");
  vreq->answered = true;
  vconn->MarkConnectSent();
  return Status::Ok();
}

Status VerbsListener::Reject(ConnectRequest& req, std::span<const std::byte> private_data) {
  SRP_ASSIGN_OR_RETURN(VerbsConnectRequest * vreq, AsVerbsRequest(req));
  if (vreq->answered) return InvalidArgument("Reject: the request was already answered");
  SRP_RETURN_IF_ERROR(CheckPrivateDataLength(private_data));
  int rc = dev_->api->Reject(vreq->cm()->id, private_data.empty() ? nullptr : private_data.data(),
                             static_cast<uint8_t>(private_data.size()));
  if (rc != 0) return ErrnoStatus(rc, "rdma_reject");
  vreq->answered = true;
  return Status::Ok();
}

}  // namespace srp::fabric::verbs
