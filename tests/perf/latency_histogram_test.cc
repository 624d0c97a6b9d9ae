#include "perf/engine/latency_histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace srp::perf {
namespace {

TEST(LatencyHistogramTest, BucketsAreLogLinearWithSmallRelativeWidth) {
  EXPECT_EQ(LatencyHistogram::BucketOf(0), 0u);
  EXPECT_EQ(LatencyHistogram::BucketOf(63), 63u);
  EXPECT_EQ(LatencyHistogram::BucketOf(64), 64u);
  EXPECT_EQ(LatencyHistogram::BucketOf(127), 127u);
  EXPECT_EQ(LatencyHistogram::BucketOf(128), 128u);
  EXPECT_EQ(LatencyHistogram::BucketOf(129), 128u);  // width 2 from 128
  uint64_t previous = 0;
  for (uint64_t v : {1ull, 100ull, 1000ull, 123456ull, 987654321ull, 1ull << 30, ~0ull}) {
    const size_t b = LatencyHistogram::BucketOf(v);
    EXPECT_GE(b, previous);
    previous = b;
    EXPECT_LE(LatencyHistogram::BucketLow(b), v) << v;
    if (v >= 64) {
      // A bucket is at most 1/64 of its value wide.
      EXPECT_LE(static_cast<double>(v - LatencyHistogram::BucketLow(b)), v / 64.0) << v;
    }
  }
}

TEST(LatencyHistogramTest, ExactStatsAndPercentiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.Percentile(50), 0u);
  for (uint64_t v = 1; v <= 1000; ++v) h.Add(v * 1000);  // 1 us .. 1 ms
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.max(), 1000000u);
  EXPECT_NEAR(h.mean(), 500500, 1);
  EXPECT_NEAR(h.stddev(), 288675, 5);  // population stddev of 1..1000 ms scaled
  EXPECT_NEAR(static_cast<double>(h.Percentile(50)), 500000, 500000 / 64.0);
  EXPECT_NEAR(static_cast<double>(h.Percentile(99)), 990000, 990000 / 64.0);
  EXPECT_EQ(h.Percentile(100), 1000000u);
}

TEST(LatencyHistogramTest, PercentilesAreMonotonicAndClamped) {
  LatencyHistogram h;
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(10, 1.5);
  for (int i = 0; i < 20000; ++i) h.Add(static_cast<uint64_t>(dist(rng)));
  uint64_t previous = 0;
  for (double p : ReportedPercentiles()) {
    const uint64_t v = h.Percentile(p);
    EXPECT_GE(v, previous) << p;
    EXPECT_GE(v, h.min());
    EXPECT_LE(v, h.max());
    previous = v;
  }
}

TEST(LatencyHistogramTest, MergeEqualsAddingEverything) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 1; v < 5000; v += 7) {
    ((v % 2) ? a : b).Add(v);
    all.Add(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : ReportedPercentiles()) EXPECT_EQ(a.Percentile(p), all.Percentile(p));
}

TEST(LatencyHistogramTest, FioPercentileKeys) {
  EXPECT_EQ(PercentileKey(99), "99.000000");
  EXPECT_EQ(PercentileKey(99.99), "99.990000");
  EXPECT_EQ(ReportedPercentiles().size(), 9u);
}

}  // namespace
}  // namespace srp::perf
