// The two report formats, rendered from the same analysed data. Pure
// functions of their input (no clock, no absolute paths), for golden tests.
#pragma once

#include <string>
#include <vector>

#include "reports/report_model.h"

namespace srp::reports {

std::string RenderMarkdown(const ReportData& data, const std::vector<MetricAnalysis>& metrics);
// One self-contained page: inline CSS and SVG, no scripts, no external references.
std::string RenderHtml(const ReportData& data, const std::vector<MetricAnalysis>& metrics);

// Shared wording of both formats.
std::string RepeatsText(const ReportData& data);      // "2..3" or the one-repeat warning
std::string EnvironmentText(const ReportData& data);  // kernel, CPU, host, tool version
std::string RunsText(const ReportData& data);         // "11 result files, 4 configurations, ..."
std::string MetricHeading(const MetricInfo& metric);  // "Read IOPS (IOPS, higher is better)"
// Spread cell: "12000..12500" (or "-" with one repeat).
std::string SpreadText(const MetricInfo& metric, const SampleStats& stats);
std::string StddevText(const MetricInfo& metric, const SampleStats& stats);
// "Not listed (no data for this metric): a, b." or "" when every group has data.
std::string IdleText(const ReportData& data, const MetricAnalysis& analysis);
// The latency percentile metrics shown in the percentile table and chart.
std::vector<const MetricInfo*> PercentileMetrics();
// One row per distinct knob record of the first good run of each configuration.
struct TuningRow {
  std::string configuration, knob, target, before, applied, after_restore, status;
};
std::vector<TuningRow> TuningRows(const ReportData& data);

}  // namespace srp::reports
