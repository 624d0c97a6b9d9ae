#include "lib/fabric/verbs/verbs_cq.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

#include "lib/common/log.h"
#include "lib/fabric/verbs/translate.h"

namespace srp::fabric::verbs {

Result<std::unique_ptr<VerbsCompletionQueue>> VerbsCompletionQueue::Create(
    std::shared_ptr<DeviceContext> dev, int depth) {
  if (depth <= 0) return InvalidArgument(fmt::format("completion queue depth {} <= 0", depth));
  VerbsApi& api = *dev->api;
  errno = 0;
  ibv_comp_channel* channel = api.CreateCompChannel(dev->context);
  if (channel == nullptr) return ErrnoStatus(errno != 0 ? errno : EIO, "ibv_create_comp_channel");
  if (Status s = SetNonBlocking(channel->fd, "the completion channel"); !s.ok()) {
    api.DestroyCompChannel(channel);
    return s;
  }
  errno = 0;
  ibv_cq* cq = api.CreateCq(dev->context, depth, nullptr, channel, 0);
  if (cq == nullptr) {
    int err = errno != 0 ? errno : EIO;
    api.DestroyCompChannel(channel);
    return ErrnoStatus(err, fmt::format("ibv_create_cq(depth {})", depth));
  }
  return std::make_unique<VerbsCompletionQueue>(std::move(dev), channel, cq, depth);
}

VerbsCompletionQueue::~VerbsCompletionQueue() {
  AckEvent();
  if (int rc = dev_->api->DestroyCq(cq_); rc != 0)
    SRP_LOG(kWarning, "{}", ErrnoStatus(rc, "ibv_destroy_cq").ToString());
  if (int rc = dev_->api->DestroyCompChannel(channel_); rc != 0)
    SRP_LOG(kWarning, "{}", ErrnoStatus(rc, "ibv_destroy_comp_channel").ToString());
}

size_t VerbsCompletionQueue::Poll(std::span<Completion> out) {
  ibv_wc wc[kPollChunk];
  size_t total = 0;
  while (total < out.size()) {
    int want = static_cast<int>(std::min<size_t>(kPollChunk, out.size() - total));
    int n = dev_->api->PollCq(cq_, want, wc);
    if (n < 0) {
      SRP_LOG(kError, "{}", ErrnoStatus(-n, "ibv_poll_cq").ToString());
      break;
    }
    for (int i = 0; i < n; ++i) out[total + i] = FromIbvWc(wc[i]);
    total += static_cast<size_t>(n);
    if (n < want) break;
  }
  return total;
}

Status VerbsCompletionQueue::ArmNotify() {
  int rc = dev_->api->ReqNotifyCq(cq_, 0);
  return rc == 0 ? Status::Ok() : ErrnoStatus(rc, "ibv_req_notify_cq");
}

void VerbsCompletionQueue::AckEvent() {
  unsigned int events = 0;
  for (;;) {
    ibv_cq* cq = nullptr;
    void* cq_context = nullptr;
    int rc = dev_->api->GetCqEvent(channel_, &cq, &cq_context);
    if (rc != 0) {
      if (rc != EAGAIN && rc != EWOULDBLOCK)
        SRP_LOG(kWarning, "{}", ErrnoStatus(rc, "ibv_get_cq_event").ToString());
      break;
    }
    ++events;
  }
  if (events > 0) dev_->api->AckCqEvents(cq_, events);
}

}  // namespace srp::fabric::verbs
