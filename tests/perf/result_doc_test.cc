#include "perf/harness/result_doc.h"

#include <gtest/gtest.h>

#include "lib/common/fs_root.h"
#include "perf/harness/sweep_plan.h"
#include "reports/schema_check.h"

namespace srp::perf {
namespace {

JobResult SomeJob() {
  LatencyHistogram clat, lat, empty;
  for (uint64_t v = 10000; v < 20000; v += 10) {
    clat.Add(v);
    lat.Add(v + 500);
  }
  JobResult job;
  job.jobname = "job0";
  job.read = MakeIoStats(1000 * 4096, 1000, 2.0, clat, lat);
  job.write = MakeIoStats(0, 0, 2.0, empty, empty);
  return job;
}

TEST(ResultDocTest, IoStatsUseFioKeysAndUnits) {
  JobResult job = SomeJob();
  EXPECT_DOUBLE_EQ(job.read.iops, 500.0);
  EXPECT_EQ(job.read.bw_bytes, 2048000u);
  EXPECT_EQ(job.read.runtime_ms, 2000u);
  Json j = IoStatsToJson(job.read);
  EXPECT_EQ(j["io_kbytes"], 4000);
  EXPECT_EQ(j["bw"], 2000);  // KiB/s
  EXPECT_EQ(j["total_ios"], 1000);
  ASSERT_TRUE(j["clat_ns"].contains("percentile"));
  EXPECT_EQ(j["clat_ns"]["percentile"].size(), 9u);
  EXPECT_GE(j["clat_ns"]["percentile"]["99.000000"].get<uint64_t>(),
            j["clat_ns"]["percentile"]["50.000000"].get<uint64_t>());
  EXPECT_FALSE(j["lat_ns"].contains("percentile"));
  // A direction without I/O has no percentiles, as in fio.
  EXPECT_FALSE(IoStatsToJson(job.write)["clat_ns"].contains("percentile"));
}

TEST(ResultDocTest, TuningRowsFromKnobRecords) {
  TuningRow ok =
      TuningRowFromRecord({"scheduler:loop0", "mq-deadline", "none", "mq-deadline", "ok"});
  EXPECT_EQ(ok.knob, "scheduler");
  EXPECT_EQ(ok.target, "loop0");
  EXPECT_EQ(ok.status, "applied");
  EXPECT_EQ(ok.after_restore, "mq-deadline");
  TuningRow managed = TuningRowFromRecord(
      {"irq_affinity:42", "0-3", "", "", "not settable: managed by the kernel"});
  EXPECT_EQ(managed.status, "not settable: managed by the kernel");
  EXPECT_FALSE(managed.applied.has_value());
  TuningRow dry = TuningRowFromRecord({"rq_affinity:sda", "1", "2", "", "dry-run"});
  EXPECT_EQ(dry.status, "dry-run");
  TuningRow failed = TuningRowFromRecord({"cpu_pinning:pid 7", "0-1", "", "", "IoError: boom"});
  EXPECT_EQ(failed.status, "failed: IoError: boom");
  EXPECT_EQ(failed.target, "pid 7");
  TuningRow na = NotApplicable("scheduler", "", "no block device");
  EXPECT_EQ(na.status, "not applicable: no block device");
  Json j = TuningRowJson(na);
  EXPECT_TRUE(j["before"].is_null());
}

TEST(ResultDocTest, DocumentsMatchTheCheckedInSchemas) {
  SweepSpec spec;
  spec.axes["thread"] = {"0"};
  Result<std::vector<Configuration>> configs = ExpandSweep(spec);
  ASSERT_TRUE(configs.ok());
  RunDocument doc;
  doc.config_id = (*configs)[0].id;
  doc.configuration = ConfigurationToJson(spec, (*configs)[0]);
  doc.environment = EnvironmentJson(FsRoot("/"), {"srp-perf", "sweep"});
  doc.target = Json{{"fabric", "soft"},
                    {"handler", "nullio"},
                    {"thread", 0},
                    {"target_string", "id_ext=1"},
                    {"parameters", Json::object()}};
  doc.tuning = {TuningRowFromRecord({"thread_mode:srp-target", "0", "0", "0", "ok"}),
                NotApplicable("scheduler", "", "srp engine")};
  doc.jobs = {SomeJob()};
  const Json result = ResultJson(doc);
  Status valid = reports::ValidateResultDocument(nlohmann::json(result));
  EXPECT_TRUE(valid.ok()) << valid.ToString() << "\n" << result.dump(2);
  EXPECT_EQ(result["environment"]["command_line"][1], "sweep");
  EXPECT_GE(result["environment"]["cpu_count"].get<int>(), 1);

  const Json run = SummaryRun(doc, "runs/x.json");
  EXPECT_DOUBLE_EQ(run["read_iops"].get<double>(), 500.0);
  EXPECT_EQ(run["write_iops"], 0.0);
  EXPECT_EQ(run["clat_p99_ns"], doc.jobs[0].read.clat.percentile["99.000000"]);
  const Json summary = SummaryJson(doc.environment, AxesToJson(spec), {run});
  valid = reports::ValidateSummaryDocument(nlohmann::json(summary));
  EXPECT_TRUE(valid.ok()) << valid.ToString();

  // A failed run: no jobs, null metrics, the error kept.
  RunDocument failed = doc;
  failed.jobs.clear();
  failed.error = "login: Rejected";
  const Json failed_result = ResultJson(failed);
  EXPECT_EQ(failed_result["error"], "login: Rejected");
  EXPECT_TRUE(reports::ValidateResultDocument(nlohmann::json(failed_result)).ok());
  const Json failed_run = SummaryRun(failed, "runs/y.json");
  EXPECT_TRUE(failed_run["read_iops"].is_null());
  EXPECT_TRUE(reports::ValidateSummaryDocument(
                  nlohmann::json(SummaryJson(doc.environment, Json::object(), {failed_run})))
                  .ok());
}

}  // namespace
}  // namespace srp::perf
