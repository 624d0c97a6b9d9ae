// CDB builders (initiator) against SPC/SBC byte layouts, and round trips through the target's
// parsers, plus parser validation.
#include <gtest/gtest.h>

#include <vector>

#include "lib/scsi/cdb_build.h"
#include "lib/scsi/cdb_parse.h"

namespace srp::scsi {
namespace {

int B(const Cdb& c, size_t i) { return static_cast<int>(c.bytes[i]); }

std::vector<std::byte> Bytes(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

void ExpectInvalidField(const SenseReason& r, uint16_t byte, std::optional<uint8_t> bit) {
  EXPECT_EQ(r.key, SenseKey::kIllegalRequest);
  EXPECT_EQ(r.asc, kAscInvalidFieldInCdb);
  ASSERT_TRUE(r.field.has_value());
  EXPECT_TRUE(r.field->in_cdb);
  EXPECT_EQ(r.field->byte, byte);
  EXPECT_EQ(r.field->bit, bit);
}

TEST(CdbBuildTest, LengthsFollowGroupCodes) {
  EXPECT_EQ(BuildTestUnitReady().length, 6);
  EXPECT_EQ(BuildInquiry(36).length, 6);
  EXPECT_EQ(BuildReadCapacity10().length, 10);
  EXPECT_EQ(BuildRead10(0, 1).length, 10);
  EXPECT_EQ(BuildReportLuns(16).length, 12);
  EXPECT_EQ(BuildRead16(0, 1).length, 16);
  EXPECT_EQ(BuildReadCapacity16().length, 16);
  EXPECT_EQ(BuildModeSense6(0x3F, 0, 192).length, 6);
}

TEST(CdbBuildTest, InquiryLayout) {
  const Cdb std_inq = BuildInquiry(0x0124);
  EXPECT_EQ(B(std_inq, 0), 0x12);
  EXPECT_EQ(B(std_inq, 1), 0x00);
  EXPECT_EQ(B(std_inq, 3), 0x01);
  EXPECT_EQ(B(std_inq, 4), 0x24);
  const Cdb vpd = BuildInquiryVpd(0x83, 255);
  EXPECT_EQ(B(vpd, 1), 0x01);
  EXPECT_EQ(B(vpd, 2), 0x83);
  EXPECT_EQ(B(vpd, 4), 255);
}

TEST(CdbBuildTest, ReadWriteLayout) {
  const Cdb r10 = BuildRead10(0x01020304, 0x0506, /*fua=*/true);
  EXPECT_EQ(B(r10, 0), 0x28);
  EXPECT_EQ(B(r10, 1), 0x08);
  EXPECT_EQ(B(r10, 2), 0x01);
  EXPECT_EQ(B(r10, 5), 0x04);
  EXPECT_EQ(B(r10, 7), 0x05);
  EXPECT_EQ(B(r10, 8), 0x06);
  const Cdb w16 = BuildWrite16(0x0102030405060708ull, 0x0A0B0C0D);
  EXPECT_EQ(B(w16, 0), 0x8A);
  EXPECT_EQ(B(w16, 1), 0x00);
  EXPECT_EQ(B(w16, 2), 0x01);
  EXPECT_EQ(B(w16, 9), 0x08);
  EXPECT_EQ(B(w16, 10), 0x0A);
  EXPECT_EQ(B(w16, 13), 0x0D);
}

TEST(CdbBuildTest, ReadCapacity16AndReportLunsLayout) {
  const Cdb rc = BuildReadCapacity16(32);
  EXPECT_EQ(B(rc, 0), 0x9E);
  EXPECT_EQ(B(rc, 1), 0x10);
  EXPECT_EQ(B(rc, 13), 32);
  const Cdb rl = BuildReportLuns(0x00010000, 2);
  EXPECT_EQ(B(rl, 0), 0xA0);
  EXPECT_EQ(B(rl, 2), 2);
  EXPECT_EQ(B(rl, 7), 0x01);
  EXPECT_EQ(B(rl, 9), 0x00);
}

TEST(CdbBuildTest, BuildReadWritePicks10Or16) {
  EXPECT_EQ(B(BuildReadWrite(false, 100, 8), 0), 0x28);
  EXPECT_EQ(B(BuildReadWrite(true, 100, 8), 0), 0x2A);
  EXPECT_EQ(B(BuildReadWrite(false, 0x100000000ull, 8), 0), 0x88);
  EXPECT_EQ(B(BuildReadWrite(true, 5, 0x10000), 0), 0x8A);
}

TEST(CdbRoundTripTest, ReadWriteAllForms) {
  struct Case {
    Cdb cdb;
    bool write;
    uint64_t lba;
    uint32_t blocks;
    bool fua;
  };
  const Case cases[] = {
      {BuildRead10(7, 9), false, 7, 9, false},
      {BuildWrite10(0xFFFFFFFF, 0xFFFF, true), true, 0xFFFFFFFF, 0xFFFF, true},
      {BuildRead16(0x123456789Aull, 0x10000, true), false, 0x123456789Aull, 0x10000, true},
      {BuildWrite16(1, 1), true, 1, 1, false},
  };
  for (const Case& c : cases) {
    auto parsed = ParseReadWrite(c.cdb.view());
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->write, c.write);
    EXPECT_EQ(parsed->lba, c.lba);
    EXPECT_EQ(parsed->blocks, c.blocks);
    EXPECT_EQ(parsed->fua, c.fua);
    EXPECT_FALSE(parsed->dpo);
  }
}

TEST(CdbRoundTripTest, ControlCommands) {
  auto inq = ParseInquiry(BuildInquiryVpd(0x80, 300).view());
  ASSERT_TRUE(inq.ok());
  EXPECT_TRUE(inq->evpd);
  EXPECT_EQ(inq->page_code, 0x80);
  EXPECT_EQ(inq->alloc_len, 300);
  auto rl = ParseReportLuns(BuildReportLuns(4096, 2).view());
  ASSERT_TRUE(rl.ok());
  EXPECT_EQ(rl->select_report, 2);
  EXPECT_EQ(rl->alloc_len, 4096u);
  auto rc16 = ParseReadCapacity16(BuildReadCapacity16(32).view());
  ASSERT_TRUE(rc16.ok());
  EXPECT_EQ(rc16->alloc_len, 32u);
  EXPECT_TRUE(ParseReadCapacity10(BuildReadCapacity10().view()).ok());
  EXPECT_TRUE(ParseTestUnitReady(BuildTestUnitReady().view()).ok());
  auto rs = ParseRequestSense(BuildRequestSense(96).view());
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->alloc_len, 96);
  EXPECT_FALSE(rs->desc);
  auto ms = ParseModeSense6(BuildModeSense6(0x08, 0, 192, true).view());
  ASSERT_TRUE(ms.ok());
  EXPECT_TRUE(ms->dbd);
  EXPECT_EQ(ms->page_code, 0x08);
  EXPECT_EQ(ms->page_control, 0);
  EXPECT_EQ(ms->alloc_len, 192);
}

TEST(CdbParseTest, ReadWrite6ZeroLengthMeans256) {
  auto p = ParseReadWrite(Bytes({0x08, 0x1F, 0xFF, 0xFF, 0x00, 0x00}));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->lba, 0x1FFFFFu);
  EXPECT_EQ(p->blocks, 256u);
  EXPECT_FALSE(p->write);
  auto w = ParseReadWrite(Bytes({0x0A, 0x00, 0x00, 0x10, 0x08, 0x00}));
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->write);
  EXPECT_EQ(w->blocks, 8u);
}

TEST(CdbParseTest, ProtectionAndReservedBitsAreInvalidField) {
  Cdb c = BuildRead10(0, 1);
  c.bytes[1] = std::byte{0x20};  // RDPROTECT = 1
  auto p = ParseReadWrite(c.view());
  ASSERT_FALSE(p.ok());
  ExpectInvalidField(p.reason(), 1, 5);
  c = BuildWrite16(0, 1);
  c.bytes[1] = std::byte{0x18};  // DPO + FUA are fine
  auto ok = ParseReadWrite(c.view());
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->dpo);
  EXPECT_TRUE(ok->fua);
}

TEST(CdbParseTest, ControlByteNacaAndLinkAreInvalidField) {
  Cdb c = BuildRead10(0, 1);
  c.bytes[9] = std::byte{0x04};
  auto p = ParseReadWrite(c.view());
  ASSERT_FALSE(p.ok());
  ExpectInvalidField(p.reason(), 9, 2);
  Cdb t = BuildTestUnitReady();
  t.bytes[5] = std::byte{0x01};
  auto q = ParseTestUnitReady(t.view());
  ASSERT_FALSE(q.ok());
  ExpectInvalidField(q.reason(), 5, 0);
  t.bytes[5] = std::byte{0xC0};  // vendor-specific bits are allowed
  EXPECT_TRUE(ParseTestUnitReady(t.view()).ok());
}

TEST(CdbParseTest, ShortCdbIsInvalidFieldAtByteZero) {
  const Cdb c = BuildRead16(0, 1);
  auto p = ParseReadWrite(c.view().first(10));
  ASSERT_FALSE(p.ok());
  ExpectInvalidField(p.reason(), 0, std::nullopt);
}

TEST(CdbParseTest, InquiryValidation) {
  Cdb c = BuildInquiry(36);
  c.bytes[2] = std::byte{0x80};  // page code without EVPD
  auto p = ParseInquiry(c.view());
  ASSERT_FALSE(p.ok());
  ExpectInvalidField(p.reason(), 2, std::nullopt);
  c = BuildInquiry(36);
  c.bytes[1] = std::byte{0x02};  // CMDDT
  p = ParseInquiry(c.view());
  ASSERT_FALSE(p.ok());
  ExpectInvalidField(p.reason(), 1, 1);
}

TEST(CdbParseTest, ReportLunsValidation) {
  auto small = ParseReportLuns(BuildReportLuns(15).view());
  ASSERT_FALSE(small.ok());
  ExpectInvalidField(small.reason(), 6, std::nullopt);
  EXPECT_TRUE(ParseReportLuns(BuildReportLuns(16, 1).view()).ok());
  auto bad_select = ParseReportLuns(BuildReportLuns(64, 3).view());
  ASSERT_FALSE(bad_select.ok());
  ExpectInvalidField(bad_select.reason(), 2, std::nullopt);
}

TEST(CdbParseTest, ReadCapacityPmiRules) {
  Cdb c = BuildReadCapacity10();
  c.bytes[5] = std::byte{1};  // LBA without PMI
  auto p = ParseReadCapacity10(c.view());
  ASSERT_FALSE(p.ok());
  ExpectInvalidField(p.reason(), 2, std::nullopt);
  c.bytes[8] = std::byte{1};  // with PMI it is allowed
  EXPECT_TRUE(ParseReadCapacity10(c.view()).ok());
  Cdb r16 = BuildReadCapacity16();
  r16.bytes[1] = std::byte{0x11};  // another service action
  auto q = ParseReadCapacity16(r16.view());
  ASSERT_FALSE(q.ok());
  ExpectInvalidField(q.reason(), 1, 4);
}

TEST(CdbParseTest, NonReadWriteOpcodeIsInvalidOpcode) {
  auto p = ParseReadWrite(BuildInquiry(36).view());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.reason().asc, kAscInvalidCommandOperationCode);
}

TEST(CdbLengthTest, GroupCodes) {
  EXPECT_EQ(CdbLengthForOpcode(0x00), 6u);
  EXPECT_EQ(CdbLengthForOpcode(0x28), 10u);
  EXPECT_EQ(CdbLengthForOpcode(0x5A), 10u);
  EXPECT_EQ(CdbLengthForOpcode(0x7F), 0u);
  EXPECT_EQ(CdbLengthForOpcode(0x88), 16u);
  EXPECT_EQ(CdbLengthForOpcode(0xA0), 12u);
  EXPECT_EQ(CdbLengthForOpcode(0xC0), 0u);
}

}  // namespace
}  // namespace srp::scsi
