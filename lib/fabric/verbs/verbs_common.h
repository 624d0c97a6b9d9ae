// Shared plumbing of the verbs backend: the opened device (context + PD),
// owned RDMA CM event channels and ids, and errno -> Status helpers.
//
// Lifetime: every object handed out by a VerbsFabric holds a shared_ptr to its
// DeviceContext, and every passive/active cm_id is held by a shared CmId that
// also keeps its current event channel alive. So destruction order between a
// Fabric, its Listeners, ConnectRequests and Connections does not matter.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/fabric/verbs/verbs_api.h"

namespace srp::fabric::verbs {

// "<call>: <strerror>" with the errno kept (Status::FromErrno).
Status ErrnoStatus(int err, std::string_view call);
// Sets O_NONBLOCK on `fd`.
Status SetNonBlocking(int fd, std::string_view what);
// Waits (poll) until `fd` is readable or `timeout` passes; true when readable.
bool WaitReadable(int fd, std::chrono::milliseconds timeout);
// Milliseconds left until `deadline` (>= 0).
std::chrono::milliseconds Remaining(std::chrono::steady_clock::time_point deadline);

// The opened port: librdmacm's context for the device (cm_ids report the same
// pointer in id->verbs, which rdma_create_qp requires of the PD), and our PD.
struct DeviceContext {
  DeviceContext(std::shared_ptr<VerbsApi> api_in, ibv_context** list_in, ibv_context* context_in)
      : api(std::move(api_in)), device_list(list_in), context(context_in) {}
  ~DeviceContext();
  DeviceContext(const DeviceContext&) = delete;
  DeviceContext& operator=(const DeviceContext&) = delete;

  std::shared_ptr<VerbsApi> api;
  ibv_context** device_list;  // from GetRdmaDevices; freed last
  ibv_context* context;       // one entry of device_list; owned by librdmacm
  ibv_pd* pd = nullptr;
  PortAttributes port;
};

// An owned rdma_event_channel whose fd is O_NONBLOCK.
class EventChannel {
 public:
  static Result<std::shared_ptr<EventChannel>> Create(std::shared_ptr<VerbsApi> api);
  EventChannel(std::shared_ptr<VerbsApi> api, rdma_event_channel* channel)
      : api_(std::move(api)), channel_(channel) {}
  ~EventChannel() { api_->DestroyEventChannel(channel_); }
  EventChannel(const EventChannel&) = delete;
  EventChannel& operator=(const EventChannel&) = delete;

  rdma_event_channel* get() const { return channel_; }
  int fd() const { return channel_->fd; }

 private:
  std::shared_ptr<VerbsApi> api_;
  rdma_event_channel* channel_;
};

// An owned rdma_cm_id plus the channel it currently reports on.
// REQUIRES: any QP on the id is destroyed before the last reference goes.
struct CmId {
  CmId(std::shared_ptr<VerbsApi> api_in, rdma_cm_id* id_in,
       std::shared_ptr<EventChannel> channel_in)
      : api(std::move(api_in)), id(id_in), channel(std::move(channel_in)) {}
  ~CmId() { api->DestroyId(id); }  // then `channel` is released
  CmId(const CmId&) = delete;
  CmId& operator=(const CmId&) = delete;

  std::shared_ptr<VerbsApi> api;
  rdma_cm_id* id;
  std::shared_ptr<EventChannel> channel;
};

// Acks an rdma_cm_event when it goes out of scope (private data dies with it).
class CmEvent {
 public:
  CmEvent() = default;
  CmEvent(VerbsApi* api, rdma_cm_event* event) : api_(api), event_(event) {}
  CmEvent(CmEvent&& other) noexcept : api_(other.api_), event_(other.event_) {
    other.event_ = nullptr;
  }
  CmEvent& operator=(CmEvent&& other) noexcept;
  ~CmEvent() { Ack(); }
  void Ack();
  rdma_cm_event* operator->() const { return event_; }
  rdma_cm_event* get() const { return event_; }

 private:
  VerbsApi* api_ = nullptr;
  rdma_cm_event* event_ = nullptr;
};

// Non-blocking read of the next event on `channel`; nullopt-like empty CmEvent
// (get() == nullptr) when none is pending. Errors other than EAGAIN -> Status.
Result<CmEvent> TryGetCmEvent(VerbsApi& api, rdma_event_channel* channel);
// Waits for the next event on `channel` until `deadline`; kTimedOut if none.
Result<CmEvent> WaitCmEvent(VerbsApi& api, const EventChannel& channel,
                            std::chrono::steady_clock::time_point deadline,
                            std::string_view waiting_for);

// "ESTABLISHED", "REJECTED", ... (no librdmacm call, so mocks need not stub it).
const char* CmEventName(rdma_cm_event_type type);

// Copies an event's private data (the CM frees it on ack).
std::vector<std::byte> CopyPrivateData(const rdma_cm_event& event);

}  // namespace srp::fabric::verbs
