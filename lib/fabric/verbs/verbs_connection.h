// Connection: one RC queue pair created with rdma_create_qp on an RDMA CM id,
// whose events arrive on a per-connection event channel (event_fd()).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <span>

#include "lib/fabric/fabric.h"
#include "lib/fabric/verbs/translate.h"
#include "lib/fabric/verbs/verbs_common.h"

namespace srp::fabric::verbs {

class VerbsConnection final : public Connection {
 public:
  // rdma_create_qp(cm->id, pd, {RC, CQs of `options`, caps}). `cm` must already
  // report on the connection's own event channel. Fails when a CQ is not a
  // verbs CQ of this device, or the id belongs to another device than `dev`.
  static Result<std::unique_ptr<VerbsConnection>> Create(std::shared_ptr<DeviceContext> dev,
                                                         std::shared_ptr<CmId> cm,
                                                         const QpOptions& options, PeerInfo peer);
  VerbsConnection(std::shared_ptr<DeviceContext> dev, std::shared_ptr<CmId> cm,
                  const QpOptions& options, const ibv_qp_cap& cap, PeerInfo peer);
  // rdma_disconnect if a connection was requested/accepted and is not yet
  // disconnected, then rdma_destroy_qp. The id goes with the last CmId ref.
  ~VerbsConnection() override;

  Status PostRecv(std::span<const RecvRequest> batch) override;
  Status PostSend(std::span<const WorkRequest> batch, size_t* posted = nullptr) override;
  // rdma_disconnect (DREQ; moves the QP to error so outstanding WRs flush).
  Status Disconnect() override;
  int event_fd() const override { return cm_->channel->fd(); }
  // ESTABLISHED -> kEstablished; DISCONNECTED -> kDisconnected (answering with
  // rdma_disconnect so the QP flushes); CONNECT_ERROR / UNREACHABLE / REJECTED /
  // DEVICE_REMOVAL -> kError. Other CM events are consumed silently.
  std::optional<ConnectionEvent> NextEvent() override;
  // While kEstablished, asks the QP (ibv_query_qp) whether a failed WR moved
  // it to the error state, and reports kError then.
  ConnectionState state() const override;
  uint32_t qp_num() const override { return qp_->qp_num; }
  const PeerInfo& peer() const override { return peer_; }

  // Called once a connect request (active) or accept (passive) was sent.
  void MarkConnectSent() { connect_sent_ = true; }
  void SetState(ConnectionState state) { state_.store(state); }
  const std::shared_ptr<CmId>& cm() const { return cm_; }
  const QpOptions& options() const { return options_; }

 private:
  std::shared_ptr<DeviceContext> dev_;
  std::shared_ptr<CmId> cm_;
  ibv_qp* qp_;
  QpOptions options_;
  ibv_qp_cap cap_;  // what the provider granted
  PeerInfo peer_;
  bool connect_sent_ = false;
  mutable std::atomic<ConnectionState> state_{ConnectionState::kConnecting};
  SendChainScratch send_scratch_;
  RecvChainScratch recv_scratch_;
};

// The blocking active connect of Fabric::Connect.
Result<ConnectReply> ConnectActive(const std::shared_ptr<DeviceContext>& dev,
                                   const ConnectParams& params);

}  // namespace srp::fabric::verbs
