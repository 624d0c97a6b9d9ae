// The report's data model: result files loaded from sweep directories, grouped
// into configurations (runs equal except `repeat`), and the per-metric
// analysis (median/spread over repeats, deltas against a baseline, the best
// configuration and how sure the data is). Renderers only format this.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/status.h"
#include "reports/report_renderer.h"
#include "reports/stats.h"

namespace srp::reports {

// How a metric is shown: value_shown = raw_value / scale, printed with
// `decimals` digits after the point, followed by `unit`.
struct MetricInfo {
  std::string_view name;   // "read_iops"
  std::string_view title;  // "Read IOPS"
  std::string_view unit;   // "IOPS", "MiB/s", "us"
  double scale;
  int decimals;
  bool higher_is_better;
};

// nullptr for an unknown name.
const MetricInfo* FindMetric(std::string_view name);
// "123456" / "1234.5": the fixed formatting used everywhere in the report.
std::string FormatMetric(const MetricInfo& metric, double raw_value);
// "+12.3%", "-4.0%", "+0.0%".
std::string FormatPercent(double percent);

struct RunRecord {
  std::string config_id;  // as in the file, with its rep= part
  std::string source;     // "<input dir name>/runs/<file name>"
  nlohmann::json configuration;
  int repeat = 1;
  std::string error;  // non-empty: the run failed; listed, never charted
  // Values by metric name (see report_renderer.h); a latency metric is absent
  // when the run did no I/O.
  std::map<std::string, double, std::less<>> metrics;
  nlohmann::json tuning;  // the run's "tuning" array
};

struct ConfigGroup {
  std::string config_id;         // the first run's config_id without its rep= part
  std::string label;             // only the axes that differ between groups, "thread=1,iodepth=32"
  nlohmann::json configuration;  // without "repeat"
  std::vector<size_t> runs;      // indices into ReportData::runs, good runs only
};

struct InputSummary {
  std::string name;  // the directory's last path component
  int files = 0;
};

struct ReportData {
  std::vector<InputSummary> inputs;
  std::vector<RunRecord> runs;      // load order: inputs in order, files in natural order
  std::vector<ConfigGroup> groups;  // order of first appearance of a good run
  std::vector<size_t> failed_runs;  // indices into runs
  std::string common_settings;      // "engine=srp, bs=4k, rw=randread" (axes equal everywhere)
  nlohmann::json environment;       // of the first run
  std::vector<std::string> environment_notes;  // "2 hostnames: a, b" when inputs differ
  size_t baseline = 0;                         // index into groups; valid when !groups.empty()
};

// Reads and validates every runs/*.json of every input dir, groups the runs
// and picks the baseline (see ReportOptions). Errors as in RenderReport.
Result<ReportData> LoadReportData(const ReportOptions& options);

struct MetricRow {
  size_t group = 0;  // index into ReportData::groups
  SampleStats stats;
  std::optional<double> delta_percent;  // median vs the baseline's median
};

struct MetricAnalysis {
  const MetricInfo* metric = nullptr;
  bool has_data = false;  // some configuration has a non-zero value
  // In group order. Groups without the metric, or where it is 0 in every repeat
  // (no reads in a write-only configuration), are left out and named in `idle`.
  std::vector<MetricRow> rows;
  std::vector<size_t> idle;  // indices into ReportData::groups
  std::optional<size_t> best_group;
  std::string verdict;  // one sentence: the best configuration and how sure that is
};

// REQUIRES: metric != nullptr.
MetricAnalysis AnalyzeMetric(const ReportData& data, const MetricInfo* metric);

// The values of one metric over a group's good repeats (empty when undefined).
std::vector<double> GroupValues(const ReportData& data, size_t group, std::string_view metric);

}  // namespace srp::reports
