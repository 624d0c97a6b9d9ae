// The JSON Schema subset validator and the checked-in srp-perf schemas: good
// documents pass, each kind of bad document fails with a message naming the
// JSON pointer of the offending value.
#include "reports/schema_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/perf/report/report_test_util.h"

namespace srp::reports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FixtureDir;
using ::testing::HasSubstr;

const char kGoodRun[] = "sweep-a/runs/thread=1,bs=4k,iodepth=32,rw=randread,rep=1.json";

json GoodRun() { return testing::ReadJson(FixtureDir(kGoodRun)); }

// The message of a failed validation of `doc` against the result schema.
std::string ResultError(const json& doc) {
  Status status = ValidateResultDocument(doc);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  return status.message();
}

TEST(ReportSchema, EmbeddedSchemasMatchCheckedInFiles) {
  fs::path dir(SRP_REPORT_SCHEMA_DIR);
  EXPECT_EQ(ResultSchema(), testing::ReadJson(dir / "srp-perf-result-v1.schema.json"));
  EXPECT_EQ(SummarySchema(), testing::ReadJson(dir / "srp-perf-summary-v1.schema.json"));
  EXPECT_EQ(ResultSchema()["$id"], "srp-perf-result/1");
}

TEST(ReportSchema, EveryFixtureValidates) {
  int files = 0;
  for (const char* sweep : {"sweep-a", "sweep-b"}) {
    for (const auto& entry : fs::directory_iterator(FixtureDir(sweep) / "runs")) {
      Status status = ValidateResultFile(entry.path().string());
      EXPECT_TRUE(status.ok()) << status.ToString();
      ++files;
    }
    Status status = ValidateSummaryFile((FixtureDir(sweep) / "summary.json").string());
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  EXPECT_EQ(files, 11);
}

TEST(ReportSchema, ErrorRunWithoutJobsDataIsValid) {
  json doc = GoodRun();
  doc["jobs"] = json::array();
  doc["error"] = "target did not start";
  EXPECT_TRUE(ValidateResultDocument(doc).ok());
}

TEST(ReportSchema, RejectsWrongSchemaVersion) {
  json doc = GoodRun();
  doc["schema"] = "srp-perf-result/2";
  EXPECT_THAT(ResultError(doc), HasSubstr("/schema: must be \"srp-perf-result/1\""));
}

TEST(ReportSchema, RejectsMissingRequiredProperty) {
  json doc = GoodRun();
  doc["environment"].erase("kernel");
  doc.erase("jobs");
  std::string error = ResultError(doc);
  EXPECT_THAT(error, HasSubstr("/: missing required property \"jobs\""));
  EXPECT_THAT(error, HasSubstr("/environment: missing required property \"kernel\""));
}

TEST(ReportSchema, RejectsWrongTypeDeepInsideARef) {
  json doc = GoodRun();
  doc["jobs"][0]["read"]["iops"] = "fast";
  doc["jobs"][0]["write"]["clat_ns"]["percentile"] = json::array();
  std::string error = ResultError(doc);
  EXPECT_THAT(error, HasSubstr("/jobs/0/read/iops: expected number, got string"));
  EXPECT_THAT(error, HasSubstr("/jobs/0/write/clat_ns/percentile: expected object, got array"));
}

TEST(ReportSchema, IntegerRejectsFractionButAcceptsWholeFloat) {
  json doc = GoodRun();
  doc["configuration"]["iodepth"] = 32.0;
  EXPECT_TRUE(ValidateResultDocument(doc).ok());
  doc["configuration"]["iodepth"] = 1.5;
  EXPECT_THAT(ResultError(doc), HasSubstr("/configuration/iodepth: expected integer, got number"));
}

TEST(ReportSchema, RejectsUnknownProperty) {
  json doc = GoodRun();
  doc["configuration"]["iodepht"] = 4;
  doc["extra"] = true;
  std::string error = ResultError(doc);
  EXPECT_THAT(error, HasSubstr("/configuration/iodepht: unknown property \"iodepht\""));
  EXPECT_THAT(error, HasSubstr("/extra: unknown property \"extra\""));
}

TEST(ReportSchema, RejectsValueOutsideEnum) {
  json doc = GoodRun();
  doc["configuration"]["engine"] = "spdk";
  EXPECT_THAT(ResultError(doc),
              HasSubstr("/configuration/engine: must be one of \"srp\", \"libaio\", \"fio\", "
                        "got \"spdk\""));
}

TEST(ReportSchema, RejectsNumberBelowMinimumAndAboveMaximum) {
  json doc = GoodRun();
  doc["jobs"][0]["read"]["bw_bytes"] = -1;
  doc["configuration"]["rwmixread"] = 101;
  std::string error = ResultError(doc);
  EXPECT_THAT(error, HasSubstr("/jobs/0/read/bw_bytes: must be >= 0, got -1"));
  EXPECT_THAT(error, HasSubstr("/configuration/rwmixread: must be <= 100, got 101"));
}

TEST(ReportSchema, TuningStatusFollowsPattern) {
  json doc = GoodRun();
  doc["tuning"][0]["status"] = "not settable: managed IRQ";
  EXPECT_TRUE(ValidateResultDocument(doc).ok());
  doc["tuning"][0]["status"] = "ok";
  EXPECT_THAT(ResultError(doc), HasSubstr("/tuning/0/status: \"ok\" does not match pattern"));
}

TEST(ReportSchema, RejectsBadArrayItemsAndShortStrings) {
  json doc = GoodRun();
  doc["environment"]["command_line"][1] = 7;
  doc["config_id"] = "";
  std::string error = ResultError(doc);
  EXPECT_THAT(error, HasSubstr("/environment/command_line/1: expected string, got integer"));
  EXPECT_THAT(error, HasSubstr("/config_id: must be at least 1 characters long"));
}

TEST(ReportSchema, SummaryRejectsBadRowsAndEmptyAxes) {
  json doc = testing::ReadJson(FixtureDir("sweep-a") / "summary.json");
  ASSERT_TRUE(ValidateSummaryDocument(doc).ok());
  doc["axes"]["thread"] = json::array();
  doc["runs"][2].erase("file");
  doc["runs"][3]["read_iops"] = "many";
  Status status = ValidateSummaryDocument(doc);
  EXPECT_THAT(status.message(), HasSubstr("/axes/thread: must have at least 1 items, has 0"));
  EXPECT_THAT(status.message(), HasSubstr("/runs/2: missing required property \"file\""));
  EXPECT_THAT(status.message(), HasSubstr("/runs/3/read_iops: expected number or null"));
}

TEST(ReportSchema, PointerTokensAreEscaped) {
  json schema = {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}};
  Status status = ValidateAgainstSchema(json{{"a/b~c", "x"}}, schema);
  EXPECT_THAT(status.message(), HasSubstr("/a~1b~0c: expected integer, got string"));
}

TEST(ReportSchema, ManyErrorsAreCapped) {
  json schema = {{"type", "array"}, {"items", {{"type", "string"}}}};
  json doc = json::array();
  for (int i = 0; i < 25; ++i) doc.push_back(i);
  Status status = ValidateAgainstSchema(doc, schema);
  EXPECT_THAT(status.message(), HasSubstr("/19: expected string"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("/20:")));
  EXPECT_THAT(status.message(), HasSubstr("and 5 more"));
}

TEST(ReportSchema, BadSchemasAreReportedNotIgnored) {
  EXPECT_THAT(ValidateAgainstSchema(1, json{{"oneOf", json::array()}}).message(),
              HasSubstr("invalid schema: unsupported keyword \"oneOf\""));
  EXPECT_THAT(ValidateAgainstSchema(1, json{{"$ref", "#/$defs/missing"}}).message(),
              HasSubstr("points nowhere"));
  EXPECT_THAT(ValidateAgainstSchema(1, json{{"$ref", "https://example.com/s.json"}}).message(),
              HasSubstr("only local"));
  EXPECT_THAT(ValidateAgainstSchema("x", json{{"pattern", "("}}).message(),
              HasSubstr("bad \"pattern\""));
  // A self-referencing schema ends with an error instead of recursing forever.
  json loop = {{"$defs", {{"a", {{"$ref", "#/$defs/a"}}}}}, {"$ref", "#/$defs/a"}};
  EXPECT_THAT(ValidateAgainstSchema(1, loop).message(), HasSubstr("deeper than"));
}

TEST(ReportSchema, FileErrorsNameThePath) {
  testing::TempDir tmp;
  fs::path missing = tmp.path() / "missing.json";
  Status status = ValidateResultFile(missing.string());
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(missing.string()));

  fs::path garbage = tmp.path() / "garbage.json";
  testing::WriteText(garbage, "{\"schema\": ");
  EXPECT_THAT(ValidateResultFile(garbage.string()).message(),
              HasSubstr(garbage.string() + ": not valid JSON"));

  fs::path bad = tmp.path() / "bad.json";
  json doc = GoodRun();
  doc["jobs"][0].erase("read");
  testing::WriteJson(bad, doc);
  EXPECT_THAT(ValidateResultFile(bad.string()).message(),
              HasSubstr(bad.string() + ": /jobs/0: missing required property \"read\""));
}

}  // namespace
}  // namespace srp::reports
