#include "lib/fabric/verbs/verbs_connection.h"

#include <fmt/format.h>

#include <cerrno>

#include "lib/common/log.h"
#include "lib/fabric/verbs/verbs_cq.h"

namespace srp::fabric::verbs {
namespace {

Result<ibv_cq*> VerbsCqOf(CompletionQueue* cq, const DeviceContext& dev, const char* which) {
  auto* verbs_cq = dynamic_cast<VerbsCompletionQueue*>(cq);
  if (verbs_cq == nullptr)
    return InvalidArgument(
        fmt::format("QpOptions.{} must be a CompletionQueue of the verbs fabric", which));
  if (verbs_cq->context() != dev.context)
    return InvalidArgument(fmt::format("QpOptions.{} belongs to another RDMA device", which));
  return verbs_cq->cq();
}

template <typename Request>
Status CheckSgeCounts(std::span<const Request> batch, uint32_t max_sge, size_t* first_bad) {
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].sg_list.size() > max_sge) {
      *first_bad = i;
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("work request {} (wr_id {}) has {} SGEs, the queue pair allows {}",
                                i, batch[i].wr_id, batch[i].sg_list.size(), max_sge),
                    EINVAL);
    }
  }
  *first_bad = batch.size();
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<VerbsConnection>> VerbsConnection::Create(std::shared_ptr<DeviceContext> dev,
                                                                 std::shared_ptr<CmId> cm,
                                                                 const QpOptions& options,
                                                                 PeerInfo peer) {
  if (options.send_cq == nullptr || options.recv_cq == nullptr)
    return InvalidArgument("QpOptions.send_cq and recv_cq are required");
  if (cm->id->verbs != dev->context) {
    return Status(StatusCode::kUnavailable,
                  fmt::format("the RDMA CM id is on device {}, but the fabric was opened on {}",
                              cm->id->verbs != nullptr ? cm->id->verbs->device->name : "(none)",
                              dev->port.device_name));
  }
  SRP_ASSIGN_OR_RETURN(ibv_cq * send_cq, VerbsCqOf(options.send_cq, *dev, "send_cq"));
  SRP_ASSIGN_OR_RETURN(ibv_cq * recv_cq, VerbsCqOf(options.recv_cq, *dev, "recv_cq"));

  ibv_qp_init_attr attr{};
  attr.send_cq = send_cq;
  attr.recv_cq = recv_cq;
  attr.cap.max_send_wr = options.max_send_wr;
  attr.cap.max_recv_wr = options.max_recv_wr;
  attr.cap.max_send_sge = options.max_send_sge;
  attr.cap.max_recv_sge = options.max_recv_sge;
  attr.cap.max_inline_data = options.max_inline_data;
  attr.qp_type = IBV_QPT_RC;
  attr.sq_sig_all = 0;  // selective signalling: IBV_SEND_SIGNALED per WR
  if (int rc = dev->api->CreateQp(cm->id, dev->pd, &attr); rc != 0)
    return ErrnoStatus(rc, "rdma_create_qp");
  if (cm->id->qp == nullptr) {
    dev->api->DestroyQp(cm->id);
    return Internal("rdma_create_qp succeeded but the id has no QP");
  }
  return std::make_unique<VerbsConnection>(std::move(dev), std::move(cm), options, attr.cap,
                                           std::move(peer));
}

VerbsConnection::VerbsConnection(std::shared_ptr<DeviceContext> dev, std::shared_ptr<CmId> cm,
                                 const QpOptions& options, const ibv_qp_cap& cap, PeerInfo peer)
    : dev_(std::move(dev)),
      cm_(std::move(cm)),
      qp_(cm_->id->qp),
      options_(options),
      cap_(cap),
      peer_(std::move(peer)) {
  send_scratch_.wrs.reserve(cap_.max_send_wr);
  send_scratch_.sges.reserve(static_cast<size_t>(cap_.max_send_wr) * cap_.max_send_sge);
  recv_scratch_.wrs.reserve(cap_.max_recv_wr);
  recv_scratch_.sges.reserve(static_cast<size_t>(cap_.max_recv_wr) * cap_.max_recv_sge);
}

VerbsConnection::~VerbsConnection() {
  if (connect_sent_ && state_.load() != ConnectionState::kDisconnected)
    dev_->api->Disconnect(cm_->id);
  dev_->api->DestroyQp(cm_->id);
}

Status VerbsConnection::PostRecv(std::span<const RecvRequest> batch) {
  size_t good = 0;
  Status check = CheckSgeCounts(batch, cap_.max_recv_sge, &good);
  if (good > 0) {
    ibv_recv_wr* head = BuildRecvChain(batch.first(good), recv_scratch_);
    ibv_recv_wr* bad = nullptr;
    if (int rc = dev_->api->PostRecv(qp_, head, &bad); rc != 0) {
      size_t index = 0;
      if (bad != nullptr && bad >= recv_scratch_.wrs.data() &&
          bad < recv_scratch_.wrs.data() + good)
        index = static_cast<size_t>(bad - recv_scratch_.wrs.data());
      return ErrnoStatus(rc, fmt::format("ibv_post_recv (receive {} of {})", index, batch.size()));
    }
  }
  return check;
}

Status VerbsConnection::PostSend(std::span<const WorkRequest> batch, size_t* posted) {
  if (posted != nullptr) *posted = 0;
  size_t good = 0;
  Status check = CheckSgeCounts(batch, cap_.max_send_sge, &good);
  if (good > 0) {
    ibv_send_wr* head = BuildSendChain(batch.first(good), send_scratch_);
    ibv_send_wr* bad = nullptr;
    if (int rc = dev_->api->PostSend(qp_, head, &bad); rc != 0) {
      // Everything before bad_wr went to the hardware; nothing from it onward.
      size_t index = 0;
      if (bad != nullptr && bad >= send_scratch_.wrs.data() &&
          bad < send_scratch_.wrs.data() + good)
        index = static_cast<size_t>(bad - send_scratch_.wrs.data());
      if (posted != nullptr) *posted = index;
      return ErrnoStatus(rc, fmt::format("ibv_post_send (work request {} of {}, {})", index,
                                         batch.size(), WrOpcodeName(batch[index].opcode)));
    }
  }
  if (posted != nullptr) *posted = good;
  return check;
}

Status VerbsConnection::Disconnect() {
  ConnectionState old = state_.exchange(ConnectionState::kDisconnected);
  if (old == ConnectionState::kDisconnected || !connect_sent_) return Status::Ok();
  int rc = dev_->api->Disconnect(cm_->id);
  return rc == 0 ? Status::Ok() : ErrnoStatus(rc, "rdma_disconnect");
}

std::optional<ConnectionEvent> VerbsConnection::NextEvent() {
  for (;;) {
    Result<CmEvent> next = TryGetCmEvent(*dev_->api, cm_->channel->get());
    if (!next.ok()) {
      state_.store(ConnectionState::kError);
      return ConnectionEvent{ConnectionEventType::kError, next.status()};
    }
    CmEvent event = std::move(next).value();
    if (event.get() == nullptr) return std::nullopt;
    rdma_cm_event_type type = event->event;
    int status = event->status;
    event.Ack();
    SRP_TRACE(kTraceFabric, "verbs qp {}: {} (status {})", qp_->qp_num, CmEventName(type), status);
    switch (type) {
      case RDMA_CM_EVENT_ESTABLISHED:
        state_.store(ConnectionState::kEstablished);
        return ConnectionEvent{ConnectionEventType::kEstablished, Status::Ok()};
      case RDMA_CM_EVENT_DISCONNECTED: {
        ConnectionState old = state_.exchange(ConnectionState::kDisconnected);
        const char* why = "disconnect requested locally";
        if (old != ConnectionState::kDisconnected) {
          why = "the peer disconnected";
          dev_->api->Disconnect(cm_->id);  // DREP, and flush the QP
        }
        return ConnectionEvent{ConnectionEventType::kDisconnected,
                               Status(StatusCode::kDisconnected, why)};
      }
      case RDMA_CM_EVENT_CONNECT_ERROR:
      case RDMA_CM_EVENT_UNREACHABLE:
      case RDMA_CM_EVENT_REJECTED:
      case RDMA_CM_EVENT_DEVICE_REMOVAL: {
        state_.store(ConnectionState::kError);
        StatusCode code =
            type == RDMA_CM_EVENT_REJECTED ? StatusCode::kRejected : StatusCode::kUnavailable;
        return ConnectionEvent{
            ConnectionEventType::kError,
            Status(code, fmt::format("RDMA CM {} (status {})", CmEventName(type), status))};
      }
      default:
        break;  // TIMEWAIT_EXIT, ADDR_CHANGE, ...: nothing for the seam
    }
  }
}

ConnectionState VerbsConnection::state() const {
  ConnectionState s = state_.load();
  if (s != ConnectionState::kEstablished) return s;
  ibv_qp_state qp_state = IBV_QPS_RTS;
  if (dev_->api->QueryQpState(qp_, &qp_state) == 0 && qp_state == IBV_QPS_ERR) {
    ConnectionState expected = ConnectionState::kEstablished;
    state_.compare_exchange_strong(expected, ConnectionState::kError);
    return state_.load();
  }
  return s;
}

}  // namespace srp::fabric::verbs
