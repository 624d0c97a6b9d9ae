#include "perf/cli/perf_cli.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lib/common/companion.h"
#include "lib/common/log.h"
#include "lib/fabric/select.h"
#include "perf/harness/sweep_runner.h"
#include "perf/harness/system_fs.h"
#include "reports/report_renderer.h"
#include "tuning/affinity_api.h"
#include "tuning/journal.h"

namespace srp::perf {
namespace {

constexpr const char* kFooter = R"(Examples:
  srp-perf sweep --out results
      the default sweep: our srp-target on a temporary soft subnet, LUN 0 nullio,
      --thread=0,1 --bs=4k --iodepth=1,32 --rw=randread, 2 s per configuration
  srp-perf sweep --thread=0,1 --bs=4k,64k --iodepth=1,32 --runtime 5 --repeat 3 --out r1
  srp-perf sweep --engine libaio --filename /dev/loop0 --scheduler=none,mq-deadline \
      --rq-affinity=1,2 --runtime 2 --out r2
  srp-perf sweep --engine srp --target 'id_ext=...,ioc_guid=...,dgid=...,service_id=...' \
      --irq-affinity 'mlx5_comp*:0-3;mlx5_comp*:4-7' --cpus '0;1' --out r3
  srp-perf run --rw randwrite --bs 64k --iodepth 8 --runtime 1
  srp-perf report r1 r2 --out report        (Markdown + HTML)
  srp-perf restore r2                       (undo the knobs of a killed run)
Axes (list-valued; the sweep is their cartesian product, each --repeat times):
  --thread --scheduler --rq-affinity --bs --iodepth --rw take comma lists;
  --cpus and --irq-affinity (PATTERN:CPUS) take ';' lists, or repeat the option.
Results: DIR/runs/<config_id>.json and DIR/summary.json (schemas in reports/schema/).)";

struct CommonArgs {
  std::map<std::string, std::vector<std::string>> axes;  // raw, per axis
  std::string engine = "srp";
  std::string target, fabric = "auto", filename, target_bin;
  uint32_t lun = 0;
  int target_cpu = -1;
  uint32_t numjobs = 1, rwmixread = 50;
  std::string runtime = "2", ramp_time = "0", size;
  int repeat = 1;
  std::string out;
  bool dry_run = false, quiet = false, busy_poll = false;
  std::string sysfs_root = "/", procfs_root = "/", log_level = "warning";
};

void AddCommon(CLI::App* app, CommonArgs& a, bool sweep) {
  const char* list = sweep ? " (comma list)" : "";
  const char* cpu_list = sweep ? " (';' list or repeat)" : "";
  app->add_option("--engine", a.engine, "srp | libaio | fio (default srp)");
  app->add_option("--target", a.target,
                  "srp: target string; default: start srp-target on a temporary soft subnet");
  app->add_option("--fabric", a.fabric, "srp with --target: auto | soft | verbs");
  app->add_option("--lun", a.lun, "srp: LUN (default 0: nullio on our target)");
  app->add_option("--filename", a.filename, "libaio/fio: block device or file");
  app->add_option("--thread", a.axes["thread"], fmt::format("target thread mode 0|1{}", list));
  app->add_option("--scheduler", a.axes["scheduler"],
                  fmt::format("I/O scheduler of --filename's device{}", list));
  app->add_option("--rq-affinity", a.axes["rq_affinity"],
                  fmt::format("queue/rq_affinity 0|1|2 of --filename's device{}", list));
  app->add_option("--irq-affinity", a.axes["irq_affinity"],
                  fmt::format("PATTERN:CPUS, IRQs by /proc/interrupts name{}", cpu_list));
  app->add_option("--cpus", a.axes["cpus"],
                  fmt::format("pin the workload to a CPU list or 0x mask{}", cpu_list));
  app->add_option("--bs", a.axes["bs"], fmt::format("block size, e.g. 4k (default 4k){}", list));
  app->add_option("--iodepth", a.axes["iodepth"],
                  fmt::format("I/Os in flight (default 1){}", list));
  app->add_option(
      "--rw", a.axes["rw"],
      fmt::format("read|write|randread|randwrite|rw|randrw (default randread){}", list));
  app->add_option("--numjobs", a.numjobs, "concurrent jobs (default 1)")->check(CLI::Range(1, 64));
  app->add_option("--runtime", a.runtime, "seconds per configuration (default 2)");
  app->add_option("--ramp-time,--ramp_time", a.ramp_time, "seconds before measuring (default 0)");
  app->add_option("--size", a.size, "bytes each job covers (default: the whole LUN/device)");
  app->add_option("--rwmixread", a.rwmixread, "percent reads for rw/randrw (default 50)")
      ->check(CLI::Range(0, 100));
  if (sweep) app->add_option("--repeat", a.repeat, "runs per configuration (default 1)");
  app->add_option("--out", a.out,
                  sweep ? "result directory (required)" : "result directory (default: stdout)");
  app->add_flag("--dry-run", a.dry_run, "print every knob write it would make; change nothing");
  app->add_flag("--quiet", a.quiet, "no progress line");
  app->add_option("--target-bin", a.target_bin,
                  "our srp-target (default: next to srp-perf, else on PATH)");
  app->add_option("--target-cpu", a.target_cpu, "pin our srp-target to this CPU");
  app->add_flag("--busy-poll", a.busy_poll,
                "srp: spin on completions in the initiator and our target (needs idle CPUs)");
  app->add_option("--sysfs-root", a.sysfs_root, "prefix for /sys paths (tests)");
  app->add_option("--procfs-root", a.procfs_root, "prefix for /proc paths (tests)");
  app->add_option("--log-level", a.log_level, "error | warning | info | debug");
}

// Builds the SweepOptions; `single` (run) requires one value per axis.
Result<SweepOptions> ToSweepOptions(CommonArgs& a, bool single, int argc, char** argv) {
  SweepOptions o;
  o.spec.engine = a.engine;
  bool any_axis = false;
  for (auto& [axis, raw] : a.axes) {
    if (raw.empty()) continue;
    any_axis = true;
    std::vector<std::string> values;
    for (const std::string& item : raw) {
      SRP_ASSIGN_OR_RETURN(std::vector<std::string> parsed, ParseAxisValues(axis, item));
      for (std::string& v : parsed) {
        if (std::find(values.begin(), values.end(), v) != values.end()) {
          return InvalidArgument(fmt::format("--{}: value '{}' given twice", axis, v));
        }
        values.push_back(std::move(v));
      }
    }
    if (single && values.size() > 1) {
      return InvalidArgument(fmt::format("run takes one value per option; --{} has {} (use sweep)",
                                         axis, values.size()));
    }
    o.spec.axes[axis] = std::move(values);
  }
  const bool default_sweep = !single && !any_axis && a.target.empty() && a.engine == "srp";
  if (default_sweep) {
    o.spec.axes["thread"] = {"0", "1"};
    o.spec.axes["bs"] = {"4k"};
    o.spec.axes["iodepth"] = {"1", "32"};
    o.spec.axes["rw"] = {"randread"};
  }
  Workload& w = o.spec.base;
  w.numjobs = a.numjobs;
  Result<double> runtime = ParseSeconds(a.runtime);
  if (!runtime.ok()) return runtime.status().WithContext("--runtime");
  if (*runtime <= 0) return InvalidArgument("--runtime must be positive");
  w.runtime_s = *runtime;
  Result<double> ramp = ParseSeconds(a.ramp_time);
  if (!ramp.ok()) return ramp.status().WithContext("--ramp-time");
  w.ramp_time_s = *ramp;
  if (!a.size.empty()) {
    Result<uint64_t> size = ParseSize(a.size);
    if (!size.ok()) return size.status().WithContext("--size");
    w.size = *size;
  }
  w.rwmixread = a.rwmixread;
  o.spec.repeat = a.repeat;
  o.target = a.target;
  o.fabric = a.fabric;
  if (!fabric::ParseFabricKind(a.fabric).ok()) {
    return InvalidArgument(fmt::format("--fabric '{}' is not auto, soft or verbs", a.fabric));
  }
  o.lun = a.lun;
  o.filename = a.filename;
  o.target_bin = a.target_bin.empty() ? FindCompanionTool("srp-target") : a.target_bin;
  o.target_cpu = a.target_cpu;
  o.busy_poll = a.busy_poll;
  o.out_dir = a.out;
  o.dry_run = a.dry_run;
  for (int i = 0; i < argc; ++i) o.command_line.emplace_back(argv[i]);
  return o;
}

int Fail(const Status& s, int code = 1) {
  std::fprintf(stderr, "srp-perf: %s\n", s.ToString().c_str());
  return code;
}

int RunOrSweep(CommonArgs& a, bool single, int argc, char** argv, const std::atomic<bool>* stop) {
  LogLevel level;
  if (!ParseLogLevel(a.log_level, &level)) {
    return Fail(InvalidArgument(fmt::format("--log-level '{}' is unknown", a.log_level)), 2);
  }
  SetLogLevel(level);
  Result<SweepOptions> options = ToSweepOptions(a, single, argc, argv);
  if (!options.ok()) return Fail(options.status(), 2);
  std::string temp_dir;
  if (single && options->out_dir.empty() && !options->dry_run) {
    std::string templ = (std::filesystem::temp_directory_path() / "srp-perf-run-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) return Fail(Status::FromErrno(errno, "mkdtemp"));
    temp_dir = templ;
    options->out_dir = temp_dir;
  }
  SplitFsRoot fs(a.sysfs_root, a.procfs_root);
  std::unique_ptr<tuning::AffinityApi> affinity = tuning::MakeLinuxAffinityApi();
  SweepDeps deps;
  deps.fs = &fs;
  deps.affinity = affinity.get();
  deps.progress = a.quiet || single ? nullptr : stderr;
  deps.stop = stop;
  Result<SweepOutcome> outcome = RunSweep(*options, deps);
  if (!temp_dir.empty() && outcome.ok() && !outcome->results.empty()) {
    std::printf("%s\n", outcome->results.front().dump(2).c_str());
  }
  if (!temp_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  }
  if (!outcome.ok()) {
    return Fail(outcome.status(), outcome.status().code() == StatusCode::kInvalidArgument ? 2 : 1);
  }
  if (outcome->interrupted) {
    std::fprintf(stderr, "srp-perf: interrupted; knobs restored; %d result(s) kept in %s\n",
                 outcome->completed, options->out_dir.c_str());
    return 130;
  }
  if (!options->dry_run && temp_dir.empty()) {
    std::fprintf(stderr, "srp-perf: %d configuration(s), %d failed; results in %s\n",
                 outcome->completed, outcome->failed, options->out_dir.c_str());
  }
  return outcome->failed > 0 ? 1 : 0;
}

int Report(const std::vector<std::string>& dirs, const std::string& out,
           const std::string& baseline, const std::vector<std::string>& metrics) {
  reports::ReportOptions ro;
  ro.input_dirs = dirs;
  ro.out_dir = out;
  ro.baseline = baseline;
  ro.metrics = metrics;
  Result<reports::ReportSummary> r = reports::RenderReport(ro);
  if (!r.ok()) return Fail(r.status());
  std::printf("%s\n%s\n", r->markdown_path.c_str(), r->html_path.c_str());
  for (const std::string& line : r->best_lines) std::printf("%s\n", line.c_str());
  return 0;
}

int Restore(const std::string& dir, const std::string& sysfs_root, const std::string& procfs_root) {
  SplitFsRoot fs(sysfs_root, procfs_root);
  std::unique_ptr<tuning::AffinityApi> affinity = tuning::MakeLinuxAffinityApi();
  tuning::KnobDeps deps;
  deps.fs = &fs;
  deps.affinity = affinity.get();
  std::vector<tuning::KnobRecord> records;
  Status s = tuning::RestoreFromJournal(JournalPath(dir), fs, deps, &records);
  if (s.code() == StatusCode::kNotFound && records.empty()) {
    std::printf("srp-perf restore: no journal in %s: nothing to restore\n", dir.c_str());
    return 0;
  }
  for (const tuning::KnobRecord& r : records) {
    std::printf("%s: restored '%s' (now '%s') %s\n", r.name.c_str(), r.applied.c_str(),
                r.after_restore.c_str(), r.status.c_str());
  }
  if (!s.ok()) return Fail(s);
  std::printf("srp-perf restore: %zu knob(s) restored; journal removed\n", records.size());
  return 0;
}

}  // namespace

int PerfMain(int argc, char** argv, const std::atomic<bool>* stop) {
  CLI::App app{"srp-perf: SRP benchmark sweeps with tuning knobs applied and restored"};
  app.footer(kFooter);
  app.require_subcommand(1);
  CommonArgs run_args, sweep_args;
  CLI::App* run = app.add_subcommand("run", "one configuration");
  AddCommon(run, run_args, false);
  run->footer(kFooter);
  CLI::App* sweep = app.add_subcommand("sweep", "the cartesian product of the axes");
  AddCommon(sweep, sweep_args, true);
  sweep->footer(kFooter);
  std::vector<std::string> report_dirs, metrics;
  std::string report_out, baseline;
  CLI::App* report = app.add_subcommand("report", "Markdown + HTML comparison of result dirs");
  report->add_option("DIR", report_dirs, "result directories of srp-perf sweep")->required();
  report->add_option("--out", report_out, "report directory")->required();
  report->add_option("--baseline", baseline, "config id to compare against (default: first)");
  report->add_option("--metric", metrics, "read_iops, write_iops, bw_bytes, clat_p99_ns, ...");
  std::string restore_dir, restore_sysfs = "/", restore_procfs = "/";
  CLI::App* restore = app.add_subcommand("restore", "undo the knobs of a killed run");
  restore->add_option("DIR", restore_dir, "the killed run's result directory")->required();
  restore->add_option("--sysfs-root", restore_sysfs, "prefix for /sys paths (tests)");
  restore->add_option("--procfs-root", restore_procfs, "prefix for /proc paths (tests)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*run) return RunOrSweep(run_args, true, argc, argv, stop);
  if (*sweep) {
    if (sweep_args.out.empty() && !sweep_args.dry_run) {
      return Fail(InvalidArgument("sweep needs --out DIR"), 2);
    }
    return RunOrSweep(sweep_args, false, argc, argv, stop);
  }
  if (*report) return Report(report_dirs, report_out, baseline, metrics);
  if (*restore) return Restore(restore_dir, restore_sysfs, restore_procfs);
  return 2;
}

}  // namespace srp::perf
