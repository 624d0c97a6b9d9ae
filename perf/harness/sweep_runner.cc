#include "perf/harness/sweep_runner.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "lib/common/log.h"
#include "lib/fabric/select.h"
#include "perf/engine/fio_engine.h"
#include "perf/engine/job_runner.h"
#include "perf/engine/libaio_engine.h"
#include "perf/engine/srp_engine.h"
#include "perf/harness/system_fs.h"
#include "perf/harness/target_process.h"
#include "reports/schema_check.h"
#include "tuning/cpu_pinning_knob.h"
#include "tuning/irq_affinity_knob.h"
#include "tuning/irqbalance.h"
#include "tuning/knob_set.h"
#include "tuning/rq_affinity_knob.h"
#include "tuning/scheduler_knob.h"
#include "tuning/thread_mode_knob.h"

namespace srp::perf {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kOwnTargetName = "srp-target";

std::string Clock2(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

bool Stopped(const SweepDeps& deps) { return deps.stop != nullptr && deps.stop->load(); }

class Sweep {
 public:
  Sweep(const SweepOptions& options, const SweepDeps& deps) : o_(options), d_(deps) {}

  Result<SweepOutcome> Run();

 private:
  Status Check();
  void Out(std::string_view line) const {
    if (d_.out) {
      d_.out(line);
    } else {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    }
  }
  // Knob settings and "not applicable" rows of one configuration.
  Status BuildKnobs(const Configuration& c, std::vector<tuning::KnobSetting>* settings,
                    std::vector<TuningRow>* na);
  Json TargetJson() const;
  Status RunWorkload(const Configuration& c, RunDocument* doc);
  void Progress(size_t index, size_t total, const std::string& id);

  const SweepOptions& o_;
  const SweepDeps& d_;
  bool own_target_ = false;
  std::unique_ptr<TargetProcess> target_;
  std::string block_device_;         // "" when scheduler/rq_affinity do not apply
  std::string no_block_device_why_;  // why not
  bool warned_irqbalance_ = false;
  Clock::time_point started_ = Clock::now();
};

Status Sweep::Check() {
  const std::string& engine = o_.spec.engine;
  if (engine != "srp" && engine != "libaio" && engine != "fio") {
    return InvalidArgument(fmt::format("--engine '{}' is not one of srp, libaio, fio", engine));
  }
  if (d_.fs == nullptr) return InvalidArgument("no FsRoot");
  if (engine == "srp" && !o_.filename.empty()) {
    return InvalidArgument("--filename is for the libaio and fio engines; srp uses --target");
  }
  if (engine != "srp" && o_.filename.empty()) {
    return InvalidArgument(
        fmt::format("--engine {} needs --filename (a block device or file)", engine));
  }
  if (engine != "srp" && !o_.target.empty()) {
    return InvalidArgument("--target is for the srp engine");
  }
  if (o_.spec.axes.count("cpus") && d_.affinity == nullptr)
    return InvalidArgument("no AffinityApi");
  if (!o_.dry_run) {
    if (o_.out_dir.empty()) return InvalidArgument("--out DIR is required");
    if (::access(JournalPath(o_.out_dir).c_str(), F_OK) == 0) {
      return Status(StatusCode::kAlreadyExists,
                    fmt::format("{} exists: a previous run was killed with knobs applied; run "
                                "`srp-perf restore {}` first",
                                JournalPath(o_.out_dir), o_.out_dir));
    }
    if (engine == "fio" && !FioAvailable()) {
      return Status(StatusCode::kNotFound, "--engine fio: fio is not installed or not in PATH");
    }
  }
  return Status::Ok();
}

Status Sweep::BuildKnobs(const Configuration& c, std::vector<tuning::KnobSetting>* settings,
                         std::vector<TuningRow>* na) {
  if (auto thread = c.Get("thread")) {
    if (own_target_) {
      const int current = target_ ? target_->thread() : 0;
      TargetProcess* t = target_.get();
      settings->push_back({std::make_unique<tuning::ThreadModeKnob>(
                               kOwnTargetName, current,
                               [t](int mode) {
                                 return t ? t->Restart(mode)
                                          : Status(StatusCode::kUnavailable, "no target");
                               }),
                           *thread});
    } else {
      na->push_back(NotApplicable("thread_mode", o_.target.empty() ? o_.filename : o_.target,
                                  o_.spec.engine == "srp"
                                      ? "the target was not started by srp-perf"
                                      : "engine " + o_.spec.engine + " has no SRP target"));
    }
  }
  for (const char* axis : {"scheduler", "rq_affinity"}) {
    auto value = c.Get(axis);
    if (!value) continue;
    if (block_device_.empty()) {
      na->push_back(NotApplicable(axis, o_.filename, no_block_device_why_));
      continue;
    }
    std::unique_ptr<tuning::TuningKnob> knob;
    if (std::string_view(axis) == "scheduler") {
      knob = std::make_unique<tuning::SchedulerKnob>(*d_.fs, block_device_);
    } else {
      knob = std::make_unique<tuning::RqAffinityKnob>(*d_.fs, block_device_);
    }
    settings->push_back({std::move(knob), *value});
  }
  if (auto irq = c.Get("irq_affinity")) {
    const size_t colon = irq->rfind(':');
    const std::string pattern = irq->substr(0, colon);
    const std::string cpus = irq->substr(colon + 1);
    auto knobs = tuning::MakeIrqAffinityKnobs(*d_.fs, pattern);
    if (!knobs.ok() && knobs.status().code() == StatusCode::kNotFound) {
      na->push_back(NotApplicable("irq_affinity", pattern,
                                  "no IRQ in /proc/interrupts matches '" + pattern + "'"));
    } else if (!knobs.ok()) {
      return knobs.status().WithContext("irq_affinity");
    } else {
      if (!warned_irqbalance_ && tuning::IrqbalanceRunning(*d_.fs)) {
        SRP_LOG(kWarning, "{}", tuning::IrqbalanceWarning());
        warned_irqbalance_ = true;
      }
      for (auto& knob : *knobs) settings->push_back({std::move(knob), cpus});
    }
  }
  if (auto cpus = c.Get("cpus")) {
    // The job threads inherit the affinity of the thread that starts them.
    settings->push_back(
        {std::make_unique<tuning::CpuPinningKnob>(*d_.affinity, ::gettid()), *cpus});
  }
  return Status::Ok();
}

Json Sweep::TargetJson() const {
  if (o_.spec.engine != "srp") {
    Json params{{"filename", o_.filename}};
    params["block_device"] = block_device_.empty() ? Json(nullptr) : Json(block_device_);
    if (o_.spec.engine == "fio") params["fio_ioengine"] = "libaio";
    return Json{{"handler", o_.spec.engine}, {"parameters", params}};
  }
  if (!own_target_) {
    return Json{
        {"fabric", o_.fabric}, {"target_string", o_.target}, {"parameters", Json{{"lun", o_.lun}}}};
  }
  Json params = Json::object();
  if (target_) {
    for (const auto& [key, value] : target_->parameters()) params[key] = value;
  }
  params["lun"] = o_.lun;
  params["initiator_busy_poll"] = o_.busy_poll;
  return Json{{"fabric", "soft"},
              {"handler", o_.lun == 0   ? "nullio"
                          : o_.lun == 1 ? "memory"
                                        : "unknown"},
              {"thread", target_ ? target_->thread() : 0},
              {"target_string", target_ ? target_->target_string() : ""},
              {"parameters", params}};
}

Status Sweep::RunWorkload(const Configuration& c, RunDocument* doc) {
  Result<std::vector<JobResult>> jobs = Status(StatusCode::kInternal, "not run");
  if (o_.spec.engine == "fio") {
    FioOptions fo;
    fo.filename = o_.filename;
    jobs = RunFio(c.workload, fo, o_.out_dir, d_.stop);
  } else if (o_.spec.engine == "libaio") {
    LibaioEngineOptions lo;
    lo.filename = o_.filename;
    jobs = RunJobs(
        c.workload, [&](int) -> Result<std::unique_ptr<IoEngine>> { return MakeLibaioEngine(lo); },
        d_.stop);
  } else {
    SrpEngineOptions so;
    so.lun = o_.lun;
    so.busy_poll = o_.busy_poll;
    if (own_target_) {
      so.target = target_->target_string();
      so.fabric.kind = fabric::FabricKind::kSoft;
      so.fabric.soft.subnet_dir = target_->subnet_dir();
    } else {
      so.target = o_.target;
      SRP_ASSIGN_OR_RETURN(so.fabric.kind, fabric::ParseFabricKind(o_.fabric));
    }
    jobs = RunJobs(
        c.workload, [&](int) -> Result<std::unique_ptr<IoEngine>> { return MakeSrpEngine(so); },
        d_.stop);
  }
  if (!jobs.ok()) return jobs.status();
  doc->jobs = std::move(jobs).value();
  return Status::Ok();
}

void Sweep::Progress(size_t index, size_t total, const std::string& id) {
  if (d_.progress == nullptr) return;
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  double per_config = 0;
  if (index > 0) {
    per_config = elapsed / static_cast<double>(index);
  } else {
    per_config = o_.spec.base.runtime_s + o_.spec.base.ramp_time_s + 0.5;
  }
  const double eta = per_config * static_cast<double>(total - index);
  std::fprintf(d_.progress, "srp-perf: [%zu/%zu] %s  elapsed %s  ETA %s\n", index + 1, total,
               id.c_str(), Clock2(elapsed).c_str(), Clock2(eta).c_str());
  std::fflush(d_.progress);
}

Result<SweepOutcome> Sweep::Run() {
  SRP_RETURN_IF_ERROR(Check());
  SRP_ASSIGN_OR_RETURN(std::vector<Configuration> configs, ExpandSweep(o_.spec));
  own_target_ = o_.spec.engine == "srp" && o_.target.empty();
  if (o_.spec.engine == "srp") {
    no_block_device_why_ = own_target_ ? "srp engine on the soft fabric has no block device"
                                       : "the srp engine has no block device";
  } else {
    Result<std::string> dev = BlockDeviceOf(*d_.fs, o_.filename);
    if (dev.ok()) {
      block_device_ = *dev;
    } else {
      no_block_device_why_ = dev.status().message();
    }
  }
  SweepOutcome outcome;
  outcome.configurations = static_cast<int>(configs.size());
  const Json environment = EnvironmentJson(*d_.fs, o_.command_line);
  const Json axes = AxesToJson(o_.spec);
  if (!o_.dry_run) {
    std::error_code ec;
    std::filesystem::create_directories(o_.out_dir + "/runs", ec);
    if (ec) return Status(StatusCode::kIoError, "create " + o_.out_dir + "/runs: " + ec.message());
    if (own_target_) {
      TargetProcessOptions to;
      to.binary = o_.target_bin;
      to.cpu = o_.target_cpu;
      to.poll_mode = o_.busy_poll ? "busy" : "event";
      auto first_thread = configs.front().Get("thread");
      to.thread = first_thread ? std::stoi(*first_thread) : 0;
      target_ = std::make_unique<TargetProcess>(to);
      SRP_RETURN_IF_ERROR(target_->Start().WithContext("start srp-target"));
    }
  }
  std::vector<Json> summary_runs;
  for (size_t i = 0; i < configs.size(); ++i) {
    const Configuration& c = configs[i];
    if (Stopped(d_)) {
      outcome.interrupted = true;
      break;
    }
    RunDocument doc;
    doc.config_id = c.id;
    doc.configuration = ConfigurationToJson(o_.spec, c);
    doc.environment = environment;
    std::vector<tuning::KnobSetting> settings;
    std::vector<TuningRow> na;
    Status built = BuildKnobs(c, &settings, &na);
    if (o_.dry_run) {
      Out(fmt::format("config {}/{}: {}", i + 1, configs.size(), c.id));
    } else {
      Progress(i, configs.size(), c.id);
    }
    tuning::KnobSetOptions ko;
    ko.dry_run = o_.dry_run;
    if (!o_.dry_run) ko.journal_path = JournalPath(o_.out_dir);
    ko.report = [this](std::string_view line) { Out(line); };
    std::vector<TuningRow> rows;
    {
      tuning::KnobSet knobs(ko);
      Status applied = built.ok() ? knobs.Apply(std::move(settings)) : built;
      if (!applied.ok()) {
        doc.error = "tuning: " + applied.ToString();
      } else if (!o_.dry_run) {
        Status ran = RunWorkload(c, &doc);
        if (!ran.ok()) doc.error = ran.ToString();
        if (Stopped(d_)) {
          outcome.interrupted = true;
          if (!doc.error) doc.error = "interrupted (partial measurement)";
        }
      }
      doc.target = TargetJson();
      Status restored = knobs.RestoreAll();
      if (!restored.ok()) {
        doc.error =
            (doc.error ? *doc.error + "; " : std::string()) + "restore: " + restored.ToString();
      }
      for (const tuning::KnobRecord& r : knobs.Records()) rows.push_back(TuningRowFromRecord(r));
    }
    for (TuningRow& row : na) {
      if (o_.dry_run) Out(fmt::format("dry-run: {}:{}: {}", row.knob, row.target, row.status));
      rows.push_back(std::move(row));
    }
    doc.tuning = std::move(rows);
    if (o_.dry_run) {
      if (doc.error) Out("error: " + *doc.error);
      continue;
    }
    const Json result = ResultJson(doc);
    Status valid = reports::ValidateResultDocument(nlohmann::json(result));
    if (!valid.ok())
      SRP_LOG(kWarning, "srp-perf: {} does not match its schema: {}", c.id, valid.ToString());
    const std::string file = "runs/" + ConfigFileName(c.id);
    SRP_RETURN_IF_ERROR(WriteJsonFile(o_.out_dir + "/" + file, result));
    summary_runs.push_back(SummaryRun(doc, file));
    outcome.summary = SummaryJson(environment, axes, summary_runs);
    SRP_RETURN_IF_ERROR(WriteJsonFile(o_.out_dir + "/summary.json", outcome.summary));
    outcome.results.push_back(result);
    ++outcome.completed;
    if (doc.error) {
      ++outcome.failed;
      SRP_LOG(kError, "srp-perf: {}: {}", c.id, *doc.error);
    }
    if (outcome.interrupted) break;
  }
  if (o_.dry_run) {
    Out(fmt::format("dry-run: {} configuration(s); nothing was changed", configs.size()));
  }
  if (target_) target_->Stop();
  return outcome;
}

}  // namespace

std::string JournalPath(const std::string& out_dir) { return out_dir + "/tuning.journal"; }

Result<SweepOutcome> RunSweep(const SweepOptions& options, const SweepDeps& deps) {
  Sweep sweep(options, deps);
  return sweep.Run();
}

}  // namespace srp::perf
