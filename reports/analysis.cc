// Per-metric comparison: spread over repeats, deltas against the baseline and
// the best configuration with a statement of how sure the data is.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "reports/report_model.h"

namespace srp::reports {
namespace {

constexpr double kSignificanceLevel = 0.05;

std::string Range(const MetricInfo& metric, const SampleStats& s) {
  return FormatMetric(metric, s.min) + ".." + FormatMetric(metric, s.max) + " " +
         std::string(metric.unit);
}

// How sure we are that `best` beats `next` (both with at least one repeat).
std::string Certainty(const MetricInfo& metric, const ReportData& data, const MetricRow& best,
                      const MetricRow& next) {
  const size_t nb = best.stats.n;
  const size_t nn = next.stats.n;
  std::string counts = fmt::format("{} vs {} repeats", nb, nn);
  if (nb == 1 && nn == 1) {
    return "only one repeat of each, so there is no spread to judge significance by "
           "(run with --repeat 3 or more)";
  }
  if (nb == 1 || nn == 1) {
    return fmt::format("only one repeat of {}, so significance cannot be judged ({})",
                       nb == 1 ? "the best" : "the runner-up", counts);
  }
  const bool overlap = best.stats.min <= next.stats.max && next.stats.min <= best.stats.max;
  if (overlap) {
    return fmt::format("spreads overlap (best {}, runner-up {}) -> not significant ({})",
                       Range(metric, best.stats), Range(metric, next.stats), counts);
  }
  const double p = MannWhitneyTwoSidedP(GroupValues(data, best.group, metric.name),
                                        GroupValues(data, next.group, metric.name));
  if (p <= kSignificanceLevel) {
    return fmt::format("spreads do not overlap, Mann-Whitney p={:.3f} -> significant ({})", p,
                       counts);
  }
  const double floor = MannWhitneyMinimumP(nb, nn);
  if (p <= floor + 1e-12) {
    return fmt::format(
        "spreads do not overlap (every repeat of the best is better) -> likely, but {} is too "
        "few for a test: Mann-Whitney p={:.3f} is the smallest possible",
        counts, p);
  }
  return fmt::format("spreads do not overlap but Mann-Whitney p={:.3f} -> not significant ({})", p,
                     counts);
}

}  // namespace

MetricAnalysis AnalyzeMetric(const ReportData& data, const MetricInfo* metric) {
  MetricAnalysis analysis;
  analysis.metric = metric;
  for (size_t g = 0; g < data.groups.size(); ++g) {
    std::vector<double> values = GroupValues(data, g, metric->name);
    MetricRow row;
    row.group = g;
    row.stats = Summarize(std::move(values));
    if (row.stats.n == 0 || row.stats.max <= 0) {
      analysis.idle.push_back(g);
      continue;
    }
    analysis.has_data = true;
    analysis.rows.push_back(row);
  }
  const MetricRow* baseline = nullptr;
  for (const MetricRow& row : analysis.rows) {
    if (row.group == data.baseline) baseline = &row;
  }
  if (baseline != nullptr && baseline->stats.median > 0) {
    for (MetricRow& row : analysis.rows) {
      row.delta_percent =
          (row.stats.median - baseline->stats.median) / baseline->stats.median * 100;
    }
  }
  if (!analysis.has_data) {
    analysis.verdict = "no data: no configuration did this kind of I/O";
    return analysis;
  }
  // Rank by median; ties keep report order.
  std::vector<const MetricRow*> ranked;
  for (const MetricRow& row : analysis.rows) ranked.push_back(&row);
  std::stable_sort(ranked.begin(), ranked.end(), [metric](const MetricRow* a, const MetricRow* b) {
    return metric->higher_is_better ? a->stats.median > b->stats.median
                                    : a->stats.median < b->stats.median;
  });
  const MetricRow& best = *ranked.front();
  analysis.best_group = best.group;
  const std::string& best_label = data.groups[best.group].label;
  if (ranked.size() == 1) {
    analysis.verdict =
        fmt::format("{} (the only configuration with data; nothing to compare)", best_label);
    return analysis;
  }
  const MetricRow& next = *ranked[1];
  const std::string& next_label = data.groups[next.group].label;
  std::string margin;
  if (next.stats.median == 0) {
    margin = fmt::format("runner-up {} has 0", next_label);
  } else {
    double percent = std::fabs(best.stats.median - next.stats.median) / next.stats.median * 100;
    margin = fmt::format("{:.1f}% {} than the runner-up {}", percent,
                         metric->higher_is_better ? "higher" : "lower", next_label);
  }
  analysis.verdict =
      fmt::format("{}, {}; {}", best_label, margin, Certainty(*metric, data, best, next));
  return analysis;
}

}  // namespace srp::reports
