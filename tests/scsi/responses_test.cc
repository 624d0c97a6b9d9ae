#include "lib/scsi/responses.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace srp::scsi {
namespace {

void Put(std::vector<std::byte>& d, size_t off, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) d[off + i] = static_cast<std::byte>(s[i]);
}

std::vector<std::byte> InquiryBytes() {
  std::vector<std::byte> d(36, std::byte{' '});
  for (size_t i = 0; i < 8; ++i) d[i] = std::byte{0};
  d[0] = std::byte{0x00};
  d[2] = std::byte{0x06};
  d[3] = std::byte{0x12};
  d[4] = std::byte{31};
  d[7] = std::byte{0x02};
  Put(d, 8, "SCST_FIO");
  Put(d, 16, "disk01");
  Put(d, 32, "3110");
  return d;
}

TEST(InquiryDataTest, ParsesFieldsAndTrimsStrings) {
  auto inq = ParseInquiryData(InquiryBytes());
  ASSERT_TRUE(inq.ok()) << inq.status().ToString();
  EXPECT_EQ(inq->peripheral_qualifier, 0);
  EXPECT_EQ(inq->device_type, 0);
  EXPECT_EQ(inq->version, 6);
  EXPECT_EQ(inq->response_data_format, 2);
  EXPECT_TRUE(inq->hisup);
  EXPECT_TRUE(inq->cmdque);
  EXPECT_EQ(inq->additional_length, 31);
  EXPECT_EQ(inq->vendor, "SCST_FIO");
  EXPECT_EQ(inq->product, "disk01");
  EXPECT_EQ(inq->revision, "3110");
}

TEST(InquiryDataTest, NoDeviceQualifierAndShortData) {
  auto d = InquiryBytes();
  d[0] = std::byte{0x7F};
  auto inq = ParseInquiryData(d);
  ASSERT_TRUE(inq.ok());
  EXPECT_EQ(inq->peripheral_qualifier, 3);
  EXPECT_EQ(inq->device_type, 0x1F);
  EXPECT_FALSE(ParseInquiryData(std::span<const std::byte>(d).first(35)).ok());
}

TEST(VpdTest, SupportedPagesAndSerial) {
  std::vector<std::byte> p = {std::byte{0},    std::byte{0x00}, std::byte{0},   std::byte{3},
                              std::byte{0x00}, std::byte{0x80}, std::byte{0x83}};
  auto pages = ParseSupportedVpdPages(p);
  ASSERT_TRUE(pages.ok());
  EXPECT_EQ(*pages, (std::vector<uint8_t>{0x00, 0x80, 0x83}));
  // Truncated by the allocation length: what is present is returned.
  auto cut = ParseVpdPage(std::span<const std::byte>(p).first(5), 0x00);
  ASSERT_TRUE(cut.ok());
  EXPECT_TRUE(cut->truncated);
  EXPECT_EQ(cut->payload.size(), 1u);
  EXPECT_FALSE(ParseVpdPage(p, 0x80).ok());  // wrong page code

  std::vector<std::byte> s(4 + 10, std::byte{' '});
  s[0] = std::byte{0};
  s[1] = std::byte{0x80};
  s[2] = std::byte{0};
  s[3] = std::byte{10};
  Put(s, 4, "1a2b3c4d");
  auto serial = ParseUnitSerialNumber(s);
  ASSERT_TRUE(serial.ok());
  EXPECT_EQ(*serial, "1a2b3c4d");
}

TEST(VpdTest, DeviceIdentificationDescriptors) {
  std::vector<std::byte> p(4);
  p[1] = std::byte{0x83};
  auto add = [&p](int code_set, int assoc_type, std::vector<std::byte> value) {
    p.push_back(static_cast<std::byte>(code_set));
    p.push_back(static_cast<std::byte>(assoc_type));
    p.push_back(std::byte{0});
    p.push_back(static_cast<std::byte>(value.size()));
    p.insert(p.end(), value.begin(), value.end());
  };
  add(0x02, 0x01, std::vector<std::byte>(8, std::byte{'A'}));
  add(0x01, 0x03, std::vector<std::byte>(8, std::byte{0x30}));
  p[3] = static_cast<std::byte>(p.size() - 4);
  auto ids = ParseDeviceIdentification(p);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_EQ((*ids)[0].type, kDesignatorT10VendorId);
  EXPECT_EQ((*ids)[0].code_set, kCodeSetAscii);
  EXPECT_EQ((*ids)[1].type, kDesignatorNaa);
  EXPECT_EQ((*ids)[1].value.size(), 8u);
  // A designator length running past the page is malformed.
  p[4 + 3] = std::byte{100};
  EXPECT_FALSE(ParseDeviceIdentification(p).ok());
}

TEST(CapacityTest, ReadCapacity10And16) {
  std::vector<std::byte> rc10 = {std::byte{0x00}, std::byte{0x01}, std::byte{0xFF},
                                 std::byte{0xFF}, std::byte{0},    std::byte{0},
                                 std::byte{0x02}, std::byte{0x00}};
  auto c10 = ParseReadCapacity10Data(rc10);
  ASSERT_TRUE(c10.ok());
  EXPECT_EQ(c10->last_lba, 0x1FFFFu);
  EXPECT_EQ(c10->block_size, 512u);
  EXPECT_FALSE(c10->needs_rc16);
  for (size_t i = 0; i < 4; ++i) rc10[i] = std::byte{0xFF};
  EXPECT_TRUE(ParseReadCapacity10Data(rc10)->needs_rc16);
  EXPECT_FALSE(ParseReadCapacity10Data(std::span<const std::byte>(rc10).first(7)).ok());

  std::vector<std::byte> rc16(32);
  rc16[3] = std::byte{0x01};   // last LBA 0x0000000100000000
  rc16[10] = std::byte{0x10};  // block size 4096
  rc16[13] = std::byte{0x03};
  rc16[14] = std::byte{0xC0};  // LBPME, LBPRZ
  auto c16 = ParseReadCapacity16Data(rc16);
  ASSERT_TRUE(c16.ok());
  EXPECT_EQ(c16->last_lba, 0x100000000ull);
  EXPECT_EQ(c16->block_size, 4096u);
  EXPECT_EQ(c16->lbppbe, 3);
  EXPECT_TRUE(c16->lbpme);
  EXPECT_TRUE(c16->lbprz);
  auto short16 = ParseReadCapacity16Data(std::span<const std::byte>(rc16).first(12));
  ASSERT_TRUE(short16.ok());
  EXPECT_FALSE(short16->lbpme);
  EXPECT_FALSE(ParseReadCapacity16Data(std::span<const std::byte>(rc16).first(11)).ok());
}

TEST(ReportLunsDataTest, ListAndTruncation) {
  std::vector<std::byte> d(8 + 24);
  d[3] = std::byte{24};
  d[8 + 1] = std::byte{0};
  d[16 + 1] = std::byte{5};
  d[24 + 0] = std::byte{0x41};
  d[24 + 1] = std::byte{0x2C};
  auto r = ParseReportLunsData(d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->list_length, 24u);
  EXPECT_FALSE(r->truncated);
  ASSERT_EQ(r->luns.size(), 3u);
  EXPECT_EQ(r->luns[1], PackLun(5));
  EXPECT_EQ(r->luns[2], PackLun(300));
  // Allocation length 16 returned only one entry (plus 7 stray bytes of the next).
  auto cut = ParseReportLunsData(std::span<const std::byte>(d).first(23));
  ASSERT_TRUE(cut.ok());
  EXPECT_TRUE(cut->truncated);
  EXPECT_EQ(cut->luns.size(), 1u);
  d[3] = std::byte{20};
  EXPECT_FALSE(ParseReportLunsData(d).ok());
  EXPECT_FALSE(ParseReportLunsData(std::span<const std::byte>(d).first(7)).ok());
}

}  // namespace
}  // namespace srp::scsi
