// The engines against real I/O: srp against our srp-target as a child on a soft
// subnet, libaio on a file (and a loop device as root), fio when installed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "perf/engine/fio_engine.h"
#include "perf/engine/job_runner.h"
#include "perf/engine/libaio_engine.h"
#include "perf/engine/srp_engine.h"
#include "perf/harness/target_process.h"
#include "tests/perf/perf_test_util.h"

namespace srp::perf {
namespace {

void ExpectSaneStats(const IoStats& s) {
  EXPECT_GT(s.total_ios, 0u);
  EXPECT_GT(s.iops, 0.0);
  EXPECT_GT(s.bw_bytes, 0u);
  EXPECT_GT(s.runtime_ms, 0u);
  EXPECT_GT(s.clat.min, 0u);
  EXPECT_LE(s.clat.min, s.clat.max);
  EXPECT_GE(s.lat.mean, s.clat.mean);  // lat includes the submission
  ASSERT_EQ(s.clat.percentile.size(), 9u);
  uint64_t previous = 0;
  for (double p : ReportedPercentiles()) {
    const uint64_t value = s.clat.percentile.at(PercentileKey(p));
    EXPECT_GE(value, previous) << p;
    previous = value;
  }
}

// Drives one I/O through an engine by hand (Queue, Commit, GetEvents).
Status OneIo(IoEngine& engine, uint32_t slot, uint64_t offset, uint32_t length, bool write) {
  SRP_RETURN_IF_ERROR(engine.Queue({slot, offset, length, write}));
  SRP_RETURN_IF_ERROR(engine.Commit());
  std::vector<IoCompletion> events;
  for (int i = 0; i < 50 && events.empty(); ++i) {
    SRP_RETURN_IF_ERROR(engine.GetEvents(1, std::chrono::milliseconds(100), &events));
  }
  if (events.size() != 1) return Internal("expected one completion");
  if (events[0].slot != slot) return Internal("wrong slot");
  if (events[0].transferred != length) return Internal("short transfer");
  return events[0].status;
}

class SrpEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (testing::BinDir().empty()) return;
    TargetProcessOptions o;
    o.binary = testing::BinDir() + "/srp-target";
    o.poll_mode = "event";
    target_ = new TargetProcess(o);
    Status s = target_->Start();
    if (!s.ok()) {
      start_error_ = new std::string(s.ToString());
      delete target_;
      target_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete target_;
    target_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  void SetUp() override {
    if (testing::BinDir().empty()) GTEST_SKIP() << "SRP_TEST_BIN_DIR is not set";
    ASSERT_NE(target_, nullptr) << (start_error_ ? *start_error_ : "");
  }
  static SrpEngineOptions Options(uint32_t lun) {
    SrpEngineOptions o;
    o.target = target_->target_string();
    o.lun = lun;
    o.fabric.kind = fabric::FabricKind::kSoft;
    o.fabric.soft.subnet_dir = target_->subnet_dir();
    o.busy_poll = false;
    return o;
  }
  static TargetProcess* target_;
  static std::string* start_error_;
};
TargetProcess* SrpEngineTest::target_ = nullptr;
std::string* SrpEngineTest::start_error_ = nullptr;

TEST_F(SrpEngineTest, RandomReadsAtTwoDepths) {
  for (uint32_t depth : {1u, 8u}) {
    Workload w;
    w.rw = RwMode::kRandRead;
    w.iodepth = depth;
    w.runtime_s = 0.3;
    std::unique_ptr<IoEngine> engine = MakeSrpEngine(Options(0));
    Result<JobResult> r = RunJob(*engine, w, 0);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ExpectSaneStats(r->read);
    EXPECT_EQ(r->write.total_ios, 0u);
    EXPECT_EQ(r->read.io_bytes, r->read.total_ios * 4096);
  }
}

TEST_F(SrpEngineTest, DataMovesBothWays) {
  std::unique_ptr<IoEngine> engine = MakeSrpEngine(Options(1));  // the memory LUN
  EngineParams p;
  p.iodepth = 2;
  p.bs = 8192;
  Result<uint64_t> capacity = engine->Setup(p);
  ASSERT_TRUE(capacity.ok()) << capacity.status().ToString();
  EXPECT_EQ(*capacity, 64u << 20);
  std::span<std::byte> out = engine->Buffer(0);
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i * 7 + 3);
  ASSERT_TRUE(OneIo(*engine, 0, 40960, 8192, true).ok());
  std::span<std::byte> in = engine->Buffer(1);
  std::memset(in.data(), 0, in.size());
  ASSERT_TRUE(OneIo(*engine, 1, 40960, 8192, false).ok());
  EXPECT_EQ(std::memcmp(in.data(), out.data(), 8192), 0);
  engine->Cleanup();
}

TEST_F(SrpEngineTest, MixedWorkloadWithTwoJobs) {
  Workload w;
  w.rw = RwMode::kRandRw;
  w.rwmixread = 50;
  w.iodepth = 4;
  w.numjobs = 2;
  w.runtime_s = 0.3;
  w.size = 1 << 20;
  SrpEngineOptions o = Options(1);
  Result<std::vector<JobResult>> jobs =
      RunJobs(w, [&](int) -> Result<std::unique_ptr<IoEngine>> { return MakeSrpEngine(o); });
  ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[1].jobname, "job1");
  for (const JobResult& j : *jobs) {
    EXPECT_GT(j.read.total_ios, 0u);
    EXPECT_GT(j.write.total_ios, 0u);
  }
}

TEST_F(SrpEngineTest, BadTargetAndLunFailClearly) {
  Workload w;
  w.runtime_s = 0.1;
  SrpEngineOptions o = Options(5);  // no LUN 5
  std::unique_ptr<IoEngine> engine = MakeSrpEngine(o);
  Result<JobResult> r = RunJob(*engine, w, 0);
  EXPECT_FALSE(r.ok());
  o = Options(0);
  o.target = "id_ext=zz";
  engine = MakeSrpEngine(o);
  r = RunJob(*engine, w, 0);
  ASSERT_FALSE(r.ok());
}

TEST(LibaioEngineTest, WritesThenReadsAFile) {
  testing::TempDir dir;
  const std::string file = dir.path() + "/data.img";
  LibaioEngineOptions o;
  o.filename = file;
  Workload w;
  w.rw = RwMode::kRandWrite;
  w.iodepth = 4;
  w.runtime_s = 0.2;
  w.size = 1 << 20;
  std::unique_ptr<IoEngine> engine = MakeLibaioEngine(o);
  Result<JobResult> r = RunJob(*engine, w, 0);
  if (!r.ok() && r.status().message().find("O_DIRECT") != std::string::npos) {
    GTEST_SKIP() << r.status().ToString();
  }
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectSaneStats(r->write);
  EXPECT_EQ(std::filesystem::file_size(file), 1u << 20);  // laid out to --size

  // Data check: one write by hand, read back with pread.
  engine = MakeLibaioEngine(o);
  EngineParams p;
  p.iodepth = 1;
  p.bs = 4096;
  ASSERT_TRUE(engine->Setup(p).ok());
  std::span<std::byte> buf = engine->Buffer(0);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::byte>(i ^ 0x5a);
  ASSERT_TRUE(OneIo(*engine, 0, 8192, 4096, true).ok());
  std::vector<std::byte> expect(buf.begin(), buf.end());
  engine->Cleanup();
  const int fd = ::open(file.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  std::vector<std::byte> back(4096);
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 8192), 4096);
  ::close(fd);
  EXPECT_EQ(back, expect);
}

TEST(LibaioEngineTest, MissingDirectoryAndEmptyNameAreErrors) {
  LibaioEngineOptions o;
  o.filename = "/nonexistent-dir/x.img";
  EngineParams p;
  Result<uint64_t> r = MakeLibaioEngine(o)->Setup(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent-dir/x.img"), std::string::npos);
  o.filename = "/dev/srp-perf-no-such-device";
  EXPECT_FALSE(MakeLibaioEngine(o)->Setup(p).ok());
  EXPECT_FALSE(std::filesystem::exists(o.filename));
  o.filename = "";
  EXPECT_FALSE(MakeLibaioEngine(o)->Setup(p).ok());
}

TEST(FioEngineTest, JobFileCarriesTheWorkload) {
  Workload w;
  w.rw = RwMode::kRandRw;
  w.bs = 65536;
  w.iodepth = 16;
  w.numjobs = 2;
  w.runtime_s = 1.5;
  w.rwmixread = 70;
  w.size = 1 << 20;
  FioOptions o;
  o.filename = "/dev/loop0";
  EXPECT_EQ(FioJobFile(w, o),
            "[global]\nioengine=libaio\ndirect=1\nfilename=/dev/loop0\nrw=randrw\nbs=65536\n"
            "iodepth=16\nnumjobs=2\ntime_based=1\nruntime=1500ms\nsize=1048576\n"
            "rwmixread=70\nrandrepeat=1\n\n[job]\n");
}

TEST(FioEngineTest, ParsesFioJsonAndRejectsGarbage) {
  const std::string text = R"(fio: some warning
{"fio version": "fio-3.33", "jobs": [{"jobname": "job", "error": 0,
  "read": {"io_bytes": 4096000, "io_kbytes": 4000, "bw_bytes": 2048000, "bw": 2000,
           "iops": 500.5, "runtime": 2000, "total_ios": 1000,
           "clat_ns": {"min": 10, "max": 90, "mean": 50.5, "stddev": 3.5, "N": 1000,
                       "percentile": {"1.000000": 11, "50.000000": 50, "99.000000": 88,
                                      "99.500000": 89}},
           "lat_ns": {"min": 12, "max": 95, "mean": 55.0, "stddev": 4.0, "N": 1000}},
  "write": {"io_bytes": 0, "total_ios": 0, "iops": 0.0, "runtime": 0,
            "clat_ns": {"min": 0, "max": 0, "mean": 0.0, "stddev": 0.0, "N": 0}}}]})";
  Result<std::vector<JobResult>> jobs = ParseFioOutput(text);
  ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
  ASSERT_EQ(jobs->size(), 1u);
  const IoStats& r = (*jobs)[0].read;
  EXPECT_EQ(r.total_ios, 1000u);
  EXPECT_DOUBLE_EQ(r.iops, 500.5);
  EXPECT_EQ(r.clat.percentile.at("99.000000"), 88u);
  EXPECT_EQ(r.clat.percentile.count("99.500000"), 0u);  // only the reported set
  EXPECT_EQ(r.lat.max, 95u);
  EXPECT_TRUE((*jobs)[0].write.clat.percentile.empty());
  EXPECT_FALSE(ParseFioOutput("no json here").ok());
  EXPECT_FALSE(ParseFioOutput("{\"jobs\": []}").ok());
  EXPECT_FALSE(ParseFioOutput("{\"jobs\": [{\"error\": 5}]}").ok());
  EXPECT_FALSE(ParseFioOutput("{truncated").ok());
}

TEST(FioEngineTest, RunsInstalledFio) {
  if (!FioAvailable()) GTEST_SKIP() << "fio is not installed";
  testing::TempDir dir;
  Workload w;
  w.rw = RwMode::kRandWrite;
  w.iodepth = 4;
  w.runtime_s = 1;
  w.size = 1 << 20;
  FioOptions o;
  o.filename = dir.path() + "/fio.img";
  Result<std::vector<JobResult>> jobs = RunFio(w, o, dir.path());
  ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_GT((*jobs)[0].write.total_ios, 0u);
  EXPECT_GT((*jobs)[0].write.iops, 0.0);
  EXPECT_EQ((*jobs)[0].write.clat.percentile.size(), 9u);
  o.ioengine = "nosuchengine";
  Result<std::vector<JobResult>> bad = RunFio(w, o, dir.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("fio failed"), std::string::npos);
  EXPECT_NE(bad.status().message().find("nosuchengine"), std::string::npos)
      << bad.status().ToString();
}

}  // namespace
}  // namespace srp::perf
