#include "reports/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace srp::reports {
namespace {

constexpr double kWidth = 960;
constexpr double kMargin = 16;
constexpr double kTitleHeight = 28;
constexpr double kLegendHeight = 22;
constexpr double kAxisHeight = 40;
constexpr double kBarHeight = 16;
constexpr double kGroupGap = 12;
constexpr double kCharWidth = 7.2;  // average glyph width of 12px sans-serif
constexpr double kValueLabelWidth = 70;
constexpr int kTicks = 5;

double Clean(double v) { return std::isfinite(v) && v > 0 ? v : 0; }

// The smallest "round" number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of
// ten) that is >= v, so five ticks land on readable values.
double NiceCeil(double v) {
  if (v <= 0) return 1;
  double power = std::pow(10.0, std::floor(std::log10(v)));
  for (double step : {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
    if (step * power >= v * (1 - 1e-12)) return step * power;
  }
  return 10 * power;
}

// Enough decimals to tell ticks `step` apart (0 for integral steps).
int TickDecimals(double step) {
  for (int decimals = 0; decimals < 6; ++decimals) {
    double scaled = step * std::pow(10.0, decimals);
    if (std::fabs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) return decimals;
  }
  return 6;
}

std::string Num(double v) { return fmt::format("{:.1f}", v); }

std::string ValueText(double v) {
  if (v >= 100) return fmt::format("{:.0f}", v);
  if (v >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderBarChartSvg(const BarChart& chart) {
  size_t longest_label = 8;
  double max_value = 0;
  for (const BarGroup& group : chart.groups) {
    longest_label = std::max(longest_label, group.label.size());
    for (const std::optional<BarValue>& v : group.values) {
      if (v) max_value = std::max({max_value, Clean(v->value), Clean(v->high)});
    }
  }
  const size_t series_count = std::max<size_t>(1, chart.series.size());
  const double label_width = std::clamp(longest_label * kCharWidth + 12, 100.0, 420.0);
  const double plot_left = kMargin + label_width;
  const double plot_width = kWidth - plot_left - kMargin - kValueLabelWidth;
  const double top = kMargin + kTitleHeight + (chart.series.size() > 1 ? kLegendHeight : 0);
  const double group_height = series_count * kBarHeight + kGroupGap;
  const double plot_height = std::max<double>(1, chart.groups.size()) * group_height;
  const double height = top + plot_height + kAxisHeight + kMargin;
  const double axis_max = NiceCeil(max_value);
  const double step = axis_max / kTicks;
  const int decimals = TickDecimals(step);
  auto x_of = [&](double v) { return plot_left + Clean(v) / axis_max * plot_width; };

  std::string svg = fmt::format(
      "<svg id=\"{}\" class=\"chart\" role=\"img\" "
      "aria-label=\"{}\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      XmlEscape(chart.id), XmlEscape(chart.title), Num(kWidth), Num(height), Num(kWidth),
      Num(height));
  svg += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n",
                     Num(kWidth), Num(height));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
                     Num(kMargin), Num(kMargin + 16), XmlEscape(chart.title));
  if (chart.series.size() > 1) {
    double x = plot_left;
    const double y = kMargin + kTitleHeight;
    for (const BarSeries& s : chart.series) {
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>", Num(x),
                         Num(y), XmlEscape(s.color));
      svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", Num(x + 16), Num(y + 10),
                         XmlEscape(s.name));
      x += 16 + s.name.size() * kCharWidth + 20;
    }
  }
  // Grid lines and tick labels.
  const double axis_y = top + plot_height;
  for (int t = 0; t <= kTicks; ++t) {
    const double v = step * t;
    const double x = x_of(v);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"1\"/>"
        "<text x=\"{0}\" y=\"{4}\" text-anchor=\"middle\" fill=\"#444444\">{5}</text>\n",
        Num(x), Num(top), Num(axis_y), t == 0 ? "#444444" : "#dddddd", Num(axis_y + 16),
        fmt::format("{:.{}f}", v, decimals));
  }
  svg += fmt::format(
      "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444444\" stroke-width=\"1\"/>\n",
      Num(plot_left), Num(axis_y), Num(plot_left + plot_width), Num(axis_y));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#444444\">{}</text>\n",
                     Num(plot_left + plot_width / 2), Num(axis_y + 34), XmlEscape(chart.unit));

  for (size_t g = 0; g < chart.groups.size(); ++g) {
    const BarGroup& group = chart.groups[g];
    const double group_top = top + g * group_height + kGroupGap / 2;
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\"{}>{}</text>\n",
        Num(plot_left - 8), Num(group_top + series_count * kBarHeight / 2),
        group.emphasize ? " font-weight=\"bold\"" : "", XmlEscape(group.label));
    for (size_t s = 0; s < group.values.size() && s < series_count; ++s) {
      if (!group.values[s]) continue;
      const BarValue& v = *group.values[s];
      const std::string color = s < chart.series.size() ? chart.series[s].color : "#4e79a7";
      const double y = group_top + s * kBarHeight;
      const double mid = y + kBarHeight / 2 - 1;
      svg += fmt::format(
          "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">"
          "<title>{}: {}</title></rect>\n",
          Num(plot_left), Num(y), Num(x_of(v.value) - plot_left), Num(kBarHeight - 2),
          XmlEscape(color), XmlEscape(group.label), ValueText(Clean(v.value)));
      double label_x = x_of(v.value);
      if (Clean(v.high) > Clean(v.low)) {
        const double x1 = x_of(v.low);
        const double x2 = x_of(v.high);
        svg += fmt::format(
            "<path class=\"whisker\" d=\"M{0} {1}H{2}M{0} {3}V{4}M{2} {3}V{4}\" "
            "stroke=\"#222222\" stroke-width=\"1.2\" fill=\"none\"/>\n",
            Num(x1), Num(mid), Num(x2), Num(mid - 4), Num(mid + 4));
        label_x = std::max(label_x, x2);
      }
      svg += fmt::format(
          "<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\" font-size=\"11\" "
          "fill=\"#333333\">{}</text>\n",
          Num(label_x + 4), Num(mid), ValueText(Clean(v.value)));
    }
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace srp::reports
