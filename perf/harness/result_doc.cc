#include "perf/harness/result_doc.h"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#ifndef SRP_TOOL_VERSION
#define SRP_TOOL_VERSION "unknown"
#endif

namespace srp::perf {
namespace {

std::string CpuModel(const FsRoot& fs) {
  Result<std::string> info = fs.ReadFile("/proc/cpuinfo");
  if (!info.ok()) return "unknown";
  std::istringstream lines(*info);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string model = line.substr(colon + 1);
    while (!model.empty() && model.front() == ' ') model.erase(0, 1);
    return model;
  }
  return "unknown";
}

}  // namespace

Json EnvironmentJson(const FsRoot& fs, const std::vector<std::string>& command_line) {
  utsname uts{};
  std::string kernel = "unknown";
  if (::uname(&uts) == 0) kernel = uts.release;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  const time_t now = ::time(nullptr);
  tm utc{};
  ::gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  Json cmd = Json::array();
  for (const std::string& arg : command_line) cmd.push_back(arg);
  return Json{{"kernel", kernel},
              {"cpu_model", CpuModel(fs)},
              {"cpu_count", cpus > 0 ? cpus : 1},
              {"tool_version", SRP_TOOL_VERSION},
              {"command_line", cmd},
              {"hostname", host},
              {"timestamp", stamp}};
}

TuningRow TuningRowFromRecord(const tuning::KnobRecord& record) {
  TuningRow row;
  const size_t colon = record.name.find(':');
  row.knob = record.name.substr(0, colon);
  row.target = colon == std::string::npos ? "" : record.name.substr(colon + 1);
  if (!record.before.empty()) row.before = record.before;
  if (!record.applied.empty()) row.applied = record.applied;
  if (!record.after_restore.empty()) row.after_restore = record.after_restore;
  if (record.status == "ok") {
    row.status = "applied";
  } else if (record.status.rfind("not settable", 0) == 0 || record.status == "dry-run") {
    row.status = record.status;
  } else {
    row.status = "failed: " + record.status;
  }
  return row;
}

TuningRow NotApplicable(std::string knob, std::string target, std::string reason) {
  TuningRow row;
  row.knob = std::move(knob);
  row.target = std::move(target);
  row.status = "not applicable: " + reason;
  return row;
}

Json TuningRowJson(const TuningRow& row) {
  auto opt = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
  return Json{{"knob", row.knob},
              {"target", row.target},
              {"before", opt(row.before)},
              {"applied", opt(row.applied)},
              {"after_restore", opt(row.after_restore)},
              {"status", row.status}};
}

Json ResultJson(const RunDocument& doc) {
  Json tuning = Json::array();
  for (const TuningRow& row : doc.tuning) tuning.push_back(TuningRowJson(row));
  Json jobs = Json::array();
  for (const JobResult& job : doc.jobs) jobs.push_back(JobResultToJson(job));
  Json j{{"schema", "srp-perf-result/1"},
         {"config_id", doc.config_id},
         {"configuration", doc.configuration},
         {"environment", doc.environment},
         {"target", doc.target},
         {"tuning", tuning},
         {"jobs", jobs}};
  if (doc.error) j["error"] = *doc.error;
  return j;
}

Json SummaryRun(const RunDocument& doc, const std::string& file) {
  Json run{{"config_id", doc.config_id}, {"file", file}, {"configuration", doc.configuration}};
  if (doc.jobs.empty()) {
    for (const char* key : {"read_iops", "write_iops", "bw_bytes", "clat_p50_ns", "clat_p99_ns"}) {
      run[key] = nullptr;
    }
  } else {
    double read_iops = 0, write_iops = 0, bw = 0;
    std::optional<uint64_t> p50, p99;
    for (const JobResult& job : doc.jobs) {
      read_iops += job.read.iops;
      write_iops += job.write.iops;
      bw += static_cast<double>(job.read.bw_bytes + job.write.bw_bytes);
      for (const IoStats* s : {&job.read, &job.write}) {
        if (s->total_ios == 0) continue;
        auto take = [&](std::optional<uint64_t>& out, const char* key) {
          auto it = s->clat.percentile.find(key);
          if (it != s->clat.percentile.end()) out = std::max(out.value_or(0), it->second);
        };
        take(p50, "50.000000");
        take(p99, "99.000000");
      }
    }
    run["read_iops"] = read_iops;
    run["write_iops"] = write_iops;
    run["bw_bytes"] = bw;
    run["clat_p50_ns"] = p50 ? Json(*p50) : Json(nullptr);
    run["clat_p99_ns"] = p99 ? Json(*p99) : Json(nullptr);
  }
  if (doc.error) run["error"] = *doc.error;
  return run;
}

Json SummaryJson(const Json& environment, const Json& axes, const std::vector<Json>& runs) {
  Json list = Json::array();
  for (const Json& run : runs) list.push_back(run);
  return Json{{"schema", "srp-perf-summary/1"},
              {"environment", environment},
              {"axes", axes},
              {"runs", list}};
}

Status WriteJsonFile(const std::string& path, const Json& doc) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump(2) << "\n";
    out.flush();
    if (!out) return Status(StatusCode::kIoError, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::FromErrno(errno, "rename " + tmp);
  }
  return Status::Ok();
}

}  // namespace srp::perf
