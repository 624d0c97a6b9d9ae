// Completion queue of the soft fabric: a mutex-protected FIFO plus an eventfd.
//
// Event semantics (fabric.h): ArmNotify() arms one notification; the next
// Push() after arming makes event_fd() readable (and disarms). AckEvent()
// drains the eventfd without blocking. Overrun: the queue grows past depth()
// (logged once) instead of failing the QP.
#pragma once

#include <deque>
#include <mutex>

#include "lib/fabric/fabric.h"

namespace srp::fabric::soft {

class SoftCompletionQueue final : public CompletionQueue {
 public:
  static Result<std::unique_ptr<SoftCompletionQueue>> Create(int depth);
  ~SoftCompletionQueue() override;

  size_t Poll(std::span<Completion> out) override;
  int event_fd() const override { return event_fd_; }
  Status ArmNotify() override;
  void AckEvent() override;
  int depth() const override { return depth_; }

  // Any thread.
  void Push(const Completion& c);

 private:
  SoftCompletionQueue(int depth, int event_fd) : depth_(depth), event_fd_(event_fd) {}

  const int depth_;
  const int event_fd_;
  std::mutex mu_;
  std::deque<Completion> queue_;  // guarded by mu_
  bool armed_ = false;            // guarded by mu_
  bool overrun_logged_ = false;   // guarded by mu_
};

}  // namespace srp::fabric::soft
