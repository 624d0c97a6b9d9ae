#include "initiator_tools/initiator/remote_port.h"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "initiator_tools/initiator/login.h"
#include "lib/common/ids.h"
#include "lib/common/log.h"

namespace srp::initiator {

using std::chrono::milliseconds;

const char* PortStateName(PortState state) {
  switch (state) {
    case PortState::kRunning:
      return "running";
    case PortState::kBlocked:
      return "blocked";
    case PortState::kFailFast:
      return "fail-fast";
    case PortState::kLost:
      return "lost";
  }
  return "unknown";
}

Status FailureTimeouts::Validate() const {
  if (fast_io_fail_tmo && dev_loss_tmo && *fast_io_fail_tmo >= *dev_loss_tmo) {
    return InvalidArgument(fmt::format("fast_io_fail_tmo ({}) must be below dev_loss_tmo ({})",
                                       FormatTimeout(fast_io_fail_tmo),
                                       FormatTimeout(dev_loss_tmo)));
  }
  if (!reconnect_delay && !fast_io_fail_tmo && !dev_loss_tmo) {
    return InvalidArgument("reconnect_delay, fast_io_fail_tmo and dev_loss_tmo cannot all be off");
  }
  if (reconnect_delay && reconnect_delay->count() == 0) {
    return InvalidArgument("reconnect_delay must be positive or off");
  }
  return Status::Ok();
}

Result<std::optional<milliseconds>> ParseTimeout(std::string_view text) {
  if (text == "off") return std::optional<milliseconds>();
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds > 1e7) {
    return InvalidArgument(fmt::format("'{}' is not a number of seconds or \"off\"", text));
  }
  if (seconds < 0) return std::optional<milliseconds>();
  return std::optional<milliseconds>(milliseconds(static_cast<int64_t>(seconds * 1000 + 0.5)));
}

std::string FormatTimeout(const std::optional<milliseconds>& t) {
  if (!t) return "off";
  if (t->count() % 1000 == 0) return std::to_string(t->count() / 1000);
  return fmt::format("{:.3f}", static_cast<double>(t->count()) / 1000.0);
}

Result<std::unique_ptr<RemotePort>> RemotePort::Connect(fabric::Fabric& fabric,
                                                        SessionOptions options,
                                                        FailureTimeouts timeouts) {
  SRP_RETURN_IF_ERROR(timeouts.Validate());
  SRP_ASSIGN_OR_RETURN(auto session, Session::Login(fabric, options));
  std::unique_ptr<RemotePort> port(new RemotePort(fabric, options, timeouts));
  if (port->wake_fd_ < 0) return Status::FromErrno(errno, "eventfd");
  port->session_ = std::move(session);
  return port;
}

RemotePort::RemotePort(fabric::Fabric& fabric, SessionOptions options, FailureTimeouts timeouts)
    : fabric_(fabric), options_(std::move(options)), timeouts_(timeouts) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  snapshot_.since = Clock::now();
}

RemotePort::~RemotePort() {
  Close();
  if (wake_fd_ >= 0) close(wake_fd_);
}

PortSnapshot RemotePort::Snapshot() const {
  std::lock_guard lock(snapshot_mu_);
  return snapshot_;
}

uint32_t RemotePort::AcquireSlot() {
  uint32_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else {
    index = static_cast<uint32_t>(slots_.size());
    slots_.push_back(std::make_unique<Slot>());
  }
  Slot& s = *slots_[index];
  s.in_use = true;
  s.held = false;
  s.order = next_order_++;
  ++in_use_;
  return index;
}

void RemotePort::ReleaseSlot(uint32_t index) {
  Slot& s = *slots_[index];
  s.in_use = false;
  s.held = false;
  s.done = nullptr;
  --in_use_;
  free_slots_.push_back(index);
}

Status RemotePort::Submit(const ScsiCommand& command, ScsiCallback done) {
  const PortState st = state();
  if (st == PortState::kLost) {
    return Status(StatusCode::kNotFound,
                  "the remote port is lost (dev_loss_tmo expired or "
                  "the target refuses the login): the LUN is removed");
  }
  if (st == PortState::kFailFast || (st != PortState::kRunning && fail_fast_forced_)) {
    return Status(StatusCode::kIoError, "the remote port fails I/O fast (fast_io_fail_tmo)", EIO);
  }
  const uint32_t index = AcquireSlot();
  Slot& s = *slots_[index];
  s.command = command;  // reuses the slot's segment storage
  s.done = std::move(done);
  if (st != PortState::kRunning) {
    s.held = true;
    return Status::Ok();
  }
  Status issued = Issue(index);
  if (!issued.ok()) ReleaseSlot(index);
  return issued;
}

Status RemotePort::Issue(uint32_t index) {
  Slot& s = *slots_[index];
  s.held = false;
  s.sent = Clock::now();
  auto tag = session_->Submit(s.command, [this, index](const ScsiResult& r) { OnDone(index, r); });
  if (tag.ok()) return Status::Ok();
  if (session_->state() != SessionState::kLoggedIn) {
    s.held = true;  // the loss is handled by the next Progress()
    return Status::Ok();
  }
  return tag.status();
}

void RemotePort::OnDone(uint32_t index, const ScsiResult& result) {
  Slot& s = *slots_[index];
  if (!s.in_use) return;
  const bool lost_connection = !result.transport.ok() &&
                               result.transport.code() != StatusCode::kCancelled &&
                               state() == PortState::kRunning && !closing_;
  if (lost_connection) {
    s.held = true;  // issued again after the reconnect (or failed by the timers)
    return;
  }
  Complete(index, result);
}

void RemotePort::Complete(uint32_t index, const ScsiResult& result) {
  ScsiCallback done = std::move(slots_[index]->done);
  ReleaseSlot(index);
  if (done) done(result);
}

std::vector<uint32_t> RemotePort::HeldInOrder() const {
  std::vector<uint32_t> held;
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i]->in_use && slots_[i]->held) held.push_back(i);
  }
  std::sort(held.begin(), held.end(),
            [this](uint32_t a, uint32_t b) { return slots_[a]->order < slots_[b]->order; });
  return held;
}

void RemotePort::FailHeld(const Status& why) {
  const std::vector<uint32_t> held = HeldInOrder();
  for (uint32_t i : held) {
    ScsiResult r;
    r.transport = why;
    Complete(i, r);
  }
}

std::vector<RemotePort::HeldCommand> RemotePort::TakeHeld() {
  const std::vector<uint32_t> held = HeldInOrder();
  std::vector<HeldCommand> out;
  out.reserve(held.size());
  for (uint32_t i : held) {
    out.push_back({slots_[i]->command, std::move(slots_[i]->done)});
    ReleaseSlot(i);
  }
  return out;
}

void RemotePort::EnterState(PortState next, std::string why) {
  const PortState prev = state();
  if (prev == next) return;
  state_.store(next, std::memory_order_release);
  if (next == PortState::kRunning) {
    SRP_LOG(kInfo, "remote port {}: {} -> running", FormatHex64(options_.id_ext),
            PortStateName(prev));
  } else {
    SRP_LOG(kWarning, "remote port {}: {} -> {}{}{}", FormatHex64(options_.id_ext),
            PortStateName(prev), PortStateName(next), why.empty() ? "" : ": ", why);
  }
  std::lock_guard lock(snapshot_mu_);
  snapshot_.state = next;
  snapshot_.since = Clock::now();
  if (!why.empty() && next != PortState::kRunning) snapshot_.last_error = std::move(why);
}

void RemotePort::LoseSession(std::string why) {
  // Every command the session still has completes with kDisconnected and is held.
  (void)session_->Logout(false);
  session_.reset();
  lost_at_ = Clock::now();
  next_attempt_ = lost_at_;
  EnterState(PortState::kBlocked, std::move(why));
  if (fail_fast_forced_) FailHeld(Status(StatusCode::kIoError, "detaching", EIO));
  RunTimers(lost_at_);
}

void RemotePort::FailFastNow(std::string_view why) {
  fail_fast_forced_ = true;
  if (state() != PortState::kRunning) {
    FailHeld(Status(StatusCode::kIoError, std::string(why), EIO));
  }
}

void RemotePort::StartReconnect() {
  reconnect_ = std::make_unique<Reconnect>();
  Reconnect* r = reconnect_.get();
  fabric::Fabric* fabric = &fabric_;
  const SessionOptions options = options_;
  const int wake = wake_fd_;
  r->thread = std::thread([r, fabric, options, wake] {
    auto session = Session::Login(*fabric, options);
    {
      std::lock_guard lock(r->mu);
      r->result = std::move(session);
      r->done = true;
    }
    const uint64_t one = 1;
    ssize_t n = write(wake, &one, sizeof one);
    (void)n;
  });
}

void RemotePort::FinishReconnect() {
  if (!reconnect_) return;
  {
    std::lock_guard lock(reconnect_->mu);
    if (!reconnect_->done) return;
  }
  reconnect_->thread.join();
  auto result = std::move(reconnect_->result);
  reconnect_.reset();
  const Clock::time_point now = Clock::now();
  if (state() == PortState::kLost || state() == PortState::kRunning) {
    if (result.ok()) (void)(*result)->Logout(true);
    return;
  }
  if (!result.ok()) {
    {
      std::lock_guard lock(snapshot_mu_);
      ++snapshot_.failed_reconnects;
      snapshot_.last_error = result.status().ToString();
    }
    if (RejectCannotHeal(result.status())) {
      EnterState(PortState::kLost, "login rejected for good: " + result.status().ToString());
      FailHeld(Status(StatusCode::kRejected, result.status().message()));
      return;
    }
    if (timeouts_.reconnect_delay) next_attempt_ = now + *timeouts_.reconnect_delay;
    SRP_LOG(kInfo, "remote port {}: reconnect failed: {}", FormatHex64(options_.id_ext),
            result.status().ToString());
    return;
  }
  session_ = std::move(result).value();
  {
    std::lock_guard lock(snapshot_mu_);
    ++snapshot_.reconnects;
    snapshot_.failed_reconnects = 0;
  }
  EnterState(PortState::kRunning, "");
  SRP_LOG(kWarning, "remote port {}: session re-established", FormatHex64(options_.id_ext));
  const std::vector<uint32_t> held = HeldInOrder();
  for (uint32_t i : held) {
    Status s = Issue(i);
    if (!s.ok()) {
      ScsiResult r;
      r.transport = s;
      Complete(i, r);
    }
  }
}

void RemotePort::RunTimers(Clock::time_point now) {
  const PortState st = state();
  if (st != PortState::kBlocked && st != PortState::kFailFast) return;
  if (timeouts_.dev_loss_tmo && now >= lost_at_ + *timeouts_.dev_loss_tmo) {
    EnterState(PortState::kLost, "dev_loss_tmo expired");
    FailHeld(Status(StatusCode::kNotFound, "dev_loss_tmo expired: the LUN is removed"));
    return;
  }
  if (st == PortState::kBlocked && timeouts_.fast_io_fail_tmo &&
      now >= lost_at_ + *timeouts_.fast_io_fail_tmo) {
    EnterState(PortState::kFailFast, "fast_io_fail_tmo expired");
    FailHeld(Status(StatusCode::kIoError, "fast_io_fail_tmo expired", EIO));
  }
  if (!reconnect_ && timeouts_.reconnect_delay && now >= next_attempt_) StartReconnect();
}

void RemotePort::CheckCommandTimeout(Clock::time_point now) {
  if (state() != PortState::kRunning || in_use_ == 0) return;
  for (const auto& s : slots_) {
    if (s->in_use && !s->held && now - s->sent > options_.command_timeout) {
      LoseSession(
          fmt::format("a command did not complete within {} ms", options_.command_timeout.count()));
      return;
    }
  }
}

int RemotePort::Progress() {
  int n = 0;
  if (session_ && state() == PortState::kRunning) {
    n += session_->Progress();
    if (session_->state() != SessionState::kLoggedIn) {
      LoseSession(fmt::format("session {}", SessionStateName(session_->state())));
    }
  }
  FinishReconnect();
  const Clock::time_point now = Clock::now();
  if (now >= next_timeout_check_) {
    CheckCommandTimeout(now);
    next_timeout_check_ =
        now + std::min<milliseconds>(options_.command_timeout / 4, milliseconds(1000));
  }
  RunTimers(now);
  return n;
}

void RemotePort::ArmWait(std::vector<int>* fds, Clock::time_point* deadline) {
  fds->push_back(wake_fd_);
  const PortState st = state();
  if (st == PortState::kRunning && session_) {
    for (int fd : session_->ArmWait()) {
      if (fd >= 0) fds->push_back(fd);
    }
    if (in_use_ > 0) *deadline = std::min(*deadline, next_timeout_check_);
    return;
  }
  if (st != PortState::kBlocked && st != PortState::kFailFast) return;
  if (timeouts_.dev_loss_tmo) *deadline = std::min(*deadline, lost_at_ + *timeouts_.dev_loss_tmo);
  if (st == PortState::kBlocked && timeouts_.fast_io_fail_tmo) {
    *deadline = std::min(*deadline, lost_at_ + *timeouts_.fast_io_fail_tmo);
  }
  if (!reconnect_ && timeouts_.reconnect_delay) *deadline = std::min(*deadline, next_attempt_);
}

void RemotePort::AckWait() {
  if (session_ && state() == PortState::kRunning) session_->AckWait();
  uint64_t v;
  ssize_t n = read(wake_fd_, &v, sizeof v);
  (void)n;
}

void RemotePort::Close() {
  closing_ = true;
  if (reconnect_) {
    reconnect_->thread.join();
    std::lock_guard lock(reconnect_->mu);
    if (reconnect_->result.ok()) (void)(*reconnect_->result)->Logout(true);
  }
  reconnect_.reset();
  if (session_) {
    (void)session_->Logout(true);  // completes what it still has with kDisconnected
    session_.reset();
  }
  FailHeld(Status(StatusCode::kDisconnected, "the remote port is closed"));
  if (state() != PortState::kLost) EnterState(PortState::kLost, "closed");
}

}  // namespace srp::initiator
