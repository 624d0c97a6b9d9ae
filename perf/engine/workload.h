// The workload of one job, with fio's option names and value syntax:
// rw, bs, iodepth, numjobs, runtime, ramp_time, size, rwmixread.
// Pure parsing and offset generation; no I/O.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "lib/common/status.h"

namespace srp::perf {

enum class RwMode { kRead, kWrite, kRandRead, kRandWrite, kReadWrite, kRandRw };

// fio's names: read, write, randread, randwrite, rw (= readwrite), randrw.
Result<RwMode> ParseRwMode(std::string_view text);
const char* RwModeName(RwMode mode);
bool IsRandom(RwMode mode);

// fio-style sizes: a number with an optional suffix k/m/g/t (powers of 1024,
// case-insensitive, optional "b"/"ib": "4k", "64KiB", "1m", "512"). Rejects
// 0 only when `allow_zero` is false; rejects overflow, fractions and junk.
Result<uint64_t> ParseSize(std::string_view text, bool allow_zero = false);
// The shortest exact form: 4096 -> "4k", 1048576 -> "1m", 1000 -> "1000".
std::string FormatSize(uint64_t bytes);
// Seconds: "2", "1.5", "500ms", "2s", "1m" (fio's time suffixes). Must be >= 0.
Result<double> ParseSeconds(std::string_view text);

struct Workload {
  RwMode rw = RwMode::kRandRead;
  uint32_t bs = 4096;       // bytes per I/O; a multiple of 512
  uint32_t iodepth = 1;     // I/Os in flight per job
  uint32_t numjobs = 1;     // concurrent jobs
  double runtime_s = 2.0;   // measured time per job (time based, like fio's time_based=1)
  double ramp_time_s = 0;   // run this long before measuring
  uint64_t size = 0;        // bytes of the device/file each job covers; 0 = all of it
  uint32_t rwmixread = 50;  // percent reads for rw/randrw

  // InvalidArgument naming the bad field (bs not a multiple of 512, iodepth 0 ...).
  Status Validate() const;
};

// Chooses the direction and offset of each next I/O for one job over
// [0, region) in units of bs: sequential modes wrap around, random modes draw
// uniformly, mixed modes read with probability rwmixread %.
class OffsetGenerator {
 public:
  // REQUIRES: workload.Validate() ok and region >= workload.bs.
  OffsetGenerator(const Workload& workload, uint64_t region, uint64_t seed);
  struct Next {
    uint64_t offset;
    bool write;
  };
  Next Get();

 private:
  RwMode rw_;
  uint32_t bs_;
  uint32_t rwmixread_;
  uint64_t blocks_;
  uint64_t next_block_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace srp::perf
