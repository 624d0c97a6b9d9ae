// What a job measured, per direction, in fio's units, and its fio-style JSON
// ("read"/"write" objects: io_bytes, io_kbytes, bw_bytes, bw (KiB/s), iops,
// runtime (ms), total_ios, clat_ns{min,max,mean,stddev,percentile{...}},
// lat_ns{min,max,mean,stddev}).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "perf/engine/latency_histogram.h"

namespace srp::perf {

struct LatencyStats {
  uint64_t min = 0, max = 0;
  double mean = 0, stddev = 0;
  // "99.000000" -> ns (clat only); empty when the direction did no I/O.
  std::map<std::string, uint64_t> percentile;
};

struct IoStats {
  uint64_t io_bytes = 0;
  uint64_t total_ios = 0;
  uint64_t runtime_ms = 0;
  double iops = 0;
  uint64_t bw_bytes = 0;  // bytes per second
  LatencyStats clat;
  LatencyStats lat;
  // Our own engines keep the histograms for summaries; fio results do not.
  std::optional<LatencyHistogram> clat_histogram;
};

// Fills everything from counts, the measured interval and the histograms.
IoStats MakeIoStats(uint64_t io_bytes, uint64_t total_ios, double seconds,
                    const LatencyHistogram& clat, const LatencyHistogram& lat);

struct JobResult {
  std::string jobname;
  IoStats read;
  IoStats write;
};

nlohmann::ordered_json IoStatsToJson(const IoStats& stats);
// Reads one direction of a fio job object (fio's own JSON); keeps only our keys.
IoStats IoStatsFromFioJson(const nlohmann::ordered_json& direction);
nlohmann::ordered_json JobResultToJson(const JobResult& job);

}  // namespace srp::perf
