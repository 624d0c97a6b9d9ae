// The `fio` engine: runs an installed fio with a generated job file and reads
// its --output-format=json. Unlike the built-in engines fio runs the whole
// job loop itself, so this is a job runner, not an IoEngine.
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/status.h"
#include "perf/engine/job_result.h"
#include "perf/engine/workload.h"

namespace srp::perf {

struct FioOptions {
  std::string fio_binary = "fio";  // looked up in PATH
  std::string filename;            // device or file
  std::string ioengine = "libaio";
  bool direct = true;
};

// The job file text (pure): one [global] section with the workload, time based,
// and one job section "job" (fio replicates it numjobs times).
std::string FioJobFile(const Workload& workload, const FioOptions& options);

// Parses fio's JSON output (text before the first '{' — warnings — is skipped).
Result<std::vector<JobResult>> ParseFioOutput(std::string_view text);

// True when `fio_binary` can be executed (PATH lookup for a bare name).
bool FioAvailable(const std::string& fio_binary = "fio");

// Writes the job file under `work_dir`, runs fio (SIGINT to it when `stop`
// turns true; fio still prints what it measured) and parses its output.
Result<std::vector<JobResult>> RunFio(const Workload& workload, const FioOptions& options,
                                      const std::string& work_dir,
                                      const std::atomic<bool>* stop = nullptr);

}  // namespace srp::perf
