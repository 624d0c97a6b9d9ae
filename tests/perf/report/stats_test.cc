// Small-sample statistics used for "how sure is the best configuration".
#include "reports/stats.h"

#include <gtest/gtest.h>

namespace srp::reports {
namespace {

TEST(ReportStats, SummarizeOddAndEvenCounts) {
  SampleStats odd = Summarize({5, 1, 3});
  EXPECT_EQ(odd.n, 3u);
  EXPECT_DOUBLE_EQ(odd.median, 3);
  EXPECT_DOUBLE_EQ(odd.min, 1);
  EXPECT_DOUBLE_EQ(odd.max, 5);
  EXPECT_DOUBLE_EQ(odd.mean, 3);
  EXPECT_DOUBLE_EQ(odd.stddev, 2);
  SampleStats even = Summarize({4, 1, 2, 10});
  EXPECT_DOUBLE_EQ(even.median, 3);
  SampleStats one = Summarize({7});
  EXPECT_DOUBLE_EQ(one.median, 7);
  EXPECT_DOUBLE_EQ(one.stddev, 0);
  EXPECT_EQ(Summarize({}).n, 0u);
}

TEST(ReportStats, MannWhitneyExactSmallSamples) {
  // Complete separation: the only two extreme splits out of C(6,3) = 20.
  EXPECT_NEAR(MannWhitneyTwoSidedP({10, 11, 12}, {1, 2, 3}), 0.1, 1e-12);
  EXPECT_NEAR(MannWhitneyTwoSidedP({1, 2}, {10, 11}), 1.0 / 3, 1e-12);
  EXPECT_NEAR(MannWhitneyMinimumP(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(MannWhitneyMinimumP(2, 2), 1.0 / 3, 1e-12);
  EXPECT_NEAR(MannWhitneyMinimumP(5, 5), 2.0 / 252, 1e-12);
  // Identical samples: nothing is more extreme than the observation.
  EXPECT_DOUBLE_EQ(MannWhitneyTwoSidedP({1, 2, 3}, {1, 2, 3}), 1.0);
  EXPECT_DOUBLE_EQ(MannWhitneyTwoSidedP({}, {1}), 1.0);
  // 5 vs 5 separated reaches significance.
  EXPECT_LT(MannWhitneyTwoSidedP({10, 11, 12, 13, 14}, {1, 2, 3, 4, 5}), 0.05);
  // Interleaved samples do not.
  EXPECT_GT(MannWhitneyTwoSidedP({1, 3, 5, 7}, {2, 4, 6, 8}), 0.5);
}

TEST(ReportStats, MannWhitneyLargeSamplesUseNormalApproximation) {
  std::vector<double> a, b;
  for (int i = 0; i < 30; ++i) {
    a.push_back(100 + i);
    b.push_back(i);
  }
  EXPECT_LT(MannWhitneyTwoSidedP(a, b), 1e-6);
  EXPECT_GT(MannWhitneyTwoSidedP(a, a), 0.9);
}

}  // namespace
}  // namespace srp::reports
