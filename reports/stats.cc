#include "reports/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace srp::reports {
namespace {

constexpr double kMaxExactSplits = 200000;

double Binomial(size_t n, size_t k) {
  double result = 1;
  for (size_t i = 1; i <= k; ++i) result = result * static_cast<double>(n - k + i) / i;
  return result;
}

// U statistic of `a` against `b`: pairs where a wins, ties count one half.
double UStatistic(const std::vector<double>& a, const std::vector<double>& b) {
  double u = 0;
  for (double x : a) {
    for (double y : b) u += x > y ? 1.0 : (x == y ? 0.5 : 0.0);
  }
  return u;
}

// Visits every way to choose `na` of the pooled values as sample A and counts
// splits whose U is at least as far from the null mean as `observed_distance`.
void CountExtremeSplits(const std::vector<double>& pooled, size_t na, double center,
                        double observed_distance, double* extreme, double* total) {
  std::vector<bool> pick(pooled.size(), false);
  std::fill(pick.begin(), pick.begin() + static_cast<std::ptrdiff_t>(na), true);
  std::vector<double> a, b;
  do {
    a.clear();
    b.clear();
    for (size_t i = 0; i < pooled.size(); ++i) (pick[i] ? a : b).push_back(pooled[i]);
    double distance = std::fabs(UStatistic(a, b) - center);
    if (distance >= observed_distance - 1e-9) *extreme += 1;
    *total += 1;
  } while (std::prev_permutation(pick.begin(), pick.end()));
}

}  // namespace

SampleStats Summarize(std::vector<double> values) {
  SampleStats s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.n = values.size();
  s.min = values.front();
  s.max = values.back();
  s.median = s.n % 2 == 1 ? values[s.n / 2] : (values[s.n / 2 - 1] + values[s.n / 2]) / 2;
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.n);
  if (s.n > 1) {
    double sum_sq = 0;
    for (double v : values) sum_sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sum_sq / static_cast<double>(s.n - 1));
  }
  return s;
}

double MannWhitneyTwoSidedP(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || b.empty()) return 1;
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  const double center = na * nb / 2;
  const double observed = std::fabs(UStatistic(a, b) - center);
  if (Binomial(a.size() + b.size(), a.size()) <= kMaxExactSplits) {
    std::vector<double> pooled(a);
    pooled.insert(pooled.end(), b.begin(), b.end());
    double extreme = 0;
    double total = 0;
    CountExtremeSplits(pooled, a.size(), center, observed, &extreme, &total);
    return std::min(1.0, extreme / total);
  }
  // Normal approximation (no tie correction; only reached with many repeats).
  const double sigma = std::sqrt(na * nb * (na + nb + 1) / 12);
  const double z = std::max(0.0, observed - 0.5) / sigma;
  return std::min(1.0, std::erfc(z / std::sqrt(2.0)));
}

double MannWhitneyMinimumP(size_t na, size_t nb) {
  if (na == 0 || nb == 0) return 1;
  return std::min(1.0, 2 / Binomial(na + nb, na));
}

}  // namespace srp::reports
