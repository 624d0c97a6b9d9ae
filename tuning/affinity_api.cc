#include "tuning/affinity_api.h"

#include <fmt/format.h>
#include <sched.h>

#include <cerrno>

namespace srp::tuning {
namespace {

constexpr int kMaxCpus = 8192;

class CpuSetBuffer {
 public:
  explicit CpuSetBuffer(int ncpus)
      : ncpus_(ncpus), set_(CPU_ALLOC(ncpus)), size_(CPU_ALLOC_SIZE(ncpus)) {
    if (set_ != nullptr) CPU_ZERO_S(size_, set_);
  }
  ~CpuSetBuffer() { CPU_FREE(set_); }
  CpuSetBuffer(const CpuSetBuffer&) = delete;
  CpuSetBuffer& operator=(const CpuSetBuffer&) = delete;

  cpu_set_t* get() { return set_; }
  size_t size() const { return size_; }
  int ncpus() const { return ncpus_; }

 private:
  int ncpus_;
  cpu_set_t* set_;
  size_t size_;
};

class LinuxAffinityApi final : public AffinityApi {
 public:
  Result<CpuSet> Get(pid_t pid) override {
    // Grow the buffer until the kernel's cpumask fits (EINVAL means too small).
    for (int ncpus = 1024; ncpus <= kMaxCpus; ncpus *= 2) {
      CpuSetBuffer buf(ncpus);
      if (buf.get() == nullptr) return Status(StatusCode::kResourceExhausted, "CPU_ALLOC");
      if (::sched_getaffinity(pid, buf.size(), buf.get()) != 0) {
        if (errno == EINVAL) continue;
        return Status::FromErrno(errno, fmt::format("sched_getaffinity({})", pid));
      }
      CpuSet cpus;
      for (int cpu = 0; cpu < ncpus; ++cpu) {
        if (CPU_ISSET_S(cpu, buf.size(), buf.get())) cpus.insert(cpu);
      }
      return cpus;
    }
    return Status(StatusCode::kNotSupported, "sched_getaffinity: too many CPUs");
  }

  Status Set(pid_t pid, const CpuSet& cpus) override {
    if (cpus.empty()) return InvalidArgument("empty CPU set");
    if (*cpus.rbegin() >= kMaxCpus) return InvalidArgument("CPU number too large");
    CpuSetBuffer buf(std::max(1024, *cpus.rbegin() + 1));
    if (buf.get() == nullptr) return Status(StatusCode::kResourceExhausted, "CPU_ALLOC");
    for (int cpu : cpus) CPU_SET_S(cpu, buf.size(), buf.get());
    if (::sched_setaffinity(pid, buf.size(), buf.get()) != 0)
      return Status::FromErrno(errno, fmt::format("sched_setaffinity({})", pid));
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<AffinityApi> MakeLinuxAffinityApi() { return std::make_unique<LinuxAffinityApi>(); }

}  // namespace srp::tuning
