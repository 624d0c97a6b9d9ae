// The job loop shared by every IoEngine (fio's time-based main loop): keep
// `iodepth` I/Os in flight for ramp_time + runtime seconds, measure only after
// the ramp, then drain. `numjobs` jobs run in their own threads, each with its
// own engine (built, set up and used inside that thread).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "lib/common/status.h"
#include "perf/engine/io_engine.h"
#include "perf/engine/job_result.h"
#include "perf/engine/workload.h"

namespace srp::perf {

using EngineFactory = std::function<Result<std::unique_ptr<IoEngine>>(int job_index)>;

// Runs one job on a fresh engine (Setup .. Cleanup). `stop` (optional) ends
// the job early; what was measured so far is returned. An I/O error fails the
// job with the engine's Status.
Result<JobResult> RunJob(IoEngine& engine, const Workload& workload, int job_index,
                         const std::atomic<bool>* stop = nullptr);

// Runs workload.numjobs jobs concurrently; jobnames "job0", "job1", ...
// Fails with the first job's error.
Result<std::vector<JobResult>> RunJobs(const Workload& workload, const EngineFactory& factory,
                                       const std::atomic<bool>* stop = nullptr);

}  // namespace srp::perf
