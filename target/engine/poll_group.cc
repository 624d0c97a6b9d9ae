#include "target/engine/poll_group.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "lib/common/log.h"

namespace srp::target {

namespace {
using namespace std::chrono_literals;
constexpr auto kLogoutGrace = 1s;  // after this, channels are disconnected without waiting
constexpr auto kDrainLimit = 10s;  // after this, shutdown gives up on a stuck channel
constexpr int kIdleWaitMs = 100;
}  // namespace

PollGroup::PollGroup(const TargetConfig& config, ScsiExecutor* executor, ChannelObserver* observer,
                     int index)
    : config_(config), observer_(observer), index_(index) {
  resources_.executor = executor;
  resources_.sink = this;
}

Result<std::unique_ptr<PollGroup>> PollGroup::Create(fabric::Fabric& fabric,
                                                     const TargetConfig& config,
                                                     ScsiExecutor* executor,
                                                     ChannelObserver* observer, int index) {
  std::unique_ptr<PollGroup> g(new PollGroup(config, executor, observer, index));
  SRP_ASSIGN_OR_RETURN(g->cq_, fabric.CreateCompletionQueue(config.cq_depth));
  SRP_ASSIGN_OR_RETURN(g->pool_,
                       BufferPool::Create(fabric, config.pool_buffer_size, config.pool_buffers));
  g->resources_.pool = g->pool_.get();
  g->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (g->wake_fd_ < 0) return Status::FromErrno(errno, "eventfd");
  return g;
}

PollGroup::~PollGroup() {
  Shutdown();
  channels_.clear();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void PollGroup::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PollGroup::Wake() {
  mailbox_dirty_.store(true, std::memory_order_release);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t r = write(wake_fd_, &one, sizeof(one));
}

void PollGroup::Adopt(NewChannel nc) {
  {
    std::lock_guard lock(mu_);
    new_channels_.push_back(std::move(nc));
  }
  Wake();
}

void PollGroup::RequestDisconnect(uint64_t channel_id, std::string why) {
  {
    std::lock_guard lock(mu_);
    disconnects_.emplace_back(channel_id, std::move(why));
  }
  Wake();
}

void PollGroup::PostScsiDone(SrpRequest* request) {
  {
    std::lock_guard lock(mu_);
    scsi_done_.push_back(request);
  }
  Wake();
}

void PollGroup::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_requested_ = true;
  }
  Wake();
  if (thread_.joinable()) thread_.join();
}

bool PollGroup::DrainMailbox() {
  if (!mailbox_dirty_.exchange(false, std::memory_order_acq_rel)) return false;
  uint64_t v;
  [[maybe_unused]] ssize_t r = read(wake_fd_, &v, sizeof(v));
  std::vector<NewChannel> adopt;
  std::vector<std::pair<uint64_t, std::string>> disconnects;
  std::vector<SrpRequest*> done;
  bool shutdown;
  {
    std::lock_guard lock(mu_);
    adopt.swap(new_channels_);
    disconnects.swap(disconnects_);
    done.swap(scsi_done_);
    shutdown = shutdown_requested_;
  }
  for (NewChannel& nc : adopt) AdoptOnThread(std::move(nc));
  for (auto& [id, why] : disconnects) {
    for (auto& ch : channels_)
      if (ch->id() == id) ch->Disconnect(why);
  }
  for (SrpRequest* req : done) req->OnScsiDoneOnOwner();
  if (shutdown && !shutting_down_) {
    shutting_down_ = true;
    shutdown_start_ = std::chrono::steady_clock::now();
    for (auto& ch : channels_) ch->SendTargetLogout();
  }
  return true;
}

void PollGroup::AdoptOnThread(NewChannel nc) {
  SrpChannel* ch = nc.channel.get();
  by_qp_[ch->qp_num()] = ch;
  channels_.push_back(std::move(nc.channel));
  channel_count_.store(channels_.size(), std::memory_order_relaxed);
  Status st = ch->Start();
  if (st.ok()) st = nc.listener->Accept(*nc.request, ch->connection(), nc.login_rsp);
  if (!st.ok()) {
    SRP_LOG(kWarning, "ch {}: accept failed: {}", ch->id(), st.ToString());
    ch->Disconnect("accept failed");
    return;
  }
  if (shutting_down_) ch->SendTargetLogout();
}

void PollGroup::ReapFinished() {
  for (size_t i = 0; i < channels_.size();) {
    SrpChannel& ch = *channels_[i];
    if (!ch.finished()) {
      ++i;
      continue;
    }
    auto it = by_qp_.find(ch.qp_num());
    if (it != by_qp_.end() && it->second == &ch) by_qp_.erase(it);
    if (observer_) observer_->OnChannelClosed(ch);
    channels_.erase(channels_.begin() + static_cast<std::ptrdiff_t>(i));
    channel_count_.store(channels_.size(), std::memory_order_relaxed);
  }
}

void PollGroup::WaitForWork() {
  if (config_.poll_mode == PollMode::kBusy) return;
  if (!cq_->ArmNotify().ok()) return;
  std::vector<pollfd> fds;
  fds.reserve(2 + channels_.size());
  fds.push_back(pollfd{cq_->event_fd(), POLLIN, 0});
  fds.push_back(pollfd{wake_fd_, POLLIN, 0});
  for (auto& ch : channels_) fds.push_back(pollfd{ch->event_fd(), POLLIN, 0});
  // A completion that raced with ArmNotify is still found by the next loop iteration's poll:
  // the timeout bounds that window.
  int timeout = shutting_down_ ? 10 : kIdleWaitMs;
  if (poll(fds.data(), fds.size(), timeout) > 0 && (fds[0].revents & POLLIN)) cq_->AckEvent();
}

void PollGroup::Run() {
  resources_.owner = std::this_thread::get_id();
  std::array<fabric::Completion, 64> wcs;
  for (;;) {
    bool work = DrainMailbox();
    size_t n = cq_->Poll(wcs);
    for (size_t i = 0; i < n; ++i) {
      auto it = by_qp_.find(wcs[i].qp_num);
      if (it != by_qp_.end()) it->second->HandleCompletion(wcs[i]);
    }
    work |= n > 0;
    for (auto& ch : channels_) ch->PollEvents();
    for (auto& ch : channels_) ch->FlushDoorbell();
    ReapFinished();
    if (shutting_down_) {
      auto elapsed = std::chrono::steady_clock::now() - shutdown_start_;
      if (!forced_disconnect_ && elapsed > kLogoutGrace) {
        forced_disconnect_ = true;
        for (auto& ch : channels_) ch->Disconnect("shutdown");
      }
      if (channels_.empty()) break;
      if (elapsed > kDrainLimit) {
        SRP_LOG(kError, "poll group {}: {} channel(s) did not drain; giving up", index_,
                channels_.size());
        break;
      }
    }
    if (!work) WaitForWork();
  }
}

}  // namespace srp::target
