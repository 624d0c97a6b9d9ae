#include "lib/fabric/verbs/verbs_common.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>

#include <cerrno>

namespace srp::fabric::verbs {

Status ErrnoStatus(int err, std::string_view call) { return Status::FromErrno(err, call); }

Status SetNonBlocking(int fd, std::string_view what) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return ErrnoStatus(errno, fmt::format("fcntl(O_NONBLOCK) on {}", what));
  return Status::Ok();
}

bool WaitReadable(int fd, std::chrono::milliseconds timeout) {
  pollfd pfd{fd, POLLIN, 0};
  int rc;
  do {
    rc = poll(&pfd, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  return rc > 0;
}

std::chrono::milliseconds Remaining(std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

DeviceContext::~DeviceContext() {
  if (pd != nullptr) api->DeallocPd(pd);
  if (device_list != nullptr) api->FreeRdmaDevices(device_list);
}

Result<std::shared_ptr<EventChannel>> EventChannel::Create(std::shared_ptr<VerbsApi> api) {
  errno = 0;
  rdma_event_channel* raw = api->CreateEventChannel();
  if (raw == nullptr) return ErrnoStatus(errno != 0 ? errno : EIO, "rdma_create_event_channel");
  auto channel = std::make_shared<EventChannel>(std::move(api), raw);
  SRP_RETURN_IF_ERROR(SetNonBlocking(channel->fd(), "the RDMA CM event channel"));
  return channel;
}

CmEvent& CmEvent::operator=(CmEvent&& other) noexcept {
  if (this != &other) {
    Ack();
    api_ = other.api_;
    event_ = other.event_;
    other.event_ = nullptr;
  }
  return *this;
}

void CmEvent::Ack() {
  if (event_ != nullptr) api_->AckCmEvent(event_);
  event_ = nullptr;
}

Result<CmEvent> TryGetCmEvent(VerbsApi& api, rdma_event_channel* channel) {
  rdma_cm_event* event = nullptr;
  int rc = api.GetCmEvent(channel, &event);
  if (rc == EAGAIN || rc == EWOULDBLOCK) return CmEvent();
  if (rc != 0) return ErrnoStatus(rc, "rdma_get_cm_event");
  return CmEvent(&api, event);
}

Result<CmEvent> WaitCmEvent(VerbsApi& api, const EventChannel& channel,
                            std::chrono::steady_clock::time_point deadline,
                            std::string_view waiting_for) {
  for (;;) {
    SRP_ASSIGN_OR_RETURN(CmEvent event, TryGetCmEvent(api, channel.get()));
    if (event.get() != nullptr) return event;
    auto left = Remaining(deadline);
    if (left.count() == 0 || !WaitReadable(channel.fd(), left)) {
      // One last non-blocking look: the event may have raced the deadline.
      SRP_ASSIGN_OR_RETURN(CmEvent late, TryGetCmEvent(api, channel.get()));
      if (late.get() != nullptr) return late;
      return Status(StatusCode::kTimedOut, fmt::format("timed out waiting for {}", waiting_for),
                    ETIMEDOUT);
    }
  }
}

const char* CmEventName(rdma_cm_event_type type) {
  switch (type) {
    case RDMA_CM_EVENT_ADDR_RESOLVED:
      return "ADDR_RESOLVED";
    case RDMA_CM_EVENT_ADDR_ERROR:
      return "ADDR_ERROR";
    case RDMA_CM_EVENT_ROUTE_RESOLVED:
      return "ROUTE_RESOLVED";
    case RDMA_CM_EVENT_ROUTE_ERROR:
      return "ROUTE_ERROR";
    case RDMA_CM_EVENT_CONNECT_REQUEST:
      return "CONNECT_REQUEST";
    case RDMA_CM_EVENT_CONNECT_RESPONSE:
      return "CONNECT_RESPONSE";
    case RDMA_CM_EVENT_CONNECT_ERROR:
      return "CONNECT_ERROR";
    case RDMA_CM_EVENT_UNREACHABLE:
      return "UNREACHABLE";
    case RDMA_CM_EVENT_REJECTED:
      return "REJECTED";
    case RDMA_CM_EVENT_ESTABLISHED:
      return "ESTABLISHED";
    case RDMA_CM_EVENT_DISCONNECTED:
      return "DISCONNECTED";
    case RDMA_CM_EVENT_DEVICE_REMOVAL:
      return "DEVICE_REMOVAL";
    case RDMA_CM_EVENT_MULTICAST_JOIN:
      return "MULTICAST_JOIN";
    case RDMA_CM_EVENT_MULTICAST_ERROR:
      return "MULTICAST_ERROR";
    case RDMA_CM_EVENT_ADDR_CHANGE:
      return "ADDR_CHANGE";
    case RDMA_CM_EVENT_TIMEWAIT_EXIT:
      return "TIMEWAIT_EXIT";
  }
  return "UNKNOWN";
}

std::vector<std::byte> CopyPrivateData(const rdma_cm_event& event) {
  const auto* data = static_cast<const std::byte*>(event.param.conn.private_data);
  if (data == nullptr) return {};
  return std::vector<std::byte>(data, data + event.param.conn.private_data_len);
}

}  // namespace srp::fabric::verbs
