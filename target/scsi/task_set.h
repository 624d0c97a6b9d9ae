// TaskSet: the SAM-5 task set of one logical unit, ordering tasks by their task attribute.
//
// Rules (SAM-5 8.6), applied in arrival order:
//  * HEAD OF QUEUE: starts at once.
//  * ORDERED: starts when every older task of the set has completed.
//  * SIMPLE (and ACA, which we execute as SIMPLE): starts when every older ORDERED and HEAD OF
//    QUEUE task has completed.
// A HEAD OF QUEUE task is not moved ahead of tasks already waiting (an ORDERED task that is
// waiting keeps waiting only for tasks older than itself).
//
// The set holds pointers to the tasks; a task stays entered from Enter until Remove. Nothing
// here executes a task: the caller starts the tasks Enter or Remove report as startable.
// Thread-safe (one mutex, held only inside these calls). Common case, only SIMPLE tasks: Enter
// and Remove are O(entered tasks) with no allocation once the set reached its high-water mark.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "target/scsi/scsi_task.h"

namespace srp::target {

class TaskSet {
 public:
  explicit TaskSet(size_t expected_tasks = 64);

  // Enters `task` with `attribute`. True: it may start now. False: it waits until a Remove
  // lists it. REQUIRES: `task` not entered.
  bool Enter(ScsiTask* task, TaskAttribute attribute);
  // Removes `task` and appends to `ready`, oldest first, the waiting tasks that may start now
  // (they count as started from here on). REQUIRES: `task` entered.
  void Remove(ScsiTask* task, std::vector<ScsiTask*>& ready);

  size_t size() const;
  size_t waiting() const;

 private:
  struct Entry {
    ScsiTask* task;
    TaskAttribute attribute;
    bool started;
  };
  static bool Blocks(TaskAttribute older) {
    return older == TaskAttribute::kOrdered || older == TaskAttribute::kHeadOfQueue;
  }

  mutable std::mutex mu_;
  std::vector<Entry> entries_;  // GUARDED_BY(mu_); arrival order
  size_t blocking_ = 0;         // GUARDED_BY(mu_); ORDERED + HEAD OF QUEUE entries
  size_t waiting_ = 0;          // GUARDED_BY(mu_); entries not started
};

}  // namespace srp::target
