// A sweep: the cartesian product of list-valued options (axes), each
// configuration repeated `repeat` times. Axis values are validated and put in
// canonical form here (bs "4096" -> "4k", cpus "0x3" -> "0-1"), so config ids
// compare equal across runs. Pure; no I/O.
//
// Axes, in config-id (and loop nesting) order: thread, scheduler, rq_affinity,
// irq_affinity, cpus, bs, iodepth, rw. Lists are comma-separated, except for
// cpus and irq_affinity whose values contain CPU lists: separate those with
// ';' (or repeat the option).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/common/status.h"
#include "perf/engine/workload.h"

namespace srp::perf {

const std::vector<std::string>& AxisNames();

// Splits `list` by the axis's separator and canonicalizes each value; errors
// name the axis and the bad value. Duplicates are rejected.
Result<std::vector<std::string>> ParseAxisValues(std::string_view axis, std::string_view list);
// One value (already split).
Result<std::string> CanonicalAxisValue(std::string_view axis, std::string_view value);

struct SweepSpec {
  std::string engine = "srp";
  // Axis name -> canonical values; only the axes the user gave.
  std::map<std::string, std::vector<std::string>> axes;
  int repeat = 1;
  Workload base;  // numjobs, runtime, ramp_time, size, rwmixread; bs/iodepth/rw when not axes
};

struct Configuration {
  std::vector<std::pair<std::string, std::string>> values;  // given axes, in AxisNames() order
  int rep = 1;
  std::string id;  // "thread=0,bs=4k,iodepth=1,rw=randread,rep=1"
  Workload workload;
  std::optional<std::string> Get(std::string_view axis) const;
};

// Every configuration, outermost axis first (thread), then repeats innermost.
Result<std::vector<Configuration>> ExpandSweep(const SweepSpec& spec);

// The file name for a config id under runs/: characters other than
// [A-Za-z0-9=,._+-] become '_', plus ".json".
std::string ConfigFileName(std::string_view config_id);

// The report's "configuration" object (absent axes omitted).
nlohmann::ordered_json ConfigurationToJson(const SweepSpec& spec, const Configuration& config);
// The summary's "axes" object: axis -> values (numbers for numeric axes).
nlohmann::ordered_json AxesToJson(const SweepSpec& spec);

}  // namespace srp::perf
