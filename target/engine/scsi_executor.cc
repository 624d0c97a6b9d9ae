#include "target/engine/scsi_executor.h"

#include "target/scsi/scsi_core.h"

namespace srp::target {

void InlineExecutor::Submit(const LunMap& luns, ScsiTask& task, TaskDoneFn done) {
  ExecuteTask(luns, task, std::move(done));
}

WorkerPool::WorkerPool(int threads) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::Submit(const LunMap& luns, ScsiTask& task, TaskDoneFn done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Item{&luns, &task, std::move(done)});
  }
  cv_.notify_one();
}

void WorkerPool::Run() {
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    ExecuteTask(*item.luns, *item.task, std::move(item.done));
  }
}

}  // namespace srp::target
