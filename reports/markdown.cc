// The Markdown report (GitHub-flavoured tables).
#include <fmt/format.h>

#include "reports/render.h"

namespace srp::reports {
namespace {

// Makes `text` safe inside a table cell: no pipes or line breaks.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Row(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const std::string& cell : cells) line += " " + Cell(cell) + " |";
  return line + "\n";
}

std::string GroupName(const ReportData& data, size_t group) {
  return data.groups[group].label + (group == data.baseline ? " (baseline)" : "");
}

void AppendSummary(const ReportData& data, std::string* md) {
  std::string inputs;
  for (const InputSummary& input : data.inputs) {
    inputs += fmt::format("{}`{}` ({} file{})", inputs.empty() ? "" : ", ", input.name, input.files,
                          input.files == 1 ? "" : "s");
  }
  *md += "# srp-perf report\n\n";
  *md += "- Inputs: " + inputs + "\n";
  *md += "- Runs: " + RunsText(data) + "\n";
  if (!data.groups.empty()) *md += "- Repeats per configuration: " + RepeatsText(data) + "\n";
  if (!data.common_settings.empty()) *md += "- Common settings: " + data.common_settings + "\n";
  *md += "- Environment: " + EnvironmentText(data) + "\n";
  for (const std::string& note : data.environment_notes) *md += "- Note: " + note + "\n";
  if (!data.groups.empty()) *md += "- Baseline: `" + data.groups[data.baseline].label + "`\n";
  *md += "\nCharts: see report.html next to this file.\n";
}

void AppendBest(const std::vector<MetricAnalysis>& metrics, std::string* md) {
  *md += "\n## Best configuration per metric\n\n";
  for (const MetricAnalysis& m : metrics) {
    *md += fmt::format("- **{}** ({} is better): {}\n", m.metric->title,
                       m.metric->higher_is_better ? "higher" : "lower", m.verdict);
  }
}

void AppendComparison(const ReportData& data, const std::vector<MetricAnalysis>& metrics,
                      std::string* md) {
  *md += "\n## Comparison with the baseline\n\n";
  *md += "Median over repeats; spread is min..max; deltas compare medians.\n";
  for (const MetricAnalysis& m : metrics) {
    *md += "\n### " + MetricHeading(*m.metric) + "\n\n";
    if (!m.has_data) {
      *md += "No configuration has data for this metric.\n";
      continue;
    }
    *md += Row({"Configuration", "Repeats", "Median", "Min..max", "Stddev", "vs baseline"});
    *md += "|---|---:|---:|---:|---:|---:|\n";
    for (const MetricRow& row : m.rows) {
      *md += Row({GroupName(data, row.group) + (m.best_group == row.group ? " **best**" : ""),
                  std::to_string(row.stats.n), FormatMetric(*m.metric, row.stats.median),
                  SpreadText(*m.metric, row.stats), StddevText(*m.metric, row.stats),
                  row.delta_percent ? FormatPercent(*row.delta_percent) : "-"});
    }
    if (std::string idle = IdleText(data, m); !idle.empty()) *md += "\n" + idle + "\n";
  }
}

void AppendPercentiles(const ReportData& data, std::string* md) {
  *md += "\n## Completion latency percentiles (us, median over repeats)\n\n";
  std::vector<std::string> header = {"Configuration"};
  std::string align = "|---|";
  for (const MetricInfo* metric : PercentileMetrics()) {
    header.emplace_back(std::string(metric->title.substr(metric->title.rfind(' ') + 1)));
    align += "---:|";
  }
  *md += Row(header) + align + "\n";
  for (size_t g = 0; g < data.groups.size(); ++g) {
    std::vector<std::string> cells = {GroupName(data, g)};
    for (const MetricInfo* metric : PercentileMetrics()) {
      std::vector<double> values = GroupValues(data, g, metric->name);
      cells.push_back(values.empty() ? "-" : FormatMetric(*metric, Summarize(values).median));
    }
    *md += Row(cells);
  }
}

void AppendFailed(const ReportData& data, std::string* md) {
  *md += "\n## Failed runs\n\n";
  if (data.failed_runs.empty()) {
    *md += "None.\n";
    return;
  }
  *md += "Listed only; failed runs are not part of any chart or comparison.\n\n";
  *md += Row({"Run", "File", "Error"}) + "|---|---|---|\n";
  for (size_t r : data.failed_runs) {
    const RunRecord& run = data.runs[r];
    *md += Row({run.config_id, run.source, run.error});
  }
}

void AppendTuning(const ReportData& data, std::string* md) {
  *md += "\n## Tuning\n\n";
  std::vector<TuningRow> rows = TuningRows(data);
  if (rows.empty()) {
    *md += "No tuning knobs were recorded.\n";
    return;
  }
  *md += "As recorded by the first repeat of each configuration.\n\n";
  *md += Row({"Configuration", "Knob", "Target", "Before", "Applied", "After restore", "Status"});
  *md += "|---|---|---|---|---|---|---|\n";
  for (const TuningRow& t : rows) {
    *md += Row({t.configuration, t.knob, t.target, t.before, t.applied, t.after_restore, t.status});
  }
}

}  // namespace

std::string RenderMarkdown(const ReportData& data, const std::vector<MetricAnalysis>& metrics) {
  std::string md;
  AppendSummary(data, &md);
  if (!data.groups.empty()) {
    AppendBest(metrics, &md);
    AppendComparison(data, metrics, &md);
    AppendPercentiles(data, &md);
  } else {
    md += "\nNo successful runs: nothing to compare.\n";
  }
  AppendFailed(data, &md);
  AppendTuning(data, &md);
  return md;
}

}  // namespace srp::reports
