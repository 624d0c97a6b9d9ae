// Wording shared by the Markdown and HTML reports.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "reports/render.h"

namespace srp::reports {
namespace {

std::string Text(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// A tuning cell: "-" when the record has no value (null or empty).
std::string TuningCell(const nlohmann::json& record, const char* key) {
  std::string text = Text(record, key);
  return text.empty() ? "-" : text;
}

}  // namespace

std::string RepeatsText(const ReportData& data) {
  size_t low = 0, high = 0;
  for (const ConfigGroup& group : data.groups) {
    low = low == 0 ? group.runs.size() : std::min(low, group.runs.size());
    high = std::max(high, group.runs.size());
  }
  if (high <= 1) {
    return "1 (only one repeat per configuration: differences cannot be judged for "
           "significance; sweep with --repeat 3)";
  }
  if (low == high) return std::to_string(low);
  return fmt::format("{}..{}", low, high);
}

std::string EnvironmentText(const ReportData& data) {
  const nlohmann::json& env = data.environment;
  return fmt::format("kernel {}, {} ({} CPUs), host {}, srp-perf {}", Text(env, "kernel"),
                     Text(env, "cpu_model"), Text(env, "cpu_count"), Text(env, "hostname"),
                     Text(env, "tool_version"));
}

std::string RunsText(const ReportData& data) {
  return fmt::format("{} result file{}, {} configuration{}, {} failed run{}", data.runs.size(),
                     data.runs.size() == 1 ? "" : "s", data.groups.size(),
                     data.groups.size() == 1 ? "" : "s", data.failed_runs.size(),
                     data.failed_runs.size() == 1 ? "" : "s");
}

std::string MetricHeading(const MetricInfo& metric) {
  return fmt::format("{} ({}, {} is better)", metric.title, metric.unit,
                     metric.higher_is_better ? "higher" : "lower");
}

std::string SpreadText(const MetricInfo& metric, const SampleStats& stats) {
  if (stats.n < 2) return "-";
  return FormatMetric(metric, stats.min) + ".." + FormatMetric(metric, stats.max);
}

std::string StddevText(const MetricInfo& metric, const SampleStats& stats) {
  if (stats.n < 2) return "-";
  return FormatMetric(metric, stats.stddev);
}

std::string IdleText(const ReportData& data, const MetricAnalysis& analysis) {
  if (analysis.idle.empty()) return "";
  std::string names;
  bool baseline_idle = false;
  for (size_t g : analysis.idle) {
    names += (names.empty() ? "" : ", ") + data.groups[g].label;
    baseline_idle = baseline_idle || g == data.baseline;
  }
  return "Not listed (no data for this metric): " + names + "." +
         (baseline_idle ? " The baseline is among them, so there are no deltas." : "");
}

std::vector<const MetricInfo*> PercentileMetrics() {
  return {FindMetric("clat_p50_ns"), FindMetric("clat_p90_ns"), FindMetric("clat_p99_ns"),
          FindMetric("clat_p99_9_ns")};
}

std::vector<TuningRow> TuningRows(const ReportData& data) {
  std::vector<TuningRow> rows;
  for (const ConfigGroup& group : data.groups) {
    const nlohmann::json& tuning = data.runs[group.runs.front()].tuning;
    if (!tuning.is_array()) continue;
    for (const nlohmann::json& record : tuning) {
      rows.push_back({group.label, TuningCell(record, "knob"), TuningCell(record, "target"),
                      TuningCell(record, "before"), TuningCell(record, "applied"),
                      TuningCell(record, "after_restore"), TuningCell(record, "status")});
    }
  }
  return rows;
}

}  // namespace srp::reports
