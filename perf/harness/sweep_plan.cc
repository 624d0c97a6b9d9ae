#include "perf/harness/sweep_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "tuning/cpu_list.h"

namespace srp::perf {
namespace {

bool IsNumericAxis(std::string_view axis) {
  return axis == "thread" || axis == "rq_affinity" || axis == "iodepth";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Result<uint32_t> ParseUint(std::string_view axis, std::string_view value, uint32_t lo,
                           uint32_t hi) {
  uint32_t n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || n < lo || n > hi) {
    return InvalidArgument(
        fmt::format("--{} value '{}' is not an integer in {}..{}", axis, value, lo, hi));
  }
  return n;
}

nlohmann::ordered_json AxisValueJson(std::string_view axis, const std::string& value) {
  if (IsNumericAxis(axis)) return std::stoll(value);
  return value;
}

}  // namespace

const std::vector<std::string>& AxisNames() {
  static const std::vector<std::string> kNames = {
      "thread", "scheduler", "rq_affinity", "irq_affinity", "cpus", "bs", "iodepth", "rw"};
  return kNames;
}

Result<std::string> CanonicalAxisValue(std::string_view axis, std::string_view raw) {
  const std::string_view value = Trim(raw);
  if (value.empty()) return InvalidArgument(fmt::format("--{}: empty value", axis));
  if (axis == "thread") {
    SRP_ASSIGN_OR_RETURN(uint32_t n, ParseUint(axis, value, 0, 1));
    return std::to_string(n);
  }
  if (axis == "rq_affinity") {
    SRP_ASSIGN_OR_RETURN(uint32_t n, ParseUint("rq-affinity", value, 0, 2));
    return std::to_string(n);
  }
  if (axis == "iodepth") {
    SRP_ASSIGN_OR_RETURN(uint32_t n, ParseUint(axis, value, 1, 1024));
    return std::to_string(n);
  }
  if (axis == "scheduler") {
    for (char c : value) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
        return InvalidArgument(
            fmt::format("--scheduler value '{}' is not a scheduler name", value));
      }
    }
    return std::string(value);
  }
  if (axis == "bs") {
    Result<uint64_t> bs = ParseSize(value);
    if (!bs.ok()) return bs.status().WithContext("--bs");
    if (*bs % 512 != 0 || *bs > (64u << 20)) {
      return InvalidArgument(
          fmt::format("--bs value '{}' is not a multiple of 512 up to 64m", value));
    }
    return FormatSize(*bs);
  }
  if (axis == "rw") {
    Result<RwMode> rw = ParseRwMode(value);
    if (!rw.ok()) return rw.status().WithContext("--rw");
    return std::string(RwModeName(*rw));
  }
  if (axis == "cpus") {
    Result<tuning::CpuSet> cpus = tuning::ParseCpuListOrMask(value);
    if (!cpus.ok()) return cpus.status().WithContext("--cpus");
    if (cpus->empty()) return InvalidArgument("--cpus: empty CPU set");
    return tuning::FormatCpuList(*cpus);
  }
  if (axis == "irq_affinity") {
    const size_t colon = value.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == value.size()) {
      return InvalidArgument(fmt::format(
          "--irq-affinity value '{}' is not PATTERN:CPUS (e.g. 'mlx5_comp*:0-3')", value));
    }
    Result<tuning::CpuSet> cpus = tuning::ParseCpuListOrMask(value.substr(colon + 1));
    if (!cpus.ok()) return cpus.status().WithContext("--irq-affinity");
    if (cpus->empty()) return InvalidArgument("--irq-affinity: empty CPU set");
    return fmt::format("{}:{}", value.substr(0, colon), tuning::FormatCpuList(*cpus));
  }
  return InvalidArgument(fmt::format("unknown axis '{}'", axis));
}

Result<std::vector<std::string>> ParseAxisValues(std::string_view axis, std::string_view list) {
  const char separator = (axis == "cpus" || axis == "irq_affinity") ? ';' : ',';
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = list.find(separator, start);
    const std::string_view item =
        list.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    SRP_ASSIGN_OR_RETURN(std::string value, CanonicalAxisValue(axis, item));
    if (std::find(out.begin(), out.end(), value) != out.end()) {
      return InvalidArgument(fmt::format("--{}: value '{}' given twice", axis, value));
    }
    out.push_back(std::move(value));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::optional<std::string> Configuration::Get(std::string_view axis) const {
  for (const auto& [name, value] : values) {
    if (name == axis) return value;
  }
  return std::nullopt;
}

Result<std::vector<Configuration>> ExpandSweep(const SweepSpec& spec) {
  if (spec.repeat < 1 || spec.repeat > 100) {
    return InvalidArgument(fmt::format("--repeat {} is not in 1..100", spec.repeat));
  }
  for (const auto& [axis, values] : spec.axes) {
    if (std::find(AxisNames().begin(), AxisNames().end(), axis) == AxisNames().end()) {
      return InvalidArgument(fmt::format("unknown axis '{}'", axis));
    }
    if (values.empty()) return InvalidArgument(fmt::format("--{}: no values", axis));
  }
  SRP_RETURN_IF_ERROR(spec.base.Validate());
  std::vector<std::pair<std::string, const std::vector<std::string>*>> axes;
  size_t total = static_cast<size_t>(spec.repeat);
  for (const std::string& name : AxisNames()) {
    auto it = spec.axes.find(name);
    if (it == spec.axes.end()) continue;
    axes.emplace_back(name, &it->second);
    total *= it->second.size();
    if (total > 10000) return InvalidArgument("the sweep has more than 10000 configurations");
  }
  std::vector<Configuration> out;
  std::vector<size_t> index(axes.size(), 0);
  for (size_t n = 0; n < total / static_cast<size_t>(spec.repeat); ++n) {
    Configuration base;
    base.workload = spec.base;
    std::string id;
    for (size_t a = 0; a < axes.size(); ++a) {
      const std::string& name = axes[a].first;
      const std::string& value = (*axes[a].second)[index[a]];
      base.values.emplace_back(name, value);
      id += fmt::format("{}={},", name, value);
      if (name == "bs") base.workload.bs = static_cast<uint32_t>(*ParseSize(value));
      if (name == "iodepth") base.workload.iodepth = static_cast<uint32_t>(std::stoul(value));
      if (name == "rw") base.workload.rw = *ParseRwMode(value);
    }
    SRP_RETURN_IF_ERROR(base.workload.Validate());
    for (int rep = 1; rep <= spec.repeat; ++rep) {
      Configuration c = base;
      c.rep = rep;
      c.id = fmt::format("{}rep={}", id, rep);
      out.push_back(std::move(c));
    }
    // Odometer: the last axis changes fastest.
    for (size_t a = axes.size(); a-- > 0;) {
      if (++index[a] < axes[a].second->size()) break;
      index[a] = 0;
    }
  }
  return out;
}

std::string ConfigFileName(std::string_view config_id) {
  std::string out;
  for (char c : config_id) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '=' || c == ',' ||
                    c == '.' || c == '_' || c == '+' || c == '-';
    out += ok ? c : '_';
  }
  return out + ".json";
}

nlohmann::ordered_json ConfigurationToJson(const SweepSpec& spec, const Configuration& config) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  const Workload& w = config.workload;
  j["engine"] = spec.engine;
  for (const auto& [name, value] : config.values) j[name] = AxisValueJson(name, value);
  j["rw"] = RwModeName(w.rw);
  j["bs"] = FormatSize(w.bs);
  j["iodepth"] = w.iodepth;
  j["numjobs"] = w.numjobs;
  j["runtime"] = w.runtime_s;
  if (w.ramp_time_s > 0) j["ramp_time"] = w.ramp_time_s;
  if (w.size > 0) j["size"] = FormatSize(w.size);
  if (w.rw == RwMode::kReadWrite || w.rw == RwMode::kRandRw) j["rwmixread"] = w.rwmixread;
  j["repeat"] = config.rep;
  return j;
}

nlohmann::ordered_json AxesToJson(const SweepSpec& spec) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const std::string& name : AxisNames()) {
    auto it = spec.axes.find(name);
    if (it == spec.axes.end()) continue;
    nlohmann::ordered_json values = nlohmann::ordered_json::array();
    for (const std::string& v : it->second) values.push_back(AxisValueJson(name, v));
    j[name] = values;
  }
  return j;
}

}  // namespace srp::perf
