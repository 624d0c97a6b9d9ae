#include "lib/fabric/soft/listener.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "lib/common/log.h"
#include "lib/fabric/soft/socket_util.h"

namespace srp::fabric::soft {

Result<std::shared_ptr<ListenerCore>> ListenerCore::Create(Address local) {
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) return Status::FromErrno(errno, "eventfd");
  return std::shared_ptr<ListenerCore>(new ListenerCore(std::move(local), efd));
}

ListenerCore::~ListenerCore() { close(event_fd_); }

void ListenerCore::Enqueue(PendingRequest req) {
  {
    std::lock_guard lock(mu_);
    if (!closed_) {
      queue_.push_back(std::move(req));
      uint64_t one = 1;
      [[maybe_unused]] ssize_t r = write(event_fd_, &one, sizeof(one));
      cv_.notify_one();
      return;
    }
  }
  (void)req.core->Reject({}, RejectReason::kNoListener);
}

Result<PendingRequest> ListenerCore::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return Status(StatusCode::kTimedOut, "no connection request pending");
  PendingRequest req = std::move(queue_.front());
  queue_.pop_front();
  if (queue_.empty()) {
    uint64_t v;
    [[maybe_unused]] ssize_t r = read(event_fd_, &v, sizeof(v));
  }
  return req;
}

void ListenerCore::Close() {
  std::deque<PendingRequest> doomed;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    doomed.swap(queue_);
    cv_.notify_all();
  }
  for (PendingRequest& r : doomed) (void)r.core->Reject({}, RejectReason::kNoListener);
}

void AcceptHandler::OnEvents(uint32_t) {
  for (;;) {
    Result<int> fd = AcceptOne(listen_fd_);
    if (!fd.ok()) {
      if (fd.status().sys_errno() != EAGAIN && fd.status().sys_errno() != EWOULDBLOCK)
        SRP_LOG(kWarning, "soft fabric: accept failed: {}", fd.status().ToString());
      return;
    }
    auto core = QpCore::CreatePassive(ctx_, *fd, ip_listener_);
    if (!core) continue;
    Status s = core->Register();
    if (!s.ok()) SRP_LOG(kWarning, "soft fabric: cannot register connection: {}", s.ToString());
  }
}

SoftConnectRequest::~SoftConnectRequest() { req_.core->AbandonRequest(); }

SoftListener::~SoftListener() {
  if (listen_fd_ >= 0) {
    ctx_->engine->Remove(engine_id_, listen_fd_);
    close(listen_fd_);
  } else {
    std::lock_guard lock(ctx_->mu);
    auto it = ctx_->ib_listeners.find(core_->address().service_id);
    if (it != ctx_->ib_listeners.end() && it->second.lock() == core_) ctx_->ib_listeners.erase(it);
  }
  core_->Close();
}

Result<std::unique_ptr<ConnectRequest>> SoftListener::NextRequest(
    std::chrono::milliseconds timeout) {
  SRP_ASSIGN_OR_RETURN(PendingRequest req, core_->Next(timeout));
  return std::unique_ptr<ConnectRequest>(new SoftConnectRequest(std::move(req), address()));
}

Result<std::unique_ptr<Connection>> SoftListener::CreateConnection(ConnectRequest& req,
                                                                   const QpOptions& options) {
  auto* soft_req = dynamic_cast<SoftConnectRequest*>(&req);
  if (soft_req == nullptr) return InvalidArgument("not a soft connection request");
  SRP_RETURN_IF_ERROR(soft_req->core()->Configure(options));
  return std::unique_ptr<Connection>(new SoftConnection(soft_req->core()));
}

Status SoftListener::Accept(ConnectRequest& req, Connection& conn,
                            std::span<const std::byte> private_data) {
  auto* soft_req = dynamic_cast<SoftConnectRequest*>(&req);
  auto* soft_conn = dynamic_cast<SoftConnection*>(&conn);
  if (soft_req == nullptr || soft_conn == nullptr)
    return InvalidArgument("not a soft connection request / connection");
  if (&soft_conn->core() != soft_req->core().get())
    return InvalidArgument("connection was not created for this request");
  return soft_req->core()->Accept(private_data);
}

Status SoftListener::Reject(ConnectRequest& req, std::span<const std::byte> private_data) {
  auto* soft_req = dynamic_cast<SoftConnectRequest*>(&req);
  if (soft_req == nullptr) return InvalidArgument("not a soft connection request");
  return soft_req->core()->Reject(private_data, RejectReason::kConsumer);
}

}  // namespace srp::fabric::soft
