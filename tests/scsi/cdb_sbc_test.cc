// Builders and parsers of the step-3 commands: MODE SENSE(10), MODE SELECT, START STOP UNIT,
// SYNCHRONIZE CACHE, VERIFY, WRITE SAME, UNMAP, COMPARE AND WRITE, REPORT SUPPORTED OPERATION
// CODES (byte layouts from SPC-4 / SBC-3), round trips and field pointers; sense INFORMATION.
#include <gtest/gtest.h>

#include "lib/common/endian.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/cdb_parse.h"

namespace srp::scsi {
namespace {

int B(const Cdb& c, size_t i) { return static_cast<int>(c.bytes[i]); }

void ExpectInvalidField(const SenseReason& r, uint16_t byte, std::optional<uint8_t> bit) {
  EXPECT_EQ(r.key, SenseKey::kIllegalRequest);
  EXPECT_EQ(r.asc, kAscInvalidFieldInCdb);
  ASSERT_TRUE(r.field.has_value());
  EXPECT_EQ(r.field->byte, byte);
  EXPECT_EQ(r.field->bit, bit);
}

TEST(CdbSbcTest, ModeSense10AndModeSelect) {
  const Cdb ms = BuildModeSense10(0x08, 0, 0x1234, true, 2, true);
  EXPECT_EQ(ms.length, 10);
  EXPECT_EQ(B(ms, 0), 0x5A);
  EXPECT_EQ(B(ms, 1), 0x18);
  EXPECT_EQ(B(ms, 2), 0x88);
  EXPECT_EQ(B(ms, 7), 0x12);
  EXPECT_EQ(B(ms, 8), 0x34);
  auto p = ParseModeSense10(ms.view());
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->ten && p->dbd && p->llbaa);
  EXPECT_EQ(p->page_control, 2);
  EXPECT_EQ(p->page_code, 0x08);
  EXPECT_EQ(p->alloc_len, 0x1234);
  auto s6 = ParseModeSelect(BuildModeSelect6(28).view());
  ASSERT_TRUE(s6.ok());
  EXPECT_TRUE(s6->pf);
  EXPECT_FALSE(s6->ten);
  EXPECT_EQ(s6->param_len, 28);
  auto s10 = ParseModeSelect(BuildModeSelect10(300).view());
  ASSERT_TRUE(s10.ok());
  EXPECT_TRUE(s10->ten);
  EXPECT_EQ(s10->param_len, 300);
  Cdb bad = BuildModeSelect6(0);
  bad.bytes[1] = std::byte{0x12};
  ExpectInvalidField(ParseModeSelect(bad.view()).reason(), 1, 1);
}

TEST(CdbSbcTest, StartStopSyncVerify) {
  auto ssu = ParseStartStopUnit(BuildStartStopUnit(true).view());
  ASSERT_TRUE(ssu.ok());
  EXPECT_TRUE(ssu->start);
  Cdb loej = BuildStartStopUnit(true);
  loej.bytes[4] = std::byte{0x03};
  ExpectInvalidField(ParseStartStopUnit(loej.view()).reason(), 4, 1);

  const Cdb sc = BuildSynchronizeCache16(0x0102030405060708ull, 0x11223344);
  EXPECT_EQ(B(sc, 0), 0x91);
  auto scp = ParseSynchronizeCache(sc.view());
  ASSERT_TRUE(scp.ok());
  EXPECT_EQ(scp->lba, 0x0102030405060708ull);
  EXPECT_EQ(scp->blocks, 0x11223344u);
  auto sc10 = ParseSynchronizeCache(BuildSynchronizeCache10(77, 5).view());
  ASSERT_TRUE(sc10.ok());
  EXPECT_EQ(sc10->lba, 77u);
  EXPECT_EQ(sc10->blocks, 5u);

  const Cdb v = BuildVerify10(9, 3, 1);
  EXPECT_EQ(B(v, 1), 0x02);
  auto vp = ParseVerify(v.view());
  ASSERT_TRUE(vp.ok());
  EXPECT_EQ(vp->bytchk, 1);
  EXPECT_EQ(vp->lba, 9u);
  EXPECT_EQ(vp->blocks, 3u);
  auto v16 = ParseVerify(BuildVerify16(1ull << 40, 70000, 3).view());
  ASSERT_TRUE(v16.ok());
  EXPECT_EQ(v16->lba, 1ull << 40);
  EXPECT_EQ(v16->blocks, 70000u);
  EXPECT_EQ(v16->bytchk, 3);
  Cdb vr = BuildVerify16(0, 1);
  vr.bytes[1] = std::byte{0x20};  // VRPROTECT
  ExpectInvalidField(ParseVerify(vr.view()).reason(), 1, 5);
}

TEST(CdbSbcTest, WriteSameUnmapCompareAndWrite) {
  const Cdb ws = BuildWriteSame16(5, 6, true, true);
  EXPECT_EQ(B(ws, 1), 0x09);
  auto wsp = ParseWriteSame(ws.view());
  ASSERT_TRUE(wsp.ok());
  EXPECT_TRUE(wsp->unmap && wsp->ndob);
  EXPECT_EQ(wsp->lba, 5u);
  EXPECT_EQ(wsp->blocks, 6u);
  Cdb ws10 = BuildWriteSame10(1, 2);
  ws10.bytes[1] = std::byte{0x01};  // NDOB does not exist in (10)
  ExpectInvalidField(ParseWriteSame(ws10.view()).reason(), 1, 0);
  ws10.bytes[1] = std::byte{0x10};  // ANCHOR
  ExpectInvalidField(ParseWriteSame(ws10.view()).reason(), 1, 4);

  auto um = ParseUnmap(BuildUnmap(24).view());
  ASSERT_TRUE(um.ok());
  EXPECT_EQ(um->param_len, 24);

  const Cdb caw = BuildCompareAndWrite(0xABCDEF, 4, true);
  EXPECT_EQ(caw.length, 16);
  EXPECT_EQ(B(caw, 0), 0x89);
  EXPECT_EQ(B(caw, 13), 4);
  auto cp = ParseCompareAndWrite(caw.view());
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->lba, 0xABCDEFu);
  EXPECT_EQ(cp->blocks, 4);
  EXPECT_TRUE(cp->fua);
}

TEST(CdbSbcTest, ReportSupportedOpcodes) {
  const Cdb r = BuildReportSupportedOpcodes(2, 0x9E, 0x10, 512, true);
  EXPECT_EQ(r.length, 12);
  EXPECT_EQ(B(r, 0), 0xA3);
  EXPECT_EQ(B(r, 1), 0x0C);
  EXPECT_EQ(B(r, 2), 0x82);
  auto p = ParseReportSupportedOpcodes(r.view());
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->rctd);
  EXPECT_EQ(p->reporting_options, 2);
  EXPECT_EQ(p->opcode, 0x9E);
  EXPECT_EQ(p->service_action, 0x10);
  EXPECT_EQ(p->alloc_len, 512u);
  Cdb bad = r;
  bad.bytes[2] = std::byte{0x05};
  ExpectInvalidField(ParseReportSupportedOpcodes(bad.view()).reason(), 2, 2);
}

TEST(CdbSbcTest, FixedSenseWithInformation) {
  const auto s = BuildFixedSense(Miscompare(), 0x1234);
  EXPECT_EQ(static_cast<uint8_t>(s[0]), 0xF0);
  EXPECT_EQ(static_cast<uint8_t>(s[2]), 0x0E);
  EXPECT_EQ(LoadBe32(s.data() + 3), 0x1234u);
  EXPECT_EQ(static_cast<uint8_t>(s[12]), 0x1D);
  auto parsed = ParseSense(s);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->information, 0x1234u);
  EXPECT_EQ(LoadBe32(BuildFixedSense(Miscompare(), 1ull << 40).data() + 3), 0xFFFFFFFFu);
  EXPECT_EQ(DescribeSense(SenseKey::kMiscompare, kAscMiscompareDuringVerify),
            "MISCOMPARE asc=0x1d ascq=0x00 (MISCOMPARE DURING VERIFY OPERATION)");
}

}  // namespace
}  // namespace srp::scsi
