// IoWorkerPool: a fixed set of threads running queued jobs in FIFO order (fileio's pread/pwrite
// pool, blockio's flush thread). Internal to target/backends.
//
// Contract: Post never blocks and never drops a job. The destructor runs every job already
// posted, then joins the threads; Post after destruction has begun is a caller bug.
// The destructor may run on one of the pool's own threads (a job's completion dropped the last
// reference to the backend that owns the pool): that thread is detached instead of joined and
// the queue is drained inline, and the thread only touches the shared queue state afterwards.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace srp::target {

class IoWorkerPool {
 public:
  // REQUIRES: threads >= 1. `name` names the threads (pthread name, at most 15 chars).
  IoWorkerPool(int threads, const std::string& name);
  ~IoWorkerPool();
  IoWorkerPool(const IoWorkerPool&) = delete;
  IoWorkerPool& operator=(const IoWorkerPool&) = delete;

  void Post(std::function<void()> job);

 private:
  // Shared with the threads, so a detached thread never touches freed memory.
  struct State {
    std::mutex mu;
    std::condition_variable wake;
    std::deque<std::function<void()>> jobs;  // GUARDED_BY(mu)
    bool stopping = false;                   // GUARDED_BY(mu)
  };
  static void Run(State& state);

  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::vector<std::thread> threads_;
};

}  // namespace srp::target
