// Inline SVG bar charts for the HTML report: horizontal grouped bars (one
// group per configuration, one bar per series) with whiskers for the spread
// over repeats. Output is a complete <svg> element with fixed coordinates and
// number formatting, so the same input always gives the same bytes.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace srp::reports {

struct BarValue {
  double value = 0;  // bar length (e.g. the median), in display units
  double low = 0;    // whisker ends (e.g. min and max); equal to value = no whisker
  double high = 0;
};

struct BarSeries {
  std::string name;   // legend text ("Read")
  std::string color;  // CSS colour ("#4e79a7")
};

struct BarGroup {
  std::string label;                            // configuration label, drawn left of the bars
  bool emphasize = false;                       // drawn bold (the baseline)
  std::vector<std::optional<BarValue>> values;  // one per series; nullopt = no bar
};

struct BarChart {
  std::string id;     // element id, unique in the page ("chart-iops")
  std::string title;  // drawn above the plot and used as the accessible name
  std::string unit;   // x axis caption
  std::vector<BarSeries> series;
  std::vector<BarGroup> groups;
};

// Renders the chart; values must be finite and >= 0 (others are drawn as 0).
std::string RenderBarChartSvg(const BarChart& chart);

// Escapes &, <, >, " and ' for XML/HTML text and attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace srp::reports
