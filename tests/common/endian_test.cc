#include "lib/common/endian.h"

#include <gtest/gtest.h>

#include <array>

namespace srp {
namespace {

TEST(EndianTest, StoresMostSignificantByteFirst) {
  std::array<std::byte, 14> buf{};
  StoreBe16(buf.data(), 0x0102);
  StoreBe32(buf.data() + 2, 0x03040506);
  StoreBe64(buf.data() + 6, 0x0708090a0b0c0d0eull);
  for (size_t i = 0; i < buf.size(); ++i) EXPECT_EQ(static_cast<int>(buf[i]), static_cast<int>(i + 1));
}

TEST(EndianTest, LoadsWhatWasStoredAtUnalignedOffsets) {
  std::array<std::byte, 32> buf{};
  std::span<std::byte> s(buf);
  StoreBe64(s, 3, 0xfedcba9876543210ull);
  StoreBe32(s, 13, 0x80000001u);
  StoreBe16(s, 19, 0xffee);
  std::span<const std::byte> cs(buf);
  EXPECT_EQ(LoadBe64(cs, 3), 0xfedcba9876543210ull);
  EXPECT_EQ(LoadBe32(cs, 13), 0x80000001u);
  EXPECT_EQ(LoadBe16(cs, 19), 0xffee);
  EXPECT_EQ(static_cast<int>(buf[3]), 0xfe);
  EXPECT_EQ(static_cast<int>(buf[10]), 0x10);
  EXPECT_EQ(LoadU8(buf.data() + 13), 0x80);
}

}  // namespace
}  // namespace srp
