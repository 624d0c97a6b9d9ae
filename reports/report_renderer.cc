// RenderReport: load, analyse, render, write. See report_renderer.h.
#include "reports/report_renderer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "reports/render.h"
#include "reports/report_model.h"

namespace srp::reports {
namespace {

namespace fs = std::filesystem;

Status WriteFile(const fs::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::FromErrno(errno, "cannot create " + path.string());
  out << contents;
  out.close();
  if (!out) return Status::FromErrno(errno, "cannot write " + path.string());
  return Status::Ok();
}

}  // namespace

std::vector<std::string> DefaultReportMetrics() {
  return {"read_iops", "write_iops", "bw_bytes", "clat_p99_ns"};
}

Result<ReportSummary> RenderReport(const ReportOptions& options) {
  if (options.out_dir.empty()) return InvalidArgument("no output directory given");
  std::vector<const MetricInfo*> metrics;
  for (const std::string& name :
       options.metrics.empty() ? DefaultReportMetrics() : options.metrics) {
    const MetricInfo* metric = FindMetric(name);
    if (metric == nullptr) {
      std::string known;
      for (const std::string& k : KnownReportMetrics()) known += (known.empty() ? "" : ", ") + k;
      return InvalidArgument("unknown metric \"" + name + "\" (known: " + known + ")");
    }
    metrics.push_back(metric);
  }
  SRP_ASSIGN_OR_RETURN(ReportData data, LoadReportData(options));

  std::vector<MetricAnalysis> analyses;
  for (const MetricInfo* metric : metrics) analyses.push_back(AnalyzeMetric(data, metric));

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) return Status::FromErrno(ec.value(), "cannot create " + options.out_dir);
  ReportSummary summary;
  summary.markdown_path = (fs::path(options.out_dir) / "report.md").string();
  summary.html_path = (fs::path(options.out_dir) / "report.html").string();
  SRP_RETURN_IF_ERROR(WriteFile(summary.markdown_path, RenderMarkdown(data, analyses)));
  SRP_RETURN_IF_ERROR(WriteFile(summary.html_path, RenderHtml(data, analyses)));

  summary.run_files = static_cast<int>(data.runs.size());
  summary.configurations = static_cast<int>(data.groups.size());
  summary.failed_runs = static_cast<int>(data.failed_runs.size());
  for (const ConfigGroup& group : data.groups) {
    summary.max_repeats = std::max(summary.max_repeats, static_cast<int>(group.runs.size()));
  }
  if (!data.groups.empty()) summary.baseline = data.groups[data.baseline].config_id;
  for (const MetricAnalysis& analysis : analyses) {
    summary.best_lines.push_back(std::string(analysis.metric->name) + ": " + analysis.verdict);
  }
  return summary;
}

}  // namespace srp::reports
