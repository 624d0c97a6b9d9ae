#include "lib/fabric/soft/engine.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "lib/common/log.h"

namespace srp::fabric::soft {

namespace {
constexpr uint64_t kWakeId = 0;
}  // namespace

Result<std::shared_ptr<Engine>> Engine::Create() {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return Status::FromErrno(errno, "epoll_create1");
  int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    int err = errno;
    close(ep);
    return Status::FromErrno(err, "eventfd");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeId;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev) != 0) {
    int err = errno;
    close(ep);
    close(wake);
    return Status::FromErrno(err, "epoll_ctl(wake)");
  }
  std::shared_ptr<Engine> engine(new Engine(ep, wake));
  engine->thread_ = std::thread([e = engine.get()] { e->Loop(); });
  engine->thread_id_ = engine->thread_.get_id();
  return engine;
}

Engine::~Engine() {
  Shutdown();
  close(epoll_fd_);
  close(wake_fd_);
}

Result<uint64_t> Engine::Add(int fd, std::shared_ptr<Pollable> handler, uint64_t* id_out) {
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status(StatusCode::kUnavailable, "soft fabric is shutting down");
    id = next_id_++;
    if (id_out != nullptr) *id_out = id;
    handlers_.emplace(id, std::move(handler));
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = id;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int err = errno;
    std::lock_guard lock(mu_);
    handlers_.erase(id);
    return Status::FromErrno(err, "epoll_ctl(add)");
  }
  return id;
}

void Engine::WantWrite(uint64_t id, int fd, bool want) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (want ? EPOLLOUT : 0u);
  ev.data.u64 = id;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
}

void Engine::Remove(uint64_t id, int fd) {
  std::shared_ptr<Pollable> doomed;  // destroyed outside the lock
  {
    std::lock_guard lock(mu_);
    auto it = handlers_.find(id);
    if (it == handlers_.end()) return;
    doomed = std::move(it->second);
    handlers_.erase(it);
  }
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void Engine::RunInLoop(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    tasks_.push_back(std::move(fn));
  }
  Wake();
}

void Engine::RunAt(Clock::time_point when, std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    timers_.emplace(when, std::move(fn));
  }
  Wake();
}

void Engine::Wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t r = write(wake_fd_, &one, sizeof(one));
}

void Engine::Shutdown() {
  std::unordered_map<uint64_t, std::shared_ptr<Pollable>> handlers;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  Wake();
  if (thread_.joinable()) thread_.join();
  std::vector<std::function<void()>> tasks;
  std::multimap<Clock::time_point, std::function<void()>> timers;
  {
    std::lock_guard lock(mu_);
    handlers.swap(handlers_);
    tasks.swap(tasks_);
    timers.swap(timers_);
  }
  tasks.clear();
  timers.clear();
  for (auto& [id, h] : handlers) h->OnEngineShutdown();
}

void Engine::Loop() {
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  for (;;) {
    int timeout_ms = -1;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      if (!tasks_.empty()) {
        timeout_ms = 0;
      } else if (!timers_.empty()) {
        auto d = timers_.begin()->first - Clock::now();
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
        timeout_ms = ms < 0 ? 0 : static_cast<int>(std::min<int64_t>(ms, 1000));
      }
    }
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      SRP_LOG(kError, "soft fabric: epoll_wait failed: {}", errno);
      return;
    }
    for (int i = 0; i < n; ++i) {
      uint64_t id = events[i].data.u64;
      if (id == kWakeId) {
        uint64_t v;
        while (read(wake_fd_, &v, sizeof(v)) > 0) {
        }
        continue;
      }
      std::shared_ptr<Pollable> h;
      {
        std::lock_guard lock(mu_);
        auto it = handlers_.find(id);
        if (it != handlers_.end()) h = it->second;
      }
      if (h) h->OnEvents(events[i].events);
    }
    std::vector<std::function<void()>> tasks;
    std::vector<std::function<void()>> due;
    {
      std::lock_guard lock(mu_);
      tasks.swap(tasks_);
      auto now = Clock::now();
      while (!timers_.empty() && timers_.begin()->first <= now) {
        due.push_back(std::move(timers_.begin()->second));
        timers_.erase(timers_.begin());
      }
    }
    for (auto& fn : tasks) fn();
    for (auto& fn : due) fn();
  }
}

}  // namespace srp::fabric::soft
