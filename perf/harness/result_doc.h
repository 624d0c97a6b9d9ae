// The JSON documents srp-perf writes (schemas in reports/schema/):
// runs/<config_id>.json ("srp-perf-result/1") and summary.json
// ("srp-perf-summary/1"), and the sections they share.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/fs_root.h"
#include "perf/engine/job_result.h"
#include "tuning/knob.h"

namespace srp::perf {

using Json = nlohmann::ordered_json;

// kernel (uname -r), cpu_model (/proc/cpuinfo via `fs`), cpu_count,
// tool_version, command_line, hostname, timestamp (UTC, ISO 8601).
Json EnvironmentJson(const FsRoot& fs, const std::vector<std::string>& command_line);

// One "tuning" row. `status`: applied | not settable | not applicable |
// dry-run | failed, optionally ": <reason>".
struct TuningRow {
  std::string knob;    // "scheduler"
  std::string target;  // "loop0"
  std::optional<std::string> before, applied, after_restore;
  std::string status;
};
// Maps a KnobSet record ("scheduler:loop0", status "ok" / "not settable: ..."
// / "dry-run" / an error) to a row.
TuningRow TuningRowFromRecord(const tuning::KnobRecord& record);
TuningRow NotApplicable(std::string knob, std::string target, std::string reason);
Json TuningRowJson(const TuningRow& row);

struct RunDocument {
  std::string config_id;
  Json configuration;
  Json environment;
  Json target;
  std::vector<TuningRow> tuning;
  std::vector<JobResult> jobs;
  std::optional<std::string> error;
};
Json ResultJson(const RunDocument& doc);

// A summary row computed from a run: read/write IOPS summed over jobs,
// bw_bytes summed over jobs and directions, clat p50/p99 the largest over
// jobs and directions that did I/O (as the report renderer defines them).
Json SummaryRun(const RunDocument& doc, const std::string& file);
Json SummaryJson(const Json& environment, const Json& axes, const std::vector<Json>& runs);

// Writes `doc` to `path` atomically (temporary file + rename), 2-space indent.
Status WriteJsonFile(const std::string& path, const Json& doc);

}  // namespace srp::perf
