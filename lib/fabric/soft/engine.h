// The progress engine of one soft fabric: one thread, one epoll set.
//
// Sockets are registered edge-triggered (EPOLLIN|EPOLLRDHUP, plus EPOLLOUT
// only while a handler asks for it with WantWrite) with a Pollable handler; the handler must read
// (or write) until EAGAIN, or re-queue itself with RunInLoop() when it stops early for fairness.
// Handlers are kept by id, so Remove() from any thread is safe against events already fetched.
// Tasks and timers run on the engine thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lib/common/status.h"

namespace srp::fabric::soft {

class Pollable {
 public:
  virtual ~Pollable() = default;
  // Engine thread: `events` are epoll bits.
  virtual void OnEvents(uint32_t events) = 0;
  // Engine shutdown, called once after the engine thread has been joined (from
  // the thread calling Engine::Shutdown). Release the socket, fail the peer.
  virtual void OnEngineShutdown() = 0;
};

class Engine {
 public:
  using Clock = std::chrono::steady_clock;

  static Result<std::shared_ptr<Engine>> Create();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Registers `fd` with `handler`; returns the handler id, also stored in
  // `*id_out` (if given) before the first event can be delivered. Fails after Shutdown().
  Result<uint64_t> Add(int fd, std::shared_ptr<Pollable> handler, uint64_t* id_out = nullptr);
  // Adds or removes EPOLLOUT interest (any thread; the caller serializes calls
  // per fd). Adding it reports the current writability at once.
  void WantWrite(uint64_t id, int fd, bool want);
  // Unregisters (any thread). The caller still owns/closes the fd.
  void Remove(uint64_t id, int fd);
  // Runs `fn` on the engine thread soon. Dropped after Shutdown().
  void RunInLoop(std::function<void()> fn);
  // Runs `fn` on the engine thread at (or after) `when`.
  void RunAt(Clock::time_point when, std::function<void()> fn);
  // Stops and joins the thread, then calls OnEngineShutdown on every handler
  // still registered. Idempotent. REQUIRES: not called on the engine thread.
  void Shutdown();
  bool InEngineThread() const { return std::this_thread::get_id() == thread_id_; }

 private:
  Engine(int epoll_fd, int wake_fd) : epoll_fd_(epoll_fd), wake_fd_(wake_fd) {}
  void Loop();
  void Wake();

  const int epoll_fd_;
  const int wake_fd_;
  std::thread thread_;
  std::thread::id thread_id_;
  std::mutex mu_;
  bool stopping_ = false;                                             // guarded by mu_
  uint64_t next_id_ = 1;                                              // guarded by mu_
  std::unordered_map<uint64_t, std::shared_ptr<Pollable>> handlers_;  // guarded by mu_
  std::vector<std::function<void()>> tasks_;                          // guarded by mu_
  std::multimap<Clock::time_point, std::function<void()>> timers_;    // guarded by mu_
};

}  // namespace srp::fabric::soft
