#include "perf/engine/job_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

namespace srp::perf {
namespace {

using Clock = std::chrono::steady_clock;

struct Direction {
  uint64_t bytes = 0;
  uint64_t ios = 0;
  LatencyHistogram clat;
  LatencyHistogram lat;
};

uint64_t Ns(Clock::duration d) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  return ns > 0 ? static_cast<uint64_t>(ns) : 0;
}

bool Stopped(const std::atomic<bool>* stop) {
  return stop != nullptr && stop->load(std::memory_order_relaxed);
}

}  // namespace

Result<JobResult> RunJob(IoEngine& engine, const Workload& workload, int job_index,
                         const std::atomic<bool>* stop) {
  SRP_RETURN_IF_ERROR(workload.Validate());
  EngineParams params;
  params.iodepth = workload.iodepth;
  params.bs = workload.bs;
  params.size = workload.size;
  params.job_index = job_index;
  SRP_ASSIGN_OR_RETURN(const uint64_t capacity, engine.Setup(params));
  const uint64_t region = workload.size ? std::min(workload.size, capacity) : capacity;
  if (region < workload.bs) {
    engine.Cleanup();
    return InvalidArgument(fmt::format("{} engine: capacity {} bytes is smaller than bs {}",
                                       engine.name(), capacity, workload.bs));
  }
  OffsetGenerator gen(workload, region, 0x5eed0000u + static_cast<uint64_t>(job_index));

  struct Slot {
    Clock::time_point queued, committed;
    bool write = false;
  };
  std::vector<Slot> slots(workload.iodepth);
  std::vector<uint32_t> free_slots;
  for (uint32_t i = workload.iodepth; i-- > 0;) free_slots.push_back(i);
  std::vector<uint32_t> just_queued;
  std::vector<IoCompletion> events;
  Direction read, write;
  Status failure;

  const auto start = Clock::now();
  const auto measure_start = start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(workload.ramp_time_s));
  const auto end = measure_start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(workload.runtime_s));
  auto stopped_at = end;
  size_t in_flight = 0;

  auto reap = [&](Clock::time_point window_end) {
    const auto now = Clock::now();
    for (const IoCompletion& c : events) {
      if (c.slot >= slots.size()) {
        if (failure.ok())
          failure = Internal(fmt::format("engine completed unknown slot {}", c.slot));
        continue;
      }
      --in_flight;
      free_slots.push_back(c.slot);
      if (!c.status.ok()) {
        if (failure.ok()) failure = c.status;
        continue;
      }
      const Slot& s = slots[c.slot];
      if (s.queued < measure_start || now > window_end) continue;
      Direction& d = s.write ? write : read;
      d.bytes += c.transferred;
      ++d.ios;
      d.clat.Add(Ns(now - s.committed));
      d.lat.Add(Ns(now - s.queued));
    }
    events.clear();
  };

  while (failure.ok()) {
    const auto now = Clock::now();
    if (now >= end) break;
    if (Stopped(stop)) {
      stopped_at = now;
      break;
    }
    just_queued.clear();
    while (!free_slots.empty()) {
      const uint32_t slot = free_slots.back();
      const OffsetGenerator::Next next = gen.Get();
      const auto queued = Clock::now();
      Status q = engine.Queue({slot, next.offset, workload.bs, next.write});
      if (q.code() == StatusCode::kResourceExhausted) break;
      if (!q.ok()) {
        failure = q;
        break;
      }
      free_slots.pop_back();
      slots[slot].queued = queued;
      slots[slot].write = next.write;
      just_queued.push_back(slot);
      ++in_flight;
    }
    if (!failure.ok()) break;
    if (!just_queued.empty()) {
      // Issue time = the start of the commit (fio's issue_time).
      const auto committed = Clock::now();
      for (uint32_t slot : just_queued) slots[slot].committed = committed;
      Status c = engine.Commit();
      if (!c.ok()) {
        failure = c;
        break;
      }
    }
    Status g = engine.GetEvents(1, std::chrono::milliseconds(100), &events);
    if (!g.ok()) {
      failure = g;
      break;
    }
    reap(end);
  }
  // Drain what is in flight (not measured), bounded.
  const auto drain_deadline = Clock::now() + std::chrono::seconds(10);
  while (in_flight > 0 && Clock::now() < drain_deadline) {
    Status g = engine.GetEvents(1, std::chrono::milliseconds(100), &events);
    if (!g.ok()) break;
    reap(Clock::time_point::min());
  }
  engine.Cleanup();
  if (!failure.ok()) {
    return failure.WithContext(fmt::format("{} engine, job {}", engine.name(), job_index));
  }
  const double seconds = stopped_at > measure_start
                             ? std::chrono::duration<double>(stopped_at - measure_start).count()
                             : 0.0;
  JobResult result;
  result.jobname = fmt::format("job{}", job_index);
  result.read = MakeIoStats(read.bytes, read.ios, seconds, read.clat, read.lat);
  result.write = MakeIoStats(write.bytes, write.ios, seconds, write.clat, write.lat);
  return result;
}

Result<std::vector<JobResult>> RunJobs(const Workload& workload, const EngineFactory& factory,
                                       const std::atomic<bool>* stop) {
  SRP_RETURN_IF_ERROR(workload.Validate());
  const size_t n = workload.numjobs;
  std::vector<std::optional<Result<JobResult>>> results(n);
  auto run = [&](size_t index) {
    const int job = static_cast<int>(index);
    Result<std::unique_ptr<IoEngine>> engine = factory(job);
    if (!engine.ok()) {
      results[index].emplace(engine.status());
      return;
    }
    results[index].emplace(RunJob(**engine, workload, job, stop));
  };
  if (n == 1) {
    run(0);
  } else {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < n; ++i) threads.emplace_back(run, i);
    for (std::thread& t : threads) t.join();
  }
  std::vector<JobResult> jobs;
  for (auto& r : results) {
    if (!r->ok()) return r->status();
    jobs.push_back(std::move(*r).value());
  }
  return jobs;
}

}  // namespace srp::perf
