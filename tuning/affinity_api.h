// AffinityApi: the sched_getaffinity/sched_setaffinity seam, so CPU pinning
// is testable with a fake. `pid` 0 means the calling thread (as in the
// syscalls); like `taskset -p`, a pid addresses one task (thread), not all.
#pragma once

#include <sys/types.h>

#include <memory>

#include "lib/common/status.h"
#include "tuning/cpu_list.h"

namespace srp::tuning {

class AffinityApi {
 public:
  virtual ~AffinityApi() = default;
  virtual Result<CpuSet> Get(pid_t pid) = 0;
  virtual Status Set(pid_t pid, const CpuSet& cpus) = 0;
};

// The real system calls (dynamically sized cpu_set_t; any CPU count).
std::unique_ptr<AffinityApi> MakeLinuxAffinityApi();

}  // namespace srp::tuning
