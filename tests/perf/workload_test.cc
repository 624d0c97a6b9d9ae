#include "perf/engine/workload.h"

#include <gtest/gtest.h>

#include <set>

namespace srp::perf {
namespace {

TEST(ParseSizeTest, SuffixesArePowersOf1024) {
  EXPECT_EQ(*ParseSize("512"), 512u);
  EXPECT_EQ(*ParseSize("4k"), 4096u);
  EXPECT_EQ(*ParseSize("4K"), 4096u);
  EXPECT_EQ(*ParseSize("64KiB"), 65536u);
  EXPECT_EQ(*ParseSize("1m"), 1u << 20);
  EXPECT_EQ(*ParseSize("2g"), 2ull << 30);
  EXPECT_EQ(*ParseSize("1tb"), 1ull << 40);
  EXPECT_EQ(*ParseSize("0", true), 0u);
}

TEST(ParseSizeTest, RejectsJunkWithTheValueInTheMessage) {
  for (const char* bad : {"", "k", "4x", "1.5k", "-4k", "4kk", "99999999999999999999"}) {
    Result<uint64_t> r = ParseSize(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(ParseSize("4x").status().message().find("'4x'"), std::string::npos);
  EXPECT_FALSE(ParseSize("0").ok());
  EXPECT_FALSE(ParseSize("17179869184t").ok());  // overflows 64 bits
}

TEST(FormatSizeTest, ShortestExactForm) {
  EXPECT_EQ(FormatSize(4096), "4k");
  EXPECT_EQ(FormatSize(1 << 20), "1m");
  EXPECT_EQ(FormatSize(1536), "1536");
  EXPECT_EQ(FormatSize(6144), "6k");
}

TEST(ParseRwModeTest, FioNames) {
  EXPECT_EQ(*ParseRwMode("randread"), RwMode::kRandRead);
  EXPECT_EQ(*ParseRwMode("readwrite"), RwMode::kReadWrite);
  EXPECT_STREQ(RwModeName(*ParseRwMode("rw")), "rw");
  EXPECT_STREQ(RwModeName(*ParseRwMode("randrw")), "randrw");
  Result<RwMode> bad = ParseRwMode("randomread");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("randomread"), std::string::npos);
}

TEST(ParseSecondsTest, Suffixes) {
  EXPECT_DOUBLE_EQ(*ParseSeconds("2"), 2.0);
  EXPECT_DOUBLE_EQ(*ParseSeconds("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*ParseSeconds("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseSeconds("1m"), 60.0);
  EXPECT_FALSE(ParseSeconds("-1").ok());
  EXPECT_FALSE(ParseSeconds("2days").ok());
  EXPECT_FALSE(ParseSeconds("nan").ok());
}

TEST(WorkloadTest, ValidateNamesTheField) {
  Workload w;
  EXPECT_TRUE(w.Validate().ok());
  w.bs = 1000;
  EXPECT_NE(w.Validate().message().find("bs"), std::string::npos);
  w = Workload();
  w.iodepth = 0;
  EXPECT_NE(w.Validate().message().find("iodepth"), std::string::npos);
  w = Workload();
  w.rwmixread = 101;
  EXPECT_NE(w.Validate().message().find("rwmixread"), std::string::npos);
  w = Workload();
  w.size = 512;
  EXPECT_NE(w.Validate().message().find("size"), std::string::npos);
}

TEST(OffsetGeneratorTest, SequentialWrapsAround) {
  Workload w;
  w.rw = RwMode::kRead;
  w.bs = 4096;
  OffsetGenerator gen(w, 3 * 4096, 1);
  std::vector<uint64_t> offsets;
  for (int i = 0; i < 5; ++i) {
    OffsetGenerator::Next n = gen.Get();
    EXPECT_FALSE(n.write);
    offsets.push_back(n.offset);
  }
  EXPECT_EQ(offsets, (std::vector<uint64_t>{0, 4096, 8192, 0, 4096}));
}

TEST(OffsetGeneratorTest, RandomStaysAlignedInsideTheRegion) {
  Workload w;
  w.rw = RwMode::kRandWrite;
  w.bs = 8192;
  OffsetGenerator gen(w, 1 << 20, 7);
  std::set<uint64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    OffsetGenerator::Next n = gen.Get();
    EXPECT_TRUE(n.write);
    EXPECT_EQ(n.offset % 8192, 0u);
    EXPECT_LT(n.offset, 1u << 20);
    seen.insert(n.offset);
  }
  EXPECT_GT(seen.size(), 100u);  // all 128 blocks, practically
}

TEST(OffsetGeneratorTest, MixFollowsRwmixread) {
  Workload w;
  w.rw = RwMode::kRandRw;
  w.rwmixread = 70;
  OffsetGenerator gen(w, 1 << 20, 3);
  int reads = 0;
  for (int i = 0; i < 10000; ++i) reads += gen.Get().write ? 0 : 1;
  EXPECT_NEAR(reads, 7000, 300);
}

}  // namespace
}  // namespace srp::perf
