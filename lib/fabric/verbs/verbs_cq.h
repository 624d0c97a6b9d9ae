// CompletionQueue on an ibv_cq with its own completion channel (event mode).
#pragma once

#include <memory>
#include <span>

#include "lib/fabric/fabric.h"
#include "lib/fabric/verbs/verbs_common.h"

namespace srp::fabric::verbs {

class VerbsCompletionQueue final : public CompletionQueue {
 public:
  // ibv_create_comp_channel (fd set O_NONBLOCK) + ibv_create_cq(depth).
  static Result<std::unique_ptr<VerbsCompletionQueue>> Create(std::shared_ptr<DeviceContext> dev,
                                                              int depth);
  VerbsCompletionQueue(std::shared_ptr<DeviceContext> dev, ibv_comp_channel* channel, ibv_cq* cq,
                       int depth)
      : dev_(std::move(dev)), channel_(channel), cq_(cq), depth_(depth) {}
  // Acks any pending events, then destroys the CQ and the channel.
  // REQUIRES: no queue pair still uses the CQ.
  ~VerbsCompletionQueue() override;

  // ibv_poll_cq in chunks; a provider error is logged and ends the poll.
  size_t Poll(std::span<Completion> out) override;
  int event_fd() const override { return channel_->fd; }
  // ibv_req_notify_cq(cq, 0): the next completion of any kind raises an event.
  Status ArmNotify() override;
  // ibv_get_cq_event until EAGAIN, then one ibv_ack_cq_events for all of them.
  void AckEvent() override;
  // The depth asked for (the provider may round the real ibv_cq up).
  int depth() const override { return depth_; }

  ibv_cq* cq() const { return cq_; }
  ibv_context* context() const { return dev_->context; }

 private:
  static constexpr int kPollChunk = 32;

  std::shared_ptr<DeviceContext> dev_;
  ibv_comp_channel* channel_;
  ibv_cq* cq_;
  int depth_;
};

}  // namespace srp::fabric::verbs
