#include "lib/scsi/sense.h"

#include <gtest/gtest.h>

#include <vector>

namespace srp::scsi {
namespace {

int B(std::span<const std::byte> s, size_t i) { return static_cast<int>(s[i]); }

TEST(SenseTest, FixedSenseHasSpcFieldOffsets) {
  const auto s = BuildFixedSense({SenseKey::kIllegalRequest, kAscLbaOutOfRange, std::nullopt});
  ASSERT_EQ(s.size(), 18u);
  EXPECT_EQ(B(s, 0), 0x70);   // current, fixed, VALID=0
  EXPECT_EQ(B(s, 2), 0x05);   // ILLEGAL REQUEST
  EXPECT_EQ(B(s, 7), 10);     // ADDITIONAL SENSE LENGTH
  EXPECT_EQ(B(s, 12), 0x21);  // ASC
  EXPECT_EQ(B(s, 13), 0x00);  // ASCQ
  EXPECT_EQ(B(s, 15), 0x00);  // SKSV clear without a field pointer
  for (size_t i : {1, 3, 4, 5, 6, 8, 9, 10, 11, 14, 16, 17}) EXPECT_EQ(B(s, i), 0) << i;
}

TEST(SenseTest, FieldPointerSetsSksvCdAndBitPointer) {
  const auto s = BuildFixedSense(InvalidFieldInCdb(0x0102, 5));
  EXPECT_EQ(B(s, 2), 0x05);
  EXPECT_EQ(B(s, 12), 0x24);
  EXPECT_EQ(B(s, 15), 0x80 | 0x40 | 0x08 | 5);  // SKSV, C/D=CDB, BPV, bit 5
  EXPECT_EQ(B(s, 16), 0x01);
  EXPECT_EQ(B(s, 17), 0x02);
  const auto no_bit = BuildFixedSense(InvalidFieldInCdb(2));
  EXPECT_EQ(B(no_bit, 15), 0xC0);
  EXPECT_EQ(B(no_bit, 17), 2);
}

TEST(SenseTest, ParseFixedRoundTrip) {
  const SenseReason reason = InvalidFieldInCdb(9, 2);
  const auto s = BuildFixedSense(reason);
  auto parsed = ParseSense(s);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->response_code, 0x70);
  EXPECT_TRUE(parsed->current);
  EXPECT_FALSE(parsed->descriptor_format);
  EXPECT_EQ(parsed->key, SenseKey::kIllegalRequest);
  EXPECT_EQ(parsed->asc, kAscInvalidFieldInCdb);
  ASSERT_TRUE(parsed->field.has_value());
  EXPECT_EQ(*parsed->field, reason.field);
  EXPECT_FALSE(parsed->information.has_value());
}

TEST(SenseTest, ParseFixedHonoursAdditionalLengthAndTruncation) {
  auto s = BuildFixedSense(UnitAttention(kAscPowerOnResetOrBusDeviceReset));
  // Only 13 bytes given: ASC present, ASCQ absent.
  auto parsed = ParseSense(std::span<const std::byte>(s).first(13));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->key, SenseKey::kUnitAttention);
  EXPECT_EQ(parsed->asc.asc, 0x29);
  // ADDITIONAL SENSE LENGTH 4: bytes 12.. are not part of the sense data.
  s[7] = std::byte{4};
  parsed = ParseSense(s);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->asc, kAscNoAdditionalSense);
  EXPECT_FALSE(ParseSense(std::span<const std::byte>(s).first(2)).ok());
  EXPECT_FALSE(ParseSense({}).ok());
}

TEST(SenseTest, ParseFixedInformationWhenValid) {
  auto s = BuildFixedSense({SenseKey::kMediumError, kAscUnrecoveredReadError, std::nullopt});
  s[0] = std::byte{0xF0};  // VALID | 0x70
  s[3] = std::byte{0x12};
  s[6] = std::byte{0x34};
  auto parsed = ParseSense(s);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->response_code, 0x70);
  ASSERT_TRUE(parsed->information.has_value());
  EXPECT_EQ(*parsed->information, 0x12000034u);
}

TEST(SenseTest, ParseDescriptorFormat) {
  // 72h, key 3, 11/00, additional length 20: information descriptor + sense key specific.
  std::vector<std::byte> d(28);
  d[0] = std::byte{0x72};
  d[1] = std::byte{0x03};
  d[2] = std::byte{0x11};
  d[7] = std::byte{20};
  d[8] = std::byte{0x00};  // information descriptor
  d[9] = std::byte{0x0A};
  d[10] = std::byte{0x80};  // VALID
  d[19] = std::byte{0x77};
  d[20] = std::byte{0x02};  // sense key specific
  d[21] = std::byte{0x06};
  d[24] = std::byte{0xC0};
  d[26] = std::byte{0x04};
  auto parsed = ParseSense(d);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->descriptor_format);
  EXPECT_EQ(parsed->key, SenseKey::kMediumError);
  EXPECT_EQ(parsed->asc, kAscUnrecoveredReadError);
  ASSERT_TRUE(parsed->information.has_value());
  EXPECT_EQ(*parsed->information, 0x77u);
  ASSERT_TRUE(parsed->field.has_value());
  EXPECT_TRUE(parsed->field->in_cdb);
  EXPECT_EQ(parsed->field->byte, 4);
}

TEST(SenseTest, UnknownResponseCodeIsAnError) {
  std::vector<std::byte> d(18);
  d[0] = std::byte{0x7F};
  EXPECT_FALSE(ParseSense(d).ok());
}

TEST(SenseTest, DescribeNamesKeyAndAsc) {
  EXPECT_EQ(DescribeSense(SenseKey::kIllegalRequest, kAscInvalidCommandOperationCode),
            "ILLEGAL REQUEST asc=0x20 ascq=0x00 (INVALID COMMAND OPERATION CODE)");
  EXPECT_EQ(DescribeSense(SenseKey::kAbortedCommand, Asc{0x99, 0x01}),
            "ABORTED COMMAND asc=0x99 ascq=0x01");
}

}  // namespace
}  // namespace srp::scsi
