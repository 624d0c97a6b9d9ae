#include "tuning/cpu_list.h"

#include <gtest/gtest.h>

namespace srp::tuning {
namespace {

TEST(CpuListTest, ParsesListsAndRanges) {
  Result<CpuSet> cpus = ParseCpuList("0-3,8");
  ASSERT_TRUE(cpus.ok());
  EXPECT_EQ(*cpus, (CpuSet{0, 1, 2, 3, 8}));
  EXPECT_EQ(*ParseCpuList("0,2-3\n"), (CpuSet{0, 2, 3}));
  EXPECT_EQ(*ParseCpuList(""), CpuSet{});
  EXPECT_EQ(*ParseCpuList("5"), CpuSet{5});
}

TEST(CpuListTest, RejectsBadLists) {
  for (const char* bad : {"3-1", "a", "1,", "-1", "0-7:2/4", "1,,2", "1-"}) {
    EXPECT_FALSE(ParseCpuList(bad).ok()) << bad;
  }
}

TEST(CpuListTest, FormatsLikeTheKernel) {
  EXPECT_EQ(FormatCpuList({0, 1, 2, 3, 8}), "0-3,8");
  EXPECT_EQ(FormatCpuList({0, 2, 3}), "0,2-3");
  EXPECT_EQ(FormatCpuList({}), "");
  EXPECT_EQ(FormatCpuList({7}), "7");
}

TEST(CpuListTest, ListRoundTrips) {
  for (const char* text : {"0-3,8", "0,2-3", "1", "0-63", "4-5,32-39,100"}) {
    EXPECT_EQ(FormatCpuList(*ParseCpuList(text)), text);
  }
}

TEST(CpuMaskTest, ParsesMasks) {
  EXPECT_EQ(*ParseCpuMask("f"), (CpuSet{0, 1, 2, 3}));
  EXPECT_EQ(*ParseCpuMask("0x5"), (CpuSet{0, 2}));
  EXPECT_EQ(*ParseCpuMask("00000000,000000ff"), (CpuSet{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(*ParseCpuMask("00000001,00000000"), CpuSet{32});
  EXPECT_EQ(*ParseCpuMask("80000000,00000000,00000001"), (CpuSet{0, 95}));
  EXPECT_FALSE(ParseCpuMask("xyz").ok());
  EXPECT_FALSE(ParseCpuMask("").ok());
}

TEST(CpuMaskTest, FormatsWithKernelWidthAndGroups) {
  EXPECT_EQ(FormatCpuMask({0, 1, 2, 3}, 4), "f");
  EXPECT_EQ(FormatCpuMask({0}, 8), "01");
  EXPECT_EQ(FormatCpuMask({0, 1, 2, 3, 4, 5, 6, 7}, 64), "00000000,000000ff");
  EXPECT_EQ(FormatCpuMask({0, 1, 2, 3, 4, 5, 6, 7}, 40), "00,000000ff");
  EXPECT_EQ(FormatCpuMask({32}, 0), "1,00000000");
  EXPECT_EQ(FormatCpuMask({}, 0), "0");
}

TEST(CpuMaskTest, MaskRoundTripsWiderThan32Cpus) {
  for (const char* text : {"00000000,000000ff", "ffffffff,ffffffff", "00000001,00000000,00000000",
                           "f", "00,0000ff00"}) {
    Result<CpuSet> cpus = ParseCpuMask(text);
    ASSERT_TRUE(cpus.ok()) << text;
    EXPECT_EQ(FormatCpuMask(*cpus, CpuMaskWidth(text)), text);
  }
}

TEST(CpuMaskTest, ListAndMaskAgree) {
  CpuSet cpus = *ParseCpuList("0-3,8,40-47");
  EXPECT_EQ(FormatCpuList(*ParseCpuMask(FormatCpuMask(cpus, 64))), "0-3,8,40-47");
  EXPECT_EQ(FormatCpuMask(cpus, 64), "0000ff00,0000010f");
}

TEST(CpuMaskTest, ListOrMask) {
  EXPECT_EQ(*ParseCpuListOrMask("0x3"), (CpuSet{0, 1}));
  EXPECT_EQ(*ParseCpuListOrMask("3"), CpuSet{3});
}

}  // namespace
}  // namespace srp::tuning
