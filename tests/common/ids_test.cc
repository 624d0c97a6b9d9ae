#include "lib/common/ids.h"

#include <gtest/gtest.h>

namespace srp {
namespace {

TEST(IdsTest, HexFormatsAreLowerCaseAndZeroPadded) {
  EXPECT_EQ(FormatHex64(0x2c903000f1366ull), "0002c903000f1366");
  EXPECT_EQ(FormatHex16(0xffff), "ffff");
  EXPECT_EQ(FormatHex16(0x1), "0001");
  EXPECT_EQ(FormatGuidColon(0x0002c9030005f34bull), "0002:c903:0005:f34b");
}

TEST(IdsTest, GidPartsAndSpellings) {
  Gid gid = Gid::FromParts(0xfe80000000000000ull, 0x0002c903000f1367ull);
  EXPECT_EQ(gid.subnet_prefix(), 0xfe80000000000000ull);
  EXPECT_EQ(gid.interface_id(), 0x0002c903000f1367ull);
  EXPECT_EQ(FormatGidHex(gid), "fe800000000000000002c903000f1367");
  EXPECT_EQ(FormatGidColon(gid), "fe80:0000:0000:0000:0002:c903:000f:1367");
  EXPECT_EQ(gid.raw[0], 0xfe);
  EXPECT_EQ(gid.raw[15], 0x67);
}

TEST(IdsTest, ParseGidAcceptsHexColonAndCompressedForms) {
  Gid want = Gid::FromParts(0xfe80000000000000ull, 0x0002c903000f1367ull);
  for (const char* text :
       {"fe800000000000000002c903000f1367", "0xfe800000000000000002c903000f1367",
        "FE800000000000000002C903000F1367", "fe80:0000:0000:0000:0002:c903:000f:1367",
        "fe80::2:c903:f:1367"}) {
    auto gid = ParseGid(text);
    ASSERT_TRUE(gid.ok()) << text << ": " << gid.status().ToString();
    EXPECT_EQ(*gid, want) << text;
  }
}

TEST(IdsTest, ParseGidRejectsBadInput) {
  for (const char* text : {"", "fe80", "fe800000000000000002c903000f136",  // 31 digits
                           "fe800000000000000002c903000f13670", "ge800000000000000002c903000f1367",
                           "fe80:::1", "192.168.0.1"}) {
    EXPECT_FALSE(ParseGid(text).ok()) << text;
  }
}

TEST(IdsTest, ParseHexU64) {
  EXPECT_EQ(*ParseHexU64("0002c903000f1366"), 0x0002c903000f1366ull);
  EXPECT_EQ(*ParseHexU64("0xFFFF"), 0xffffull);
  EXPECT_EQ(*ParseHexU64("1"), 1ull);
  EXPECT_EQ(*ParseHexU64("ffffffffffffffff"), ~0ull);
  EXPECT_FALSE(ParseHexU64("").ok());
  EXPECT_FALSE(ParseHexU64("0x").ok());
  EXPECT_FALSE(ParseHexU64("1ffffffffffffffff").ok());  // 17 digits
  EXPECT_FALSE(ParseHexU64("12z").ok());
  EXPECT_FALSE(ParseHexU64("-1").ok());
  EXPECT_FALSE(ParseHexU64(" 1").ok());
}

TEST(IdsTest, ParseHexU16) {
  EXPECT_EQ(*ParseHexU16("ffff"), 0xffff);
  EXPECT_EQ(*ParseHexU16("0x8001"), 0x8001);
  EXPECT_FALSE(ParseHexU16("10000").ok());
}

TEST(IdsTest, ParseGuidForms) {
  EXPECT_EQ(*ParseGuid("0002c9030005f34b"), 0x0002c9030005f34bull);
  EXPECT_EQ(*ParseGuid("0x0002c9030005f34b"), 0x0002c9030005f34bull);
  EXPECT_EQ(*ParseGuid("0002:c903:0005:f34b"), 0x0002c9030005f34bull);
  EXPECT_FALSE(ParseGuid("2c9030005f34b").ok());  // GUIDs are spelled with 16 digits
  EXPECT_FALSE(ParseGuid("0002:c903:0005:f34").ok());
}

TEST(IdsTest, HexBytesRoundTrip) {
  std::array<std::byte, 3> bytes{std::byte{0x00}, std::byte{0xab}, std::byte{0x7f}};
  EXPECT_EQ(FormatHexBytes(bytes), "00ab7f");
  EXPECT_EQ(*ParseHexBytes("00ab7f"), std::string("\x00\xab\x7f", 3));
  EXPECT_FALSE(ParseHexBytes("abc").ok());
  EXPECT_FALSE(ParseHexBytes("zz").ok());
}

TEST(IdsTest, HexDumpHasOffsetsAndSixteenBytesPerLine) {
  std::array<std::byte, 18> bytes{};
  bytes[16] = std::byte{0xc1};
  std::string dump = HexDump(bytes);
  EXPECT_EQ(dump,
            "0000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
            "0010: c1 00\n");
}

}  // namespace
}  // namespace srp

namespace srp {
namespace {

TEST(IdsTest, GidWireFormIsNetworkOrder) {
  Gid gid = Gid::FromParts(0xfe80000000000000ull, 0x0002c903000f1367ull);
  std::array<std::byte, 18> buf{};
  StoreGid(buf.data() + 1, gid);
  EXPECT_EQ(static_cast<int>(buf[1]), 0xfe);
  EXPECT_EQ(static_cast<int>(buf[2]), 0x80);
  EXPECT_EQ(static_cast<int>(buf[16]), 0x67);
  EXPECT_EQ(static_cast<int>(buf[17]), 0);
  EXPECT_EQ(LoadGid(buf.data() + 1), gid);
}

}  // namespace
}  // namespace srp
