#include <gtest/gtest.h>

#include <vector>

#include "initiator_tools/srp_io/io_util.h"

namespace srp::srp_io {
namespace {

TEST(ParseSize, Suffixes) {
  EXPECT_EQ(*ParseSize("512"), 512u);
  EXPECT_EQ(*ParseSize("4k"), 4096u);
  EXPECT_EQ(*ParseSize("4KiB"), 4096u);
  EXPECT_EQ(*ParseSize("1M"), 1u << 20);
  EXPECT_EQ(*ParseSize("2g"), 2ull << 30);
  EXPECT_FALSE(ParseSize("").ok());
  EXPECT_FALSE(ParseSize("k").ok());
  EXPECT_FALSE(ParseSize("4x").ok());
  EXPECT_FALSE(ParseSize("-1").ok());
  EXPECT_FALSE(ParseSize("99999999999T").ok());
}

TEST(Pattern, DependsOnlyOnSeedAndOffset) {
  std::vector<std::byte> whole(10000), a(3333), b(10000 - 3333);
  FillPattern(7, 100, whole);
  FillPattern(7, 100, a);
  FillPattern(7, 100 + 3333, b);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), whole.begin()));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), whole.begin() + 3333));
  EXPECT_FALSE(FindPatternMismatch(7, 100, whole).has_value());
  whole[4321] ^= std::byte{1};
  EXPECT_EQ(FindPatternMismatch(7, 100, whole), 4321u);
  std::vector<std::byte> other(64);
  FillPattern(8, 100, other);
  EXPECT_TRUE(FindPatternMismatch(7, 100, other).has_value());
}

TEST(HexDump, Layout) {
  std::vector<std::byte> d = {std::byte{'A'}, std::byte{0}, std::byte{0xff}};
  EXPECT_EQ(HexDumpLines(d, 0x10), "00000010  41 00 ff" + std::string(13 * 3, ' ') + "  |A..|\n");
}

}  // namespace
}  // namespace srp::srp_io
