#include "perf/harness/sweep_plan.h"

#include <gtest/gtest.h>

namespace srp::perf {
namespace {

std::vector<std::string> Values(std::string_view axis, std::string_view list) {
  Result<std::vector<std::string>> r = ParseAxisValues(axis, list);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<std::string>{};
}

std::string Error(std::string_view axis, std::string_view list) {
  Result<std::vector<std::string>> r = ParseAxisValues(axis, list);
  return r.ok() ? "<ok>" : r.status().message();
}

TEST(SweepPlanTest, AxisValuesAreCanonical) {
  EXPECT_EQ(Values("bs", "4096,64k,1M"), (std::vector<std::string>{"4k", "64k", "1m"}));
  EXPECT_EQ(Values("rw", "randread,readwrite"), (std::vector<std::string>{"randread", "rw"}));
  EXPECT_EQ(Values("cpus", "0x3;4,5"), (std::vector<std::string>{"0-1", "4-5"}));
  EXPECT_EQ(Values("irq_affinity", "mlx5_comp*:0,1,2;mlx5_async*:0x8"),
            (std::vector<std::string>{"mlx5_comp*:0-2", "mlx5_async*:3"}));
  EXPECT_EQ(Values("thread", "0,1"), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(Values("scheduler", "none,mq-deadline"),
            (std::vector<std::string>{"none", "mq-deadline"}));
}

TEST(SweepPlanTest, BadValuesGiveClearErrors) {
  EXPECT_NE(Error("thread", "0,2").find("'2'"), std::string::npos);
  EXPECT_NE(Error("rq_affinity", "3").find("0..2"), std::string::npos);
  EXPECT_NE(Error("iodepth", "0").find("1..1024"), std::string::npos);
  EXPECT_NE(Error("iodepth", "x").find("'x'"), std::string::npos);
  EXPECT_NE(Error("bs", "1000").find("multiple of 512"), std::string::npos);
  EXPECT_NE(Error("bs", "4q").find("--bs"), std::string::npos);
  EXPECT_NE(Error("rw", "sideways").find("sideways"), std::string::npos);
  EXPECT_NE(Error("irq_affinity", "mlx5_comp*").find("PATTERN:CPUS"), std::string::npos);
  EXPECT_NE(Error("cpus", "3-1").find("--cpus"), std::string::npos);
  EXPECT_NE(Error("scheduler", "none;rm -rf").find("not a scheduler name"), std::string::npos);
  EXPECT_NE(Error("bs", "4k,4096").find("twice"), std::string::npos);
  EXPECT_NE(Error("bs", "4k,").find("empty"), std::string::npos);
}

TEST(SweepPlanTest, CartesianProductInAxisOrderWithRepeats) {
  SweepSpec spec;
  spec.axes["rw"] = {"randread"};
  spec.axes["iodepth"] = {"1", "32"};
  spec.axes["thread"] = {"0", "1"};
  spec.axes["bs"] = {"4k"};
  spec.repeat = 2;
  Result<std::vector<Configuration>> configs = ExpandSweep(spec);
  ASSERT_TRUE(configs.ok()) << configs.status().ToString();
  std::vector<std::string> ids;
  for (const Configuration& c : *configs) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "thread=0,bs=4k,iodepth=1,rw=randread,rep=1",
                     "thread=0,bs=4k,iodepth=1,rw=randread,rep=2",
                     "thread=0,bs=4k,iodepth=32,rw=randread,rep=1",
                     "thread=0,bs=4k,iodepth=32,rw=randread,rep=2",
                     "thread=1,bs=4k,iodepth=1,rw=randread,rep=1",
                     "thread=1,bs=4k,iodepth=1,rw=randread,rep=2",
                     "thread=1,bs=4k,iodepth=32,rw=randread,rep=1",
                     "thread=1,bs=4k,iodepth=32,rw=randread,rep=2",
                 }));
  EXPECT_EQ((*configs)[2].workload.iodepth, 32u);
  EXPECT_EQ((*configs)[2].workload.bs, 4096u);
  EXPECT_EQ((*configs)[2].Get("thread"), "0");
  EXPECT_FALSE((*configs)[2].Get("cpus").has_value());
}

TEST(SweepPlanTest, NoAxesIsOneConfiguration) {
  SweepSpec spec;
  Result<std::vector<Configuration>> configs = ExpandSweep(spec);
  ASSERT_TRUE(configs.ok());
  ASSERT_EQ(configs->size(), 1u);
  EXPECT_EQ((*configs)[0].id, "rep=1");
}

TEST(SweepPlanTest, RejectsBadRepeatAndHugeSweeps) {
  SweepSpec spec;
  spec.repeat = 0;
  EXPECT_FALSE(ExpandSweep(spec).ok());
  spec.repeat = 1;
  std::vector<std::string> many;
  for (int i = 1; i <= 1000; ++i) many.push_back(std::to_string(i));
  spec.axes["iodepth"] = many;
  spec.axes["bs"] = {"4k", "8k", "16k", "32k", "64k", "128k", "256k", "512k", "1m", "2m", "4m"};
  Result<std::vector<Configuration>> r = ExpandSweep(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("10000"), std::string::npos);
}

TEST(SweepPlanTest, FileNamesAreSafe) {
  EXPECT_EQ(ConfigFileName("thread=0,bs=4k,rep=1"), "thread=0,bs=4k,rep=1.json");
  EXPECT_EQ(ConfigFileName("irq_affinity=mlx5_comp*:0-3,rep=1"),
            "irq_affinity=mlx5_comp__0-3,rep=1.json");
  EXPECT_EQ(ConfigFileName("a/../b"), "a_.._b.json");
}

TEST(SweepPlanTest, ConfigurationJsonHasNumbersForNumericAxes) {
  SweepSpec spec;
  spec.engine = "srp";
  spec.axes["thread"] = {"1"};
  spec.axes["iodepth"] = {"32"};
  spec.axes["scheduler"] = {"none"};
  spec.base.runtime_s = 1.5;
  Result<std::vector<Configuration>> configs = ExpandSweep(spec);
  ASSERT_TRUE(configs.ok());
  nlohmann::ordered_json j = ConfigurationToJson(spec, (*configs)[0]);
  EXPECT_EQ(j["engine"], "srp");
  EXPECT_EQ(j["thread"], 1);
  EXPECT_EQ(j["iodepth"], 32);
  EXPECT_EQ(j["scheduler"], "none");
  EXPECT_EQ(j["bs"], "4k");
  EXPECT_EQ(j["rw"], "randread");
  EXPECT_EQ(j["runtime"], 1.5);
  EXPECT_EQ(j["repeat"], 1);
  EXPECT_FALSE(j.contains("rwmixread"));  // only for mixed workloads
  EXPECT_FALSE(j.contains("size"));
  nlohmann::ordered_json axes = AxesToJson(spec);
  EXPECT_EQ(axes.dump(), R"({"thread":[1],"scheduler":["none"],"iodepth":[32]})");
}

}  // namespace
}  // namespace srp::perf
