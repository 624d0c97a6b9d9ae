// A log-linear latency histogram in nanoseconds (fio's idea: each power of two
// is split into 64 equal buckets, so a bucket is at most 1/64 of its value
// wide), plus exact count, min, max, mean and standard deviation.
// Percentiles are bucket midpoints clamped to [min, max]: monotonic in p.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace srp::perf {

class LatencyHistogram {
 public:
  LatencyHistogram();

  void Add(uint64_t ns);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const;
  double stddev() const;  // population standard deviation, as fio prints
  // The value below which `percent` % of the samples lie (0 < percent <= 100);
  // 0 when empty.
  uint64_t Percentile(double percent) const;

  // Bucket index of a value and the value a bucket stands for (exposed for tests).
  static size_t BucketOf(uint64_t ns);
  static uint64_t BucketMid(size_t bucket);
  static uint64_t BucketLow(size_t bucket);

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  double sum_ = 0;
  double sum_sq_ = 0;
};

// The percentiles every report carries, as fio keys them ("99.000000").
const std::vector<double>& ReportedPercentiles();
std::string PercentileKey(double percent);

}  // namespace srp::perf
