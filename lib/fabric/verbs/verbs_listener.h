// Listener and ConnectRequest on RDMA CM: AF_IB (service id in RDMA_PS_IB)
// or AF_INET/AF_INET6 (RDMA_PS_TCP).
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <vector>

#include "lib/fabric/fabric.h"
#include "lib/fabric/verbs/verbs_common.h"

namespace srp::fabric::verbs {

// A CONNECT_REQUEST: the child cm_id (reporting on the listener's channel
// until CreateConnection migrates it) plus what the event carried.
class VerbsConnectRequest final : public ConnectRequest {
 public:
  VerbsConnectRequest(std::shared_ptr<CmId> cm, const rdma_cm_event& event, PeerInfo peer,
                      const Address& local_address);

  // For AF_IB ids the kernel CMA hands over the REQ private data from offset 0
  // (cma_user_data_offset() == 0): all 92 bytes of IB CM REQ private data. For
  // RDMA_PS_TCP ids it strips its 36-byte cma_hdr first, so user space sees the
  // initiator's bytes from offset 0 as well (56 bytes on IB). In both cases the
  // buffer is the transport's fixed size, zero-padded past what was sent
  // (rdma_get_cm_event(3)): exactly those bytes are exposed here.
  std::span<const std::byte> private_data() const override { return private_data_; }
  const PeerInfo& peer() const override { return peer_; }
  const Address& local_address() const override { return local_address_; }

  const std::shared_ptr<CmId>& cm() const { return cm_; }
  // What the REQ offered; Accept clamps to these.
  uint8_t req_responder_resources() const { return req_responder_resources_; }
  uint8_t req_initiator_depth() const { return req_initiator_depth_; }

  bool has_connection = false;
  bool answered = false;

 private:
  std::shared_ptr<CmId> cm_;
  std::vector<std::byte> private_data_;
  PeerInfo peer_;
  Address local_address_;
  uint8_t req_responder_resources_;
  uint8_t req_initiator_depth_;
};

class VerbsListener final : public Listener {
 public:
  static constexpr int kBacklog = 128;

  // kIb: REQUIRES the service id in RDMA_PS_IB (else InvalidArgument);
  // binds AF_IB to the wildcard GID with the service id (all-ones mask).
  // kIp: host "" binds IPv6 any (which also takes IPv4 on Linux unless
  // bindv6only) and falls back to IPv4 any when IPv6 cannot be bound; a
  // literal host binds that address. Then rdma_listen(backlog 128).
  // Requests that arrive on another RDMA device than the fabric's fail in
  // CreateConnection (the wildcard bind listens on every device).
  static Result<std::unique_ptr<Listener>> Create(std::shared_ptr<DeviceContext> dev,
                                                  const Address& address);
  VerbsListener(std::shared_ptr<DeviceContext> dev, std::shared_ptr<CmId> listen_id, Address bound)
      : dev_(std::move(dev)), listen_id_(std::move(listen_id)), address_(std::move(bound)) {}

  int event_fd() const override { return listen_id_->channel->fd(); }
  Result<std::unique_ptr<ConnectRequest>> NextRequest(std::chrono::milliseconds timeout) override;
  // Migrates the child id to a new event channel (the connection's
  // event_fd), then rdma_create_qp on it.
  Result<std::unique_ptr<Connection>> CreateConnection(ConnectRequest& req,
                                                       const QpOptions& options) override;
  // rdma_accept{private data, responder_resources = min(ours, REQ initiator
  // depth), initiator_depth = min(ours, REQ responder resources),
  // flow_control 1, rnr_retry_count from the QpOptions}.
  Status Accept(ConnectRequest& req, Connection& conn,
                std::span<const std::byte> private_data) override;
  // rdma_reject: librdmacm sends IB CM REJ reason 28 (consumer defined).
  Status Reject(ConnectRequest& req, std::span<const std::byte> private_data) override;
  const Address& address() const override { return address_; }

 private:
  std::shared_ptr<DeviceContext> dev_;
  std::shared_ptr<CmId> listen_id_;
  Address address_;
};

}  // namespace srp::fabric::verbs
