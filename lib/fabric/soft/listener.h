// Listeners, connection requests and the accept side of the soft CM.
//
// IB-form listeners register their service id with the fabric; requests arrive
// on the fabric's unix socket and are routed by the REQ's service id. IP-form
// listeners own a TCP socket (an AcceptHandler on the engine).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/context.h"
#include "lib/fabric/soft/qp.h"

namespace srp::fabric::soft {

struct PendingRequest {
  std::shared_ptr<QpCore> core;
  std::vector<std::byte> private_data;
  PeerInfo peer;
};

// The queue of pending requests of one listener. Thread-safe.
class ListenerCore {
 public:
  static Result<std::shared_ptr<ListenerCore>> Create(Address local);
  ~ListenerCore();
  // Queues a request (engine thread); rejects it if the listener is closed.
  void Enqueue(PendingRequest req);
  Result<PendingRequest> Next(std::chrono::milliseconds timeout);
  // Rejects everything queued; later requests are rejected.
  void Close();
  int event_fd() const { return event_fd_; }
  const Address& address() const { return address_; }

 private:
  ListenerCore(Address local, int event_fd) : address_(std::move(local)), event_fd_(event_fd) {}

  const Address address_;
  const int event_fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingRequest> queue_;  // guarded by mu_
  bool closed_ = false;               // guarded by mu_
};

// Accepts sockets on a listening fd and creates passive QPs for them.
class AcceptHandler final : public Pollable {
 public:
  AcceptHandler(std::shared_ptr<FabricContext> ctx, int listen_fd,
                std::weak_ptr<ListenerCore> ip_listener)
      : ctx_(std::move(ctx)), listen_fd_(listen_fd), ip_listener_(std::move(ip_listener)) {}
  void OnEvents(uint32_t events) override;
  void OnEngineShutdown() override {}

 private:
  const std::shared_ptr<FabricContext> ctx_;
  const int listen_fd_;  // owned by whoever registered this handler
  const std::weak_ptr<ListenerCore> ip_listener_;
};

class SoftConnectRequest final : public ConnectRequest {
 public:
  SoftConnectRequest(PendingRequest req, const Address& local)
      : req_(std::move(req)), local_(local) {}
  ~SoftConnectRequest() override;
  std::span<const std::byte> private_data() const override { return req_.private_data; }
  const PeerInfo& peer() const override { return req_.peer; }
  const Address& local_address() const override { return local_; }
  const std::shared_ptr<QpCore>& core() const { return req_.core; }

 private:
  PendingRequest req_;
  Address local_;
};

// The Connection handed to applications: a handle on a QpCore.
class SoftConnection final : public Connection {
 public:
  explicit SoftConnection(std::shared_ptr<QpCore> core) : core_(std::move(core)) {}
  ~SoftConnection() override { core_->Release(); }
  Status PostRecv(std::span<const RecvRequest> batch) override { return core_->PostRecv(batch); }
  Status PostSend(std::span<const WorkRequest> batch, size_t* posted = nullptr) override {
    return core_->PostSend(batch, posted);
  }
  Status Disconnect() override { return core_->Disconnect(); }
  int event_fd() const override { return core_->event_fd(); }
  std::optional<ConnectionEvent> NextEvent() override { return core_->NextEvent(); }
  ConnectionState state() const override { return core_->state(); }
  uint32_t qp_num() const override { return core_->qp_num(); }
  const PeerInfo& peer() const override { return core_->peer(); }
  QpCore& core() { return *core_; }

 private:
  std::shared_ptr<QpCore> core_;
};

class SoftListener final : public Listener {
 public:
  // `listen_fd` >= 0 for IP listeners (owned); `service_id` registration for IB.
  SoftListener(std::shared_ptr<FabricContext> ctx, std::shared_ptr<ListenerCore> core,
               int listen_fd, uint64_t engine_id)
      : ctx_(std::move(ctx)),
        core_(std::move(core)),
        listen_fd_(listen_fd),
        engine_id_(engine_id) {}
  ~SoftListener() override;
  int event_fd() const override { return core_->event_fd(); }
  Result<std::unique_ptr<ConnectRequest>> NextRequest(std::chrono::milliseconds timeout) override;
  Result<std::unique_ptr<Connection>> CreateConnection(ConnectRequest& req,
                                                       const QpOptions& options) override;
  Status Accept(ConnectRequest& req, Connection& conn,
                std::span<const std::byte> private_data) override;
  Status Reject(ConnectRequest& req, std::span<const std::byte> private_data) override;
  const Address& address() const override { return core_->address(); }

 private:
  std::shared_ptr<FabricContext> ctx_;
  std::shared_ptr<ListenerCore> core_;
  int listen_fd_;
  uint64_t engine_id_;
};

}  // namespace srp::fabric::soft
