#include "target/scsi/task_set.h"

#include <algorithm>
#include <cassert>

namespace srp::target {

TaskSet::TaskSet(size_t expected_tasks) { entries_.reserve(expected_tasks); }

bool TaskSet::Enter(ScsiTask* task, TaskAttribute attribute) {
  std::lock_guard lock(mu_);
  bool start = true;
  switch (attribute) {
    case TaskAttribute::kHeadOfQueue:
      break;
    case TaskAttribute::kOrdered:
      start = entries_.empty();
      break;
    default:  // SIMPLE, ACA
      start = blocking_ == 0;
      break;
  }
  entries_.push_back({task, attribute, start});
  if (Blocks(attribute)) ++blocking_;
  if (!start) ++waiting_;
  return start;
}

void TaskSet::Remove(ScsiTask* task, std::vector<ScsiTask*>& ready) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [task](const Entry& e) { return e.task == task; });
  assert(it != entries_.end());
  if (it == entries_.end()) return;
  if (Blocks(it->attribute)) --blocking_;
  if (!it->started) --waiting_;  // removed without having started (should not happen)
  entries_.erase(it);
  if (waiting_ == 0) return;
  bool older_any = false;
  bool older_blocking = false;
  for (Entry& e : entries_) {
    if (!e.started) {
      const bool can_start =
          e.attribute == TaskAttribute::kHeadOfQueue ||
          (e.attribute == TaskAttribute::kOrdered ? !older_any : !older_blocking);
      if (can_start) {
        e.started = true;
        --waiting_;
        ready.push_back(e.task);
      }
    }
    older_any = true;
    older_blocking = older_blocking || Blocks(e.attribute);
  }
}

size_t TaskSet::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

size_t TaskSet::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

}  // namespace srp::target
