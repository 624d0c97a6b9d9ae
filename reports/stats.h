// Small-sample statistics for comparing benchmark repeats: order statistics,
// mean/stddev and an exact Mann-Whitney U test. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <vector>

namespace srp::reports {

struct SampleStats {
  size_t n = 0;
  double median = 0;
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n-1); 0 when n < 2
};

// REQUIRES: !values.empty().
SampleStats Summarize(std::vector<double> values);

// Two-sided p-value of the Mann-Whitney U test for "a and b come from the same
// distribution". Exact (enumerating every split of the pooled values, so ties
// are handled) when the number of splits is at most 200000, otherwise the
// normal approximation with continuity correction. Returns 1 when either
// sample is empty.
double MannWhitneyTwoSidedP(const std::vector<double>& a, const std::vector<double>& b);

// The smallest two-sided p-value an exact Mann-Whitney test can reach with
// samples of these sizes (2 / C(na+nb, na)): with 3 vs 3 repeats it is 0.1, so
// "p <= 0.05" is impossible and the report says so instead of implying noise.
double MannWhitneyMinimumP(size_t na, size_t nb);

}  // namespace srp::reports
