// RenderReport end to end on the checked-in fixtures: golden Markdown, the
// summary it returns, baseline and metric options, and input errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "reports/report_renderer.h"
#include "tests/perf/report/report_test_util.h"

namespace srp::reports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FixtureDir;
using ::testing::HasSubstr;
using testing::ReadText;

// Compares `actual` with tests/golden/reports/<name>; SRP_UPDATE_GOLDEN=1 rewrites it.
void ExpectGolden(const std::string& name, const std::string& actual) {
  fs::path golden = fs::path(SRP_REPORT_GOLDEN_DIR) / name;
  if (std::getenv("SRP_UPDATE_GOLDEN") != nullptr) testing::WriteText(golden, actual);
  EXPECT_EQ(actual, ReadText(golden))
      << "golden " << golden << " differs; rerun with SRP_UPDATE_GOLDEN=1 to update";
}

ReportOptions FixtureOptions(const fs::path& out) {
  ReportOptions options;
  options.input_dirs = {FixtureDir("sweep-a").string(), FixtureDir("sweep-b").string()};
  options.out_dir = out.string();
  return options;
}

// Copies one fixture run into <dir>/runs, optionally as a different repeat.
void CopyRun(const std::string& fixture, const fs::path& dir, const std::string& name) {
  fs::create_directories(dir / "runs");
  fs::copy_file(FixtureDir(fixture), dir / "runs" / name, fs::copy_options::overwrite_existing);
}

TEST(Report, GoldenMarkdownFromMergedSweeps) {
  testing::TempDir tmp;
  Result<ReportSummary> summary = RenderReport(FixtureOptions(tmp.path() / "out"));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->markdown_path, (tmp.path() / "out" / "report.md").string());
  ExpectGolden("fixtures-report.md", ReadText(summary->markdown_path));
}

TEST(Report, SummaryCountsAndBestLines) {
  testing::TempDir tmp;
  Result<ReportSummary> summary = RenderReport(FixtureOptions(tmp.path()));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->run_files, 11);
  EXPECT_EQ(summary->configurations, 4);
  EXPECT_EQ(summary->failed_runs, 1);
  EXPECT_EQ(summary->max_repeats, 3);
  EXPECT_EQ(summary->baseline, "thread=0,bs=4k,iodepth=1,rw=randread");
  ASSERT_EQ(summary->best_lines.size(), 4u);
  EXPECT_THAT(summary->best_lines[0],
              HasSubstr("read_iops: thread=1,iodepth=32, 12.2% higher than the runner-up "
                        "thread=0,iodepth=32; spreads overlap"));
  EXPECT_THAT(summary->best_lines[0], HasSubstr("not significant (3 vs 3 repeats)"));
  EXPECT_THAT(summary->best_lines[1], HasSubstr("write_iops: no data"));
  EXPECT_THAT(summary->best_lines[3], HasSubstr("clat_p99_ns: thread=0,iodepth=1"));
  EXPECT_THAT(summary->best_lines[3], HasSubstr("smallest possible"));
  EXPECT_TRUE(fs::is_regular_file(summary->html_path));
}

TEST(Report, OutputIsDeterministic) {
  testing::TempDir tmp;
  ASSERT_TRUE(RenderReport(FixtureOptions(tmp.path() / "1")).ok());
  ASSERT_TRUE(RenderReport(FixtureOptions(tmp.path() / "2")).ok());
  EXPECT_EQ(ReadText(tmp.path() / "1/report.html"), ReadText(tmp.path() / "2/report.html"));
  EXPECT_EQ(ReadText(tmp.path() / "1/report.md"), ReadText(tmp.path() / "2/report.md"));
}

TEST(Report, BaselineByConfigIdWithOrWithoutRepeat) {
  testing::TempDir tmp;
  ReportOptions options = FixtureOptions(tmp.path());
  options.baseline = "thread=1,bs=4k,iodepth=32,rw=randread,rep=2";
  Result<ReportSummary> summary = RenderReport(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->baseline, "thread=1,bs=4k,iodepth=32,rw=randread");
  std::string md = ReadText(summary->markdown_path);
  EXPECT_THAT(md, HasSubstr("- Baseline: `thread=1,iodepth=32`"));
  EXPECT_THAT(md, HasSubstr("| thread=1,iodepth=32 (baseline) **best** | 3 | 215378 |"));

  options.baseline = "thread=0,bs=4k,iodepth=32,rw=randread";
  summary = RenderReport(options);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->baseline, "thread=0,bs=4k,iodepth=32,rw=randread");
}

TEST(Report, UnknownBaselineListsTheChoices) {
  testing::TempDir tmp;
  ReportOptions options = FixtureOptions(tmp.path());
  options.baseline = "thread=7";
  Result<ReportSummary> summary = RenderReport(options);
  ASSERT_FALSE(summary.ok());
  EXPECT_THAT(summary.status().message(), HasSubstr("baseline \"thread=7\" matches no"));
  EXPECT_THAT(summary.status().message(), HasSubstr("thread=1,bs=4k,iodepth=32,rw=randread"));
}

TEST(Report, MetricsOption) {
  testing::TempDir tmp;
  ReportOptions options = FixtureOptions(tmp.path());
  options.metrics = {"clat_p50_ns", "clat_mean_ns"};
  Result<ReportSummary> summary = RenderReport(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_EQ(summary->best_lines.size(), 2u);
  EXPECT_THAT(summary->best_lines[0], HasSubstr("clat_p50_ns: thread=0,iodepth=1"));
  EXPECT_THAT(ReadText(summary->markdown_path),
              HasSubstr("### Completion latency mean (us, lower is better)"));

  options.metrics = {"read_iops", "iops"};
  summary = RenderReport(options);
  ASSERT_FALSE(summary.ok());
  EXPECT_THAT(summary.status().message(), HasSubstr("unknown metric \"iops\" (known: read_iops"));
}

TEST(Report, OneRepeatIsStatedClearly) {
  testing::TempDir tmp;
  CopyRun("sweep-a/runs/thread=0,bs=4k,iodepth=1,rw=randread,rep=1.json", tmp.path() / "in",
          "a.json");
  CopyRun("sweep-a/runs/thread=1,bs=4k,iodepth=1,rw=randread,rep=1.json", tmp.path() / "in",
          "b.json");
  ReportOptions options{{(tmp.path() / "in").string()}, (tmp.path() / "out").string(), "", {}};
  Result<ReportSummary> summary = RenderReport(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->max_repeats, 1);
  std::string md = ReadText(summary->markdown_path);
  EXPECT_THAT(md, HasSubstr("- Repeats per configuration: 1 (only one repeat per configuration"));
  EXPECT_THAT(md, HasSubstr("only one repeat of each, so there is no spread"));
  EXPECT_THAT(md, HasSubstr("- Common settings: engine=srp, rw=randread, bs=4k, iodepth=1"));
}

TEST(Report, OnlyFailedRunsStillRenders) {
  testing::TempDir tmp;
  CopyRun("sweep-b/runs/thread=1,bs=4k,iodepth=1,rw=randread,rep=3.json", tmp.path() / "in",
          "x.json");
  ReportOptions options{{(tmp.path() / "in").string()}, (tmp.path() / "out").string(), "", {}};
  Result<ReportSummary> summary = RenderReport(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->configurations, 0);
  EXPECT_EQ(summary->failed_runs, 1);
  std::string md = ReadText(summary->markdown_path);
  EXPECT_THAT(md, HasSubstr("No successful runs: nothing to compare."));
  EXPECT_THAT(md, HasSubstr("| in/runs/x.json | target exited with status 1"));
  EXPECT_EQ(testing::CountOccurrences(ReadText(summary->html_path), "<svg"), 0u);
}

TEST(Report, InputErrors) {
  testing::TempDir tmp;
  ReportOptions options{{}, (tmp.path() / "out").string(), "", {}};
  EXPECT_THAT(RenderReport(options).status().message(), HasSubstr("no input directory"));

  options.input_dirs = {(tmp.path() / "nowhere").string()};
  EXPECT_THAT(RenderReport(options).status().message(), HasSubstr("no runs/ directory"));

  fs::create_directories(tmp.path() / "empty/runs");
  options.input_dirs = {(tmp.path() / "empty").string()};
  EXPECT_THAT(RenderReport(options).status().message(), HasSubstr("no result files"));

  // An invalid file stops the report with its path and the JSON pointer.
  fs::path bad = tmp.path() / "bad/runs/bad.json";
  json doc =
      testing::ReadJson(FixtureDir("sweep-a/runs/thread=0,bs=4k,iodepth=1,rw=randread,rep=1.json"));
  doc["jobs"][0]["read"]["clat_ns"].erase("mean");
  testing::WriteJson(bad, doc);
  options.input_dirs = {FixtureDir("sweep-a").string(), (tmp.path() / "bad").string()};
  Status status = RenderReport(options).status();
  EXPECT_THAT(status.message(), HasSubstr(bad.string()));
  EXPECT_THAT(status.message(), HasSubstr("/jobs/0/read/clat_ns: missing required property"));

  testing::WriteText(bad, "not json");
  EXPECT_THAT(RenderReport(options).status().message(), HasSubstr("not valid JSON"));

  options = FixtureOptions(tmp.path());
  options.out_dir = "";
  EXPECT_THAT(RenderReport(options).status().message(), HasSubstr("no output directory"));
  // The output path exists as a file: creating the directory fails cleanly.
  testing::WriteText(tmp.path() / "file", "x");
  options.out_dir = (tmp.path() / "file").string();
  EXPECT_FALSE(RenderReport(options).ok());
}

}  // namespace
}  // namespace srp::reports
