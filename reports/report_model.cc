// Loading and grouping of srp-perf result files; see report_model.h.
#include "reports/report_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "reports/schema_check.h"

namespace srp::reports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::array<MetricInfo, 8> kMetrics = {{
    {"read_iops", "Read IOPS", "IOPS", 1, 0, true},
    {"write_iops", "Write IOPS", "IOPS", 1, 0, true},
    {"bw_bytes", "Bandwidth", "MiB/s", 1024.0 * 1024.0, 1, true},
    {"clat_p50_ns", "Completion latency p50", "us", 1000, 1, false},
    {"clat_p90_ns", "Completion latency p90", "us", 1000, 1, false},
    {"clat_p99_ns", "Completion latency p99", "us", 1000, 1, false},
    {"clat_p99_9_ns", "Completion latency p99.9", "us", 1000, 1, false},
    {"clat_mean_ns", "Completion latency mean", "us", 1000, 1, false},
}};

// Percentile keys (fio's spelling) behind the clat_pXX_ns metrics.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kPercentileMetrics = {{
    {"clat_p50_ns", "50.000000"},
    {"clat_p90_ns", "90.000000"},
    {"clat_p99_ns", "99.000000"},
    {"clat_p99_9_ns", "99.900000"},
}};

// Label order of the configuration axes after those named in the config ids.
constexpr std::array<std::string_view, 14> kAxisOrder = {
    "engine", "thread",  "scheduler", "rq_affinity", "irq_affinity", "cpus", "rw",
    "bs",     "iodepth", "numjobs",   "runtime",     "ramp_time",    "size", "rwmixread"};

// Compares strings with digit runs by numeric value: "iodepth=4" < "iodepth=32".
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      std::string_view da = std::string_view(a).substr(i, ie - i);
      std::string_view db = std::string_view(b).substr(j, je - j);
      while (da.size() > 1 && da.front() == '0') da.remove_prefix(1);
      while (db.size() > 1 && db.front() == '0') db.remove_prefix(1);
      if (da.size() != db.size()) return da.size() < db.size();
      if (da != db) return da < db;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::string AxisValue(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Removes the ",rep=N" (or leading "rep=N,") component from a config id.
std::string WithoutRepeat(const std::string& config_id) {
  std::string out;
  std::stringstream parts(config_id);
  std::string part;
  while (std::getline(parts, part, ',')) {
    if (part.rfind("rep=", 0) == 0) continue;
    out += (out.empty() ? "" : ",") + part;
  }
  return out;
}

double NumberOr(const json& object, std::string_view key, double fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : fallback;
}

// Fills run.metrics from the run's jobs (sums for rates, maxima for latency).
void ComputeMetrics(const json& jobs, RunRecord* run) {
  double read_iops = 0, write_iops = 0, bw = 0;
  std::map<std::string, double, std::less<>> latency;
  for (const json& job : jobs) {
    for (std::string_view direction : {"read", "write"}) {
      auto io_it = job.find(direction);
      if (io_it == job.end() || !io_it->is_object()) continue;
      const json& io = *io_it;
      double iops = NumberOr(io, "iops", 0);
      (direction == "read" ? read_iops : write_iops) += iops;
      bw += NumberOr(io, "bw_bytes", 0);
      if (NumberOr(io, "total_ios", 0) <= 0) continue;
      const json clat = io.value("clat_ns", json::object());
      auto keep_max = [&latency](std::string_view name, double value) {
        auto [it, inserted] = latency.emplace(std::string(name), value);
        if (!inserted) it->second = std::max(it->second, value);
      };
      if (clat.contains("mean")) keep_max("clat_mean_ns", NumberOr(clat, "mean", 0));
      const json percentiles = clat.value("percentile", json::object());
      for (const auto& [metric, key] : kPercentileMetrics) {
        if (percentiles.contains(key)) keep_max(metric, NumberOr(percentiles, key, 0));
      }
    }
  }
  run->metrics["read_iops"] = read_iops;
  run->metrics["write_iops"] = write_iops;
  run->metrics["bw_bytes"] = bw;
  run->metrics.merge(latency);
}

Result<json> ReadJson(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno, "cannot open " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  json doc = json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument(path.string() + ": not valid JSON");
  return doc;
}

// Appends the runs of one sweep directory to data->runs.
Status LoadInputDir(const std::string& dir, ReportData* data,
                    std::map<std::string, std::set<std::string>>* environment_values) {
  fs::path runs_dir = fs::path(dir) / "runs";
  std::error_code ec;
  if (!fs::is_directory(runs_dir, ec)) {
    return NotFound(dir + ": no runs/ directory (expected the --out directory of srp-perf sweep)");
  }
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(runs_dir, ec)) {
    if (entry.path().extension() == ".json" && entry.is_regular_file(ec)) {
      names.push_back(entry.path().filename().string());
    }
  }
  if (ec) return Status::FromErrno(ec.value(), "cannot list " + runs_dir.string());
  std::sort(names.begin(), names.end(), NaturalLess);

  InputSummary input;
  input.name = fs::path(dir).lexically_normal().filename().string();
  if (input.name.empty())
    input.name = fs::path(dir).lexically_normal().parent_path().filename().string();
  if (input.name.empty()) input.name = dir;
  input.files = static_cast<int>(names.size());
  for (const std::string& name : names) {
    fs::path path = runs_dir / name;
    SRP_ASSIGN_OR_RETURN(json doc, ReadJson(path));
    SRP_RETURN_IF_ERROR(ValidateResultDocument(doc).WithContext(path.string()));
    RunRecord run;
    run.config_id = doc["config_id"].get<std::string>();
    run.source = input.name + "/runs/" + name;
    run.configuration = doc["configuration"];
    run.repeat = run.configuration.value("repeat", 1);
    run.error = doc.value("error", "");
    run.tuning = doc["tuning"];
    ComputeMetrics(doc["jobs"], &run);
    for (const char* key : {"hostname", "kernel", "cpu_model"}) {
      (*environment_values)[key].insert(AxisValue(doc["environment"][key]));
    }
    if (data->environment.is_null()) data->environment = doc["environment"];
    data->runs.push_back(std::move(run));
  }
  data->inputs.push_back(std::move(input));
  return Status::Ok();
}

// Groups good runs by configuration minus repeat, then derives labels from the
// axes that differ between groups and the settings common to all of them.
void GroupRuns(ReportData* data) {
  std::map<std::string, size_t> group_by_key;
  for (size_t i = 0; i < data->runs.size(); ++i) {
    const RunRecord& run = data->runs[i];
    if (!run.error.empty()) {
      data->failed_runs.push_back(i);
      continue;
    }
    json configuration = run.configuration;
    configuration.erase("repeat");
    std::string key = configuration.dump();
    auto [it, inserted] = group_by_key.emplace(key, data->groups.size());
    if (inserted) {
      ConfigGroup group;
      group.config_id = WithoutRepeat(run.config_id);
      group.configuration = std::move(configuration);
      data->groups.push_back(std::move(group));
    }
    data->groups[it->second].runs.push_back(i);
  }

  // Labels follow the order of the first config id ("thread=0,bs=4k,...") so
  // they read like the file names, then the fixed axis order.
  std::vector<std::string> axes;
  auto add_axis = [&axes](std::string_view axis) {
    if (std::find(axes.begin(), axes.end(), axis) == axes.end()) axes.emplace_back(axis);
  };
  if (!data->groups.empty()) {
    std::stringstream parts(data->groups.front().config_id);
    std::string part;
    while (std::getline(parts, part, ',')) {
      const size_t equals = part.find('=');
      if (equals == std::string::npos) continue;
      const std::string axis = part.substr(0, equals);
      if (data->groups.front().configuration.contains(axis)) add_axis(axis);
    }
  }
  for (std::string_view axis : kAxisOrder) add_axis(axis);
  for (const ConfigGroup& group : data->groups) {
    for (const auto& [key, unused] : group.configuration.items()) {
      add_axis(key);
    }
  }
  std::vector<std::string> varying;
  std::map<std::string, std::string, std::less<>> common;  // axis -> its only value
  for (const std::string& axis : axes) {
    std::set<std::string> values;
    size_t present = 0;
    for (const ConfigGroup& group : data->groups) {
      if (!group.configuration.contains(axis)) continue;
      ++present;
      values.insert(AxisValue(group.configuration[axis]));
    }
    if (present == 0) continue;
    if (values.size() == 1 && present == data->groups.size()) {
      common[axis] = *values.begin();
    } else {
      varying.push_back(axis);
    }
  }
  // Common settings in the fixed axis order (config ids omit unswept axes).
  for (std::string_view axis : kAxisOrder) {
    auto it = common.find(axis);
    if (it == common.end()) continue;
    data->common_settings +=
        (data->common_settings.empty() ? "" : ", ") + it->first + "=" + it->second;
    common.erase(it);
  }
  for (const auto& [axis, value] : common) {
    data->common_settings += (data->common_settings.empty() ? "" : ", ") + axis + "=" + value;
  }
  for (ConfigGroup& group : data->groups) {
    for (const std::string& axis : varying) {
      if (!group.configuration.contains(axis)) continue;
      group.label +=
          (group.label.empty() ? "" : ",") + axis + "=" + AxisValue(group.configuration[axis]);
    }
    if (group.label.empty()) group.label = group.config_id.empty() ? "(all runs)" : group.config_id;
  }
}

Status PickBaseline(const std::string& wanted, ReportData* data) {
  if (wanted.empty() || data->groups.empty()) return Status::Ok();
  std::string wanted_norep = WithoutRepeat(wanted);
  for (size_t g = 0; g < data->groups.size(); ++g) {
    const ConfigGroup& group = data->groups[g];
    bool match = group.config_id == wanted_norep || group.label == wanted;
    for (size_t r : group.runs) match = match || data->runs[r].config_id == wanted;
    if (match) {
      data->baseline = g;
      return Status::Ok();
    }
  }
  std::string known;
  for (const ConfigGroup& group : data->groups) known += "\n  " + group.config_id;
  return InvalidArgument("baseline \"" + wanted +
                         "\" matches no configuration with a successful run; known:" + known);
}

}  // namespace

const MetricInfo* FindMetric(std::string_view name) {
  for (const MetricInfo& metric : kMetrics) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

std::string FormatMetric(const MetricInfo& metric, double raw_value) {
  return fmt::format("{:.{}f}", raw_value / metric.scale, metric.decimals);
}

std::string FormatPercent(double percent) {
  std::string text = fmt::format("{:+.1f}%", percent);
  return text == "-0.0%" ? "+0.0%" : text;
}

std::vector<std::string> KnownReportMetrics() {
  std::vector<std::string> names;
  for (const MetricInfo& metric : kMetrics) names.emplace_back(metric.name);
  return names;
}

Result<ReportData> LoadReportData(const ReportOptions& options) {
  if (options.input_dirs.empty()) return InvalidArgument("no input directory given");
  ReportData data;
  std::map<std::string, std::set<std::string>> environment_values;
  for (const std::string& dir : options.input_dirs) {
    SRP_RETURN_IF_ERROR(LoadInputDir(dir, &data, &environment_values));
  }
  if (data.runs.empty()) {
    return NotFound("no result files (runs/*.json) in the input directories");
  }
  for (const auto& [key, values] : environment_values) {
    if (values.size() < 2) continue;
    std::string list;
    for (const std::string& v : values) list += (list.empty() ? "" : ", ") + v;
    data.environment_notes.push_back("runs differ in " + key + ": " + list);
  }
  GroupRuns(&data);
  SRP_RETURN_IF_ERROR(PickBaseline(options.baseline, &data));
  return data;
}

std::vector<double> GroupValues(const ReportData& data, size_t group, std::string_view metric) {
  std::vector<double> values;
  for (size_t r : data.groups[group].runs) {
    auto it = data.runs[r].metrics.find(metric);
    if (it != data.runs[r].metrics.end()) values.push_back(it->second);
  }
  return values;
}

}  // namespace srp::reports
