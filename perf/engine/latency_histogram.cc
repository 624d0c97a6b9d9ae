#include "perf/engine/latency_histogram.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace srp::perf {
namespace {

constexpr int kSubBits = 6;  // 64 buckets per power of two
constexpr uint64_t kSub = uint64_t{1} << kSubBits;
constexpr int kMaxMsb = 63;
constexpr size_t kBuckets = (kMaxMsb - kSubBits + 2) * kSub;

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBuckets, 0) {}

size_t LatencyHistogram::BucketOf(uint64_t ns) {
  if (ns < kSub) return static_cast<size_t>(ns);
  const int msb = 63 - std::countl_zero(ns);
  const int shift = msb - kSubBits;
  const uint64_t group = static_cast<uint64_t>(msb - kSubBits + 1);
  return static_cast<size_t>(group * kSub + ((ns >> shift) & (kSub - 1)));
}

uint64_t LatencyHistogram::BucketLow(size_t bucket) {
  if (bucket < kSub) return bucket;
  const uint64_t group = bucket / kSub;
  const uint64_t sub = bucket % kSub;
  const int shift = static_cast<int>(group) - 1;
  return (kSub + sub) << shift;
}

uint64_t LatencyHistogram::BucketMid(size_t bucket) {
  if (bucket < kSub) return bucket;
  const int shift = static_cast<int>(bucket / kSub) - 1;
  return BucketLow(bucket) + ((uint64_t{1} << shift) >> 1);
}

void LatencyHistogram::Add(uint64_t ns) {
  ++buckets_[BucketOf(ns)];
  ++count_;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
  const double v = static_cast<double>(ns);
  sum_ += v;
  sum_sq_ += v * v;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  sum_sq_ += other.sum_sq_;
}

double LatencyHistogram::mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }

double LatencyHistogram::stddev() const {
  if (count_ < 2) return 0;
  const double m = mean();
  const double var = sum_sq_ / static_cast<double>(count_) - m * m;
  return var > 0 ? std::sqrt(var) : 0;
}

uint64_t LatencyHistogram::Percentile(double percent) const {
  if (count_ == 0) return 0;
  const double wanted = std::ceil(percent / 100.0 * static_cast<double>(count_));
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(wanted));
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(BucketMid(i), min_, max_);
  }
  return max_;
}

const std::vector<double>& ReportedPercentiles() {
  static const std::vector<double> kPercentiles = {1, 5, 10, 50, 90, 95, 99, 99.9, 99.99};
  return kPercentiles;
}

std::string PercentileKey(double percent) { return fmt::format("{:.6f}", percent); }

}  // namespace srp::perf
