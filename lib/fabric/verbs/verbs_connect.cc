// Fabric::Connect for the verbs backend: the blocking active side of RDMA CM
// (resolve address -> resolve route -> create QP -> connect -> wait reply).
#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "lib/common/log.h"
#include "lib/fabric/verbs/verbs_address.h"
#include "lib/fabric/verbs/verbs_connection.h"

namespace srp::fabric::verbs {
namespace {

// IB CM REJ reason "consumer defined": what rdma_reject sends, i.e. the
// passive application said no (SRP_LOGIN_REJ in the private data).
constexpr int kIbCmRejConsumerDefined = 28;

int TimeoutMs(std::chrono::steady_clock::time_point deadline) {
  auto left = Remaining(deadline).count();
  return static_cast<int>(std::clamp<int64_t>(left, 1, INT_MAX));
}

// A CM event that ends the attempt, as a Status. `status` is a negative errno
// for address/route/timeout failures, or an IB CM reason.
Status EventFailure(const rdma_cm_event& event, std::string_view step, const std::string& dest) {
  std::string what = fmt::format("{} for {}: RDMA CM {}", step, dest, CmEventName(event.event));
  if (event.status < 0) return ErrnoStatus(-event.status, what);
  return Status(StatusCode::kUnavailable, fmt::format("{} (status {})", what, event.status));
}

// Waits for `want`; any other event (or a timeout) fails `step`.
Status AwaitStep(VerbsApi& api, const CmId& cm, rdma_cm_event_type want,
                 std::chrono::steady_clock::time_point deadline, std::string_view step,
                 const std::string& dest) {
  Result<CmEvent> event = WaitCmEvent(api, *cm.channel, deadline, step);
  if (!event.ok()) return event.status().WithContext(dest);
  if ((*event)->event != want) return EventFailure(*event->get(), step, dest);
  return Status::Ok();
}

PeerInfo PeerOfDestination(const Address& destination) {
  PeerInfo peer;
  if (destination.kind == Address::Kind::kIb) {
    peer.gid = destination.gid;
    peer.port_guid = destination.gid.interface_id();
    peer.pkey = destination.pkey;
  } else {
    peer.ip = destination.host;
  }
  return peer;
}

}  // namespace

Result<ConnectReply> ConnectActive(const std::shared_ptr<DeviceContext>& dev,
                                   const ConnectParams& params) {
  VerbsApi& api = *dev->api;
  const Address& destination = params.destination;
  const std::string dest = destination.ToString();
  if (params.private_data.size() > UINT8_MAX)
    return InvalidArgument(fmt::format("{} bytes of connect private data; RDMA CM carries <= 255",
                                       params.private_data.size()));
  const auto deadline = std::chrono::steady_clock::now() + params.timeout;

  SockAddr dst_addr;
  SockAddr src_addr;
  sockaddr* src = nullptr;
  if (destination.kind == Address::Kind::kIb) {
    dst_addr = MakeIbSockaddr(destination.gid, destination.service_id, destination.pkey);
    // Bind the source to our port's GID so the CM uses this fabric's device;
    // service id = RDMA_PS_IB base with port 0 lets the kernel pick a port.
    src_addr = MakeIbSockaddr(dev->port.gid, RDMA_IB_PS_IB, destination.pkey);
    src = src_addr.get();
  } else {
    SRP_ASSIGN_OR_RETURN(dst_addr, MakeIpSockaddr(destination.host, destination.port));
  }

  SRP_ASSIGN_OR_RETURN(std::shared_ptr<EventChannel> channel, EventChannel::Create(dev->api));
  rdma_cm_id* raw_id = nullptr;
  if (int rc = api.CreateId(channel->get(), &raw_id, nullptr, PortSpaceFor(destination.kind));
      rc != 0)
    return ErrnoStatus(rc, "rdma_create_id");
  auto cm = std::make_shared<CmId>(dev->api, raw_id, channel);

  if (int rc = api.ResolveAddr(cm->id, src, dst_addr.get(), TimeoutMs(deadline)); rc != 0)
    return ErrnoStatus(rc, fmt::format("rdma_resolve_addr({})", dest));
  SRP_RETURN_IF_ERROR(
      AwaitStep(api, *cm, RDMA_CM_EVENT_ADDR_RESOLVED, deadline, "address resolution", dest));
  if (int rc = api.ResolveRoute(cm->id, TimeoutMs(deadline)); rc != 0)
    return ErrnoStatus(rc, fmt::format("rdma_resolve_route({})", dest));
  SRP_RETURN_IF_ERROR(
      AwaitStep(api, *cm, RDMA_CM_EVENT_ROUTE_RESOLVED, deadline, "route resolution", dest));

  SRP_ASSIGN_OR_RETURN(std::unique_ptr<VerbsConnection> conn,
                       VerbsConnection::Create(dev, cm, params.qp, PeerOfDestination(destination)));

  rdma_conn_param param{};
  param.private_data = params.private_data.empty() ? nullptr : params.private_data.data();
  param.private_data_len = static_cast<uint8_t>(params.private_data.size());
  param.responder_resources = params.qp.responder_resources;
  param.initiator_depth = params.qp.initiator_depth;
  param.flow_control = 1;
  param.retry_count = params.qp.retry_count;
  param.rnr_retry_count = params.qp.rnr_retry_count;
  if (int rc = api.Connect(cm->id, &param); rc != 0)
    return ErrnoStatus(rc, fmt::format("rdma_connect({})", dest));
  conn->MarkConnectSent();

  for (;;) {
    Result<CmEvent> next = WaitCmEvent(api, *channel, deadline, "the connect reply");
    if (!next.ok()) {
      conn->SetState(ConnectionState::kDisconnected);  // nothing to disconnect; destroy cancels
      return next.status().WithContext(fmt::format("connect to {}", dest));
    }
    CmEvent event = std::move(next).value();
    switch (event->event) {
      case RDMA_CM_EVENT_ESTABLISHED: {
        ConnectReply reply;
        reply.private_data = CopyPrivateData(*event.get());
        conn->SetState(ConnectionState::kEstablished);
        reply.connection = std::move(conn);
        return reply;
      }
      case RDMA_CM_EVENT_REJECTED: {
        conn->SetState(ConnectionState::kDisconnected);
        if (event->status == kIbCmRejConsumerDefined) {
          ConnectReply reply;
          reply.rejected = true;
          reply.private_data = CopyPrivateData(*event.get());
          return reply;
        }
        // Rejected by the CM itself (e.g. 8 = invalid service id: nobody listens).
        return Status(StatusCode::kRejected,
                      fmt::format("connect to {}: rejected by the connection manager, reason {}",
                                  dest, event->status));
      }
      case RDMA_CM_EVENT_CONNECT_ERROR:
      case RDMA_CM_EVENT_UNREACHABLE:
      case RDMA_CM_EVENT_DEVICE_REMOVAL:
      case RDMA_CM_EVENT_DISCONNECTED:
        conn->SetState(ConnectionState::kDisconnected);
        return EventFailure(*event.get(), "connect", dest);
      default:
        SRP_LOG(kDebug, "connect to {}: ignoring RDMA CM {}", dest, CmEventName(event->event));
        break;
    }
  }
}

}  // namespace srp::fabric::verbs
