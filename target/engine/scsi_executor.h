// Where SCSI execution runs (SCST `thread` parameter).
//  * InlineExecutor (thread 0): ExecuteTask runs inside the poll group's Process() call.
//  * WorkerPool (thread 1): tasks are queued to worker threads; their completion comes back
//    to the owning poll group through its mailbox (ScsiDoneSink), never touching the channel
//    from the worker.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "target/scsi/lun_map.h"
#include "target/scsi/scsi_task.h"

namespace srp::target {

class SrpRequest;

class ScsiExecutor {
 public:
  virtual ~ScsiExecutor() = default;
  // Executes `task` through ExecuteTask(luns, ...). `done` runs exactly once, on any thread.
  virtual void Submit(const LunMap& luns, ScsiTask& task, TaskDoneFn done) = 0;
};

// Receives SCSI completions that happened on a thread other than the request's owner.
class ScsiDoneSink {
 public:
  virtual ~ScsiDoneSink() = default;
  // Thread-safe. The owner thread later calls request->OnScsiDoneOnOwner().
  virtual void PostScsiDone(SrpRequest* request) = 0;
};

class InlineExecutor final : public ScsiExecutor {
 public:
  void Submit(const LunMap& luns, ScsiTask& task, TaskDoneFn done) override;
};

class WorkerPool final : public ScsiExecutor {
 public:
  explicit WorkerPool(int threads);
  // Joins the workers after running every queued task.
  ~WorkerPool() override;
  void Submit(const LunMap& luns, ScsiTask& task, TaskDoneFn done) override;

 private:
  struct Item {
    const LunMap* luns;
    ScsiTask* task;
    TaskDoneFn done;
  };
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // GUARDED_BY(mu_)
  bool stop_ = false;       // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace srp::target
