#include "perf/engine/job_result.h"

#include <cmath>

namespace srp::perf {
namespace {

LatencyStats StatsOf(const LatencyHistogram& h, bool with_percentiles) {
  LatencyStats s;
  s.min = h.min();
  s.max = h.max();
  s.mean = h.mean();
  s.stddev = h.stddev();
  if (with_percentiles && h.count() > 0) {
    for (double p : ReportedPercentiles()) s.percentile[PercentileKey(p)] = h.Percentile(p);
  }
  return s;
}

uint64_t U64(const nlohmann::ordered_json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  const double v = it->get<double>();
  return v > 0 ? static_cast<uint64_t>(std::llround(v)) : 0;
}

double Dbl(const nlohmann::ordered_json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

LatencyStats LatencyFromFio(const nlohmann::ordered_json& j, bool with_percentiles) {
  LatencyStats s;
  if (!j.is_object()) return s;
  s.min = U64(j, "min");
  s.max = U64(j, "max");
  s.mean = Dbl(j, "mean");
  s.stddev = Dbl(j, "stddev");
  auto pct = j.find("percentile");
  if (with_percentiles && pct != j.end() && pct->is_object()) {
    for (double p : ReportedPercentiles()) {
      const std::string key = PercentileKey(p);
      if (pct->contains(key)) s.percentile[key] = U64(*pct, key.c_str());
    }
  }
  return s;
}

nlohmann::ordered_json LatencyToJson(const LatencyStats& s, bool with_percentiles) {
  nlohmann::ordered_json j = {
      {"min", s.min}, {"max", s.max}, {"mean", s.mean}, {"stddev", s.stddev}};
  if (with_percentiles && !s.percentile.empty()) {
    nlohmann::ordered_json pct = nlohmann::ordered_json::object();
    for (const auto& [key, value] : s.percentile) pct[key] = value;
    j["percentile"] = pct;
  }
  return j;
}

}  // namespace

IoStats MakeIoStats(uint64_t io_bytes, uint64_t total_ios, double seconds,
                    const LatencyHistogram& clat, const LatencyHistogram& lat) {
  IoStats s;
  s.io_bytes = io_bytes;
  s.total_ios = total_ios;
  s.runtime_ms = static_cast<uint64_t>(std::llround(seconds * 1000));
  if (seconds > 0) {
    s.iops = static_cast<double>(total_ios) / seconds;
    s.bw_bytes = static_cast<uint64_t>(std::llround(static_cast<double>(io_bytes) / seconds));
  }
  s.clat = StatsOf(clat, true);
  s.lat = StatsOf(lat, false);
  s.clat_histogram = clat;
  return s;
}

nlohmann::ordered_json IoStatsToJson(const IoStats& s) {
  return {{"io_bytes", s.io_bytes},
          {"io_kbytes", s.io_bytes / 1024},
          {"bw_bytes", s.bw_bytes},
          {"bw", s.bw_bytes / 1024},
          {"iops", s.iops},
          {"runtime", s.runtime_ms},
          {"total_ios", s.total_ios},
          {"clat_ns", LatencyToJson(s.clat, true)},
          {"lat_ns", LatencyToJson(s.lat, false)}};
}

IoStats IoStatsFromFioJson(const nlohmann::ordered_json& d) {
  IoStats s;
  if (!d.is_object()) return s;
  s.io_bytes = U64(d, "io_bytes");
  s.total_ios = U64(d, "total_ios");
  s.runtime_ms = U64(d, "runtime");
  s.iops = Dbl(d, "iops");
  s.bw_bytes = U64(d, "bw_bytes");
  s.clat = LatencyFromFio(d.value("clat_ns", nlohmann::ordered_json()), true);
  s.lat = LatencyFromFio(d.value("lat_ns", nlohmann::ordered_json()), false);
  return s;
}

nlohmann::ordered_json JobResultToJson(const JobResult& job) {
  return {{"jobname", job.jobname},
          {"read", IoStatsToJson(job.read)},
          {"write", IoStatsToJson(job.write)}};
}

}  // namespace srp::perf
