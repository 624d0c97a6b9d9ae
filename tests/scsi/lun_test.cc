#include "lib/scsi/lun.h"

#include <gtest/gtest.h>

namespace srp::scsi {
namespace {

LunBytes L(std::initializer_list<int> bytes) {
  LunBytes out{};
  size_t i = 0;
  for (int b : bytes) out[i++] = static_cast<std::byte>(b);
  return out;
}

TEST(LunTest, PackMatchesScstExamples) {
  EXPECT_EQ(PackLun(0), L({0x00, 0x00}));
  EXPECT_EQ(PackLun(5), L({0x00, 0x05}));
  EXPECT_EQ(PackLun(255), L({0x00, 0xFF}));
  EXPECT_EQ(PackLun(256), L({0x41, 0x00}));
  EXPECT_EQ(PackLun(300), L({0x41, 0x2C}));
  EXPECT_EQ(PackLun(kMaxPackedLun), L({0x7F, 0xFF}));
}

TEST(LunTest, UnpackRoundTripsEveryPackedLun) {
  for (uint32_t lun = 0; lun <= kMaxPackedLun; ++lun) {
    ASSERT_EQ(UnpackLun(PackLun(lun)), lun);
  }
}

TEST(LunTest, UnpackRejectsWhatWeDoNotAddress) {
  EXPECT_FALSE(UnpackLun(L({0x01, 0x05})).has_value());              // peripheral, bus 1
  EXPECT_FALSE(UnpackLun(L({0x80, 0x05})).has_value());              // logical unit addressing
  EXPECT_FALSE(UnpackLun(L({0xC0, 0x05})).has_value());              // extended addressing
  EXPECT_FALSE(UnpackLun(L({0x00, 0x05, 0x00, 0x01})).has_value());  // second level
  const LunBytes ok = PackLun(3);
  EXPECT_FALSE(UnpackLun(std::span<const std::byte>(ok).first(7)).has_value());
}

TEST(LunTest, LinuxIntConversionKeepsAddressMethodBits) {
  // int_to_scsilun(0x412c) == 41 2c 00..: the flat LUN 300 as Linux numbers it.
  EXPECT_EQ(IntToScsiLun(0x412C), L({0x41, 0x2C}));
  EXPECT_EQ(ScsiLunToInt(L({0x41, 0x2C})), 0x412Cu);
  EXPECT_EQ(IntToScsiLun(5), PackLun(5));
  EXPECT_EQ(ScsiLunToInt(PackLun(5)), 5u);
  // Four levels: level 0 in the low 16 bits.
  const LunBytes multi = L({0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04});
  EXPECT_EQ(ScsiLunToInt(multi), 0x0004000300020001ull);
  EXPECT_EQ(IntToScsiLun(0x0004000300020001ull), multi);
}

}  // namespace
}  // namespace srp::scsi
