// The self-contained HTML report: inline CSS, inline SVG charts, no scripts
// and no external references, so it can be mailed or archived as one file.
#include <fmt/format.h>

#include "reports/render.h"
#include "reports/svg_chart.h"

namespace srp::reports {
namespace {

constexpr std::string_view kStyle = R"css(
body { font-family: sans-serif; margin: 24px; color: #222222; max-width: 1000px; }
h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 28px; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0 16px 0; font-size: 13px; }
th, td { border: 1px solid #cccccc; padding: 3px 8px; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.baseline td { font-weight: bold; } tr.best td:first-child::after { content: " \2605"; }
svg.chart { display: block; margin: 12px 0; border: 1px solid #e0e0e0; }
.note { color: #555555; }
)css";

struct SeriesSource {
  std::string name;
  std::string color;
  const MetricInfo* metric;
};

std::string Td(std::string_view text, bool numeric = false) {
  return fmt::format("<td{}>{}</td>", numeric ? " class=\"num\"" : "", XmlEscape(text));
}

std::string Th(const std::vector<std::string>& names) {
  std::string row = "<tr>";
  for (const std::string& name : names) row += "<th>" + XmlEscape(name) + "</th>";
  return row + "</tr>\n";
}

// One bar per series per configuration: median with min..max whiskers.
BarChart BuildChart(const ReportData& data, std::string id, std::string title, std::string unit,
                    const std::vector<SeriesSource>& sources) {
  BarChart chart{std::move(id), std::move(title), std::move(unit), {}, {}};
  for (const SeriesSource& s : sources) chart.series.push_back({s.name, s.color});
  for (size_t g = 0; g < data.groups.size(); ++g) {
    BarGroup group{data.groups[g].label, g == data.baseline, {}};
    for (const SeriesSource& s : sources) {
      std::vector<double> values = GroupValues(data, g, s.metric->name);
      if (values.empty()) {
        group.values.emplace_back(std::nullopt);
        continue;
      }
      SampleStats stats = Summarize(std::move(values));
      if (stats.max <= 0) {  // e.g. reads of a write-only configuration: no bar
        group.values.emplace_back(std::nullopt);
        continue;
      }
      const double scale = s.metric->scale;
      group.values.push_back(BarValue{stats.median / scale, stats.min / scale, stats.max / scale});
    }
    chart.groups.push_back(std::move(group));
  }
  return chart;
}

bool HasData(const ReportData& data, std::string_view metric) {
  for (size_t g = 0; g < data.groups.size(); ++g) {
    for (double v : GroupValues(data, g, metric)) {
      if (v > 0) return true;
    }
  }
  return false;
}

void AppendCharts(const ReportData& data, std::string* html) {
  *html +=
      "<h2>Charts</h2>\n<p class=\"note\">Bars show the median over repeats; whiskers span "
      "min..max. The baseline is bold.</p>\n";
  std::vector<SeriesSource> iops;
  if (HasData(data, "read_iops") || !HasData(data, "write_iops")) {
    iops.push_back({"Read", "#4e79a7", FindMetric("read_iops")});
  }
  if (HasData(data, "write_iops")) iops.push_back({"Write", "#f28e2b", FindMetric("write_iops")});
  *html +=
      RenderBarChartSvg(BuildChart(data, "chart-iops", "IOPS per configuration", "IOPS", iops));
  *html += RenderBarChartSvg(BuildChart(data, "chart-bandwidth",
                                        "Bandwidth per configuration (read + write)", "MiB/s",
                                        {{"Bandwidth", "#59a14f", FindMetric("bw_bytes")}}));
  const char* colors[] = {"#76b7b2", "#edc948", "#e15759", "#b07aa1"};
  std::vector<SeriesSource> percentiles;
  size_t i = 0;
  for (const MetricInfo* metric : PercentileMetrics()) {
    std::string name(metric->title.substr(metric->title.rfind(' ') + 1));
    percentiles.push_back({name, colors[i++ % 4], metric});
  }
  *html += RenderBarChartSvg(BuildChart(data, "chart-latency",
                                        "Completion latency percentiles per configuration",
                                        "microseconds", percentiles));
}

std::string RowClass(const ReportData& data, size_t group, bool best) {
  std::string classes;
  if (group == data.baseline) classes += "baseline";
  if (best) classes += classes.empty() ? "best" : " best";
  return classes.empty() ? "<tr>" : "<tr class=\"" + classes + "\">";
}

void AppendTables(const ReportData& data, const std::vector<MetricAnalysis>& metrics,
                  std::string* html) {
  *html +=
      "<h2>Comparison with the baseline</h2>\n<p class=\"note\">Median over repeats; spread "
      "is min..max; deltas compare medians. &#9733; marks the best.</p>\n";
  for (const MetricAnalysis& m : metrics) {
    *html += "<h3>" + XmlEscape(MetricHeading(*m.metric)) + "</h3>\n";
    if (!m.has_data) {
      *html += "<p>No configuration has data for this metric.</p>\n";
      continue;
    }
    *html += "<table class=\"comparison\">\n" +
             Th({"Configuration", "Repeats", "Median", "Min..max", "Stddev", "vs baseline"});
    for (const MetricRow& row : m.rows) {
      *html += RowClass(data, row.group, m.best_group == row.group) +
               Td(data.groups[row.group].label) + Td(std::to_string(row.stats.n), true) +
               Td(FormatMetric(*m.metric, row.stats.median), true) +
               Td(SpreadText(*m.metric, row.stats), true) +
               Td(StddevText(*m.metric, row.stats), true) +
               Td(row.delta_percent ? FormatPercent(*row.delta_percent) : "-", true) + "</tr>\n";
    }
    *html += "</table>\n";
    if (std::string idle = IdleText(data, m); !idle.empty()) {
      *html += "<p class=\"note\">" + XmlEscape(idle) + "</p>\n";
    }
  }
  *html +=
      "<h2>Completion latency percentiles (us, median over repeats)</h2>\n"
      "<table class=\"percentiles\">\n";
  std::vector<std::string> header = {"Configuration"};
  for (const MetricInfo* metric : PercentileMetrics()) {
    header.emplace_back(metric->title.substr(metric->title.rfind(' ') + 1));
  }
  *html += Th(header);
  for (size_t g = 0; g < data.groups.size(); ++g) {
    *html += RowClass(data, g, false) + Td(data.groups[g].label);
    for (const MetricInfo* metric : PercentileMetrics()) {
      std::vector<double> values = GroupValues(data, g, metric->name);
      *html += Td(values.empty() ? "-" : FormatMetric(*metric, Summarize(values).median), true);
    }
    *html += "</tr>\n";
  }
  *html += "</table>\n";
}

void AppendFailedAndTuning(const ReportData& data, std::string* html) {
  *html += "<h2>Failed runs</h2>\n";
  if (data.failed_runs.empty()) {
    *html += "<p>None.</p>\n";
  } else {
    *html +=
        "<p class=\"note\">Listed only; failed runs are not part of any chart or "
        "comparison.</p>\n<table class=\"failed\">\n" +
        Th({"Run", "File", "Error"});
    for (size_t r : data.failed_runs) {
      const RunRecord& run = data.runs[r];
      *html += "<tr>" + Td(run.config_id) + Td(run.source) + Td(run.error) + "</tr>\n";
    }
    *html += "</table>\n";
  }
  *html += "<h2>Tuning</h2>\n";
  std::vector<TuningRow> rows = TuningRows(data);
  if (rows.empty()) {
    *html += "<p>No tuning knobs were recorded.</p>\n";
    return;
  }
  *html +=
      "<p class=\"note\">As recorded by the first repeat of each configuration.</p>\n"
      "<table class=\"tuning\">\n" +
      Th({"Configuration", "Knob", "Target", "Before", "Applied", "After restore", "Status"});
  for (const TuningRow& t : rows) {
    *html += "<tr>" + Td(t.configuration) + Td(t.knob) + Td(t.target) + Td(t.before) +
             Td(t.applied) + Td(t.after_restore) + Td(t.status) + "</tr>\n";
  }
  *html += "</table>\n";
}

}  // namespace

std::string RenderHtml(const ReportData& data, const std::vector<MetricAnalysis>& metrics) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>srp-perf report</title>\n<style>" +
      std::string(kStyle) +
      "</style>\n</head>\n<body>\n<h1>srp-perf report</h1>\n<ul class=\"facts\">\n";
  std::string inputs;
  for (const InputSummary& input : data.inputs) {
    inputs += fmt::format("{}{} ({} file{})", inputs.empty() ? "" : ", ", input.name, input.files,
                          input.files == 1 ? "" : "s");
  }
  html += "<li>Inputs: " + XmlEscape(inputs) + "</li>\n";
  html += "<li>Runs: " + XmlEscape(RunsText(data)) + "</li>\n";
  if (!data.groups.empty()) {
    html += "<li>Repeats per configuration: " + XmlEscape(RepeatsText(data)) + "</li>\n";
  }
  if (!data.common_settings.empty()) {
    html += "<li>Common settings: " + XmlEscape(data.common_settings) + "</li>\n";
  }
  html += "<li>Environment: " + XmlEscape(EnvironmentText(data)) + "</li>\n";
  for (const std::string& note : data.environment_notes) {
    html += "<li>Note: " + XmlEscape(note) + "</li>\n";
  }
  if (!data.groups.empty()) {
    html += "<li>Baseline: <b>" + XmlEscape(data.groups[data.baseline].label) + "</b></li>\n";
  }
  html += "</ul>\n";
  if (!data.groups.empty()) {
    html += "<h2>Best configuration per metric</h2>\n<ul class=\"best\">\n";
    for (const MetricAnalysis& m : metrics) {
      html += "<li><b>" + XmlEscape(m.metric->title) + "</b> (" +
              (m.metric->higher_is_better ? "higher" : "lower") +
              " is better): " + XmlEscape(m.verdict) + "</li>\n";
    }
    html += "</ul>\n";
    AppendCharts(data, &html);
    AppendTables(data, metrics, &html);
  } else {
    html += "<p>No successful runs: nothing to compare.</p>\n";
  }
  AppendFailedAndTuning(data, &html);
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace srp::reports
