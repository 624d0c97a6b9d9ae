#include "lib/fabric/soft/cq.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "lib/common/log.h"

namespace srp::fabric::soft {

Result<std::unique_ptr<SoftCompletionQueue>> SoftCompletionQueue::Create(int depth) {
  if (depth <= 0) return InvalidArgument("completion queue depth must be positive");
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "eventfd");
  return std::unique_ptr<SoftCompletionQueue>(new SoftCompletionQueue(depth, fd));
}

SoftCompletionQueue::~SoftCompletionQueue() { close(event_fd_); }

size_t SoftCompletionQueue::Poll(std::span<Completion> out) {
  std::lock_guard lock(mu_);
  size_t n = 0;
  while (n < out.size() && !queue_.empty()) {
    out[n++] = queue_.front();
    queue_.pop_front();
  }
  return n;
}

Status SoftCompletionQueue::ArmNotify() {
  std::lock_guard lock(mu_);
  armed_ = true;
  return Status::Ok();
}

void SoftCompletionQueue::AckEvent() {
  uint64_t v;
  while (read(event_fd_, &v, sizeof(v)) == static_cast<ssize_t>(sizeof(v))) {
  }
}

void SoftCompletionQueue::Push(const Completion& c) {
  std::lock_guard lock(mu_);
  queue_.push_back(c);
  if (queue_.size() > static_cast<size_t>(depth_) && !overrun_logged_) {
    overrun_logged_ = true;
    SRP_LOG(kWarning, "soft fabric: completion queue overrun (depth {})", depth_);
  }
  if (armed_) {
    armed_ = false;
    uint64_t one = 1;
    [[maybe_unused]] ssize_t r = write(event_fd_, &one, sizeof(one));
  }
}

}  // namespace srp::fabric::soft
