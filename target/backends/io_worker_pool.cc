#include "target/backends/io_worker_pool.h"

#include <pthread.h>

#include <utility>

namespace srp::target {

IoWorkerPool::IoWorkerPool(int threads, const std::string& name) {
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([state = state_] { Run(*state); });
    pthread_setname_np(threads_.back().native_handle(), name.substr(0, 15).c_str());
  }
}

IoWorkerPool::~IoWorkerPool() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  bool on_own_thread = false;
  for (std::thread& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // we are inside this thread's Run(): it exits once we return
      on_own_thread = true;
    } else {
      t.join();
    }
  }
  if (!on_own_thread) return;
  // The other threads have exited; jobs they left (only possible with one thread) run here,
  // while whatever they use is still alive.
  for (;;) {
    std::function<void()> job;
    {
      std::lock_guard lock(state_->mu);
      if (state_->jobs.empty()) return;
      job = std::move(state_->jobs.front());
      state_->jobs.pop_front();
    }
    job();
  }
}

void IoWorkerPool::Post(std::function<void()> job) {
  {
    std::lock_guard lock(state_->mu);
    state_->jobs.push_back(std::move(job));
  }
  state_->wake.notify_one();
}

void IoWorkerPool::Run(State& state) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(state.mu);
      state.wake.wait(lock, [&state] { return state.stopping || !state.jobs.empty(); });
      if (state.jobs.empty()) return;  // stopping and drained
      job = std::move(state.jobs.front());
      state.jobs.pop_front();
    }
    job();
  }
}

}  // namespace srp::target
