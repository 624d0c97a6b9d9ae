// INQUIRY: standard data byte offsets (SPC-4 table 137), allocation length, VPD pages, and the
// answer for LUNs with no device.
#include <gtest/gtest.h>

#include <string>

#include "lib/scsi/responses.h"
#include "target/backends/null_backend.h"
#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

using testing::RunIn;

std::string Ascii(const testing::Outcome& o, size_t off, size_t len) {
  std::string s;
  for (size_t i = off; i < off + len; ++i) s.push_back(static_cast<char>(o.at(i)));
  return s;
}

class InquiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto nb = NullBackend::Create();
    ASSERT_TRUE(nb.ok());
    unit_ = testing::MakeUnit(std::shared_ptr<BlockBackend>(std::move(*nb)),
                              {.name = "a_rather_long_null_device_name"});
    ASSERT_TRUE(luns_.Add(0, unit_).ok());
  }
  LunMap luns_;
  std::shared_ptr<LogicalUnit> unit_;
};

TEST_F(InquiryTest, StandardDataFieldOffsets) {
  const auto o = RunIn(luns_, scsi::BuildInquiry(96), 96);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(o.data.size(), 74u);
  EXPECT_EQ(o.at(0), 0x00);         // PQ 0, direct access block device
  EXPECT_EQ(o.at(1), 0x00);         // not removable
  EXPECT_EQ(o.at(2), 0x06);         // VERSION: SPC-4
  EXPECT_EQ(o.at(3) & 0x0F, 0x02);  // RESPONSE DATA FORMAT
  EXPECT_EQ(o.at(4), 74 - 5);       // ADDITIONAL LENGTH
  EXPECT_EQ(o.at(7) & 0x02, 0x02);  // CMDQUE
  EXPECT_EQ(Ascii(o, 8, 8), "SCST_FIO");
  EXPECT_EQ(Ascii(o, 16, 16), "a_rather_long_nu");  // device name truncated to 16
  EXPECT_EQ(Ascii(o, 32, 4), "3110");
  EXPECT_EQ(o.at(60), 0x09);  // SRP version descriptor 0940h among 58..73
  EXPECT_EQ(o.residual, Residual::kUnderflow);
  EXPECT_EQ(o.residual_count, 96u - 74u);
  auto parsed = scsi::ParseInquiryData(o.data);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->product, "a_rather_long_nu");
}

TEST_F(InquiryTest, AllocationLengthTruncates) {
  const auto o = RunIn(luns_, scsi::BuildInquiry(36), 36);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(o.data.size(), 36u);
  EXPECT_EQ(o.at(4), 69);  // still the full ADDITIONAL LENGTH: the initiator re-asks
  EXPECT_EQ(o.residual, Residual::kNone);
  const auto five = RunIn(luns_, scsi::BuildInquiry(5), 5);
  EXPECT_EQ(five.data.size(), 5u);
}

TEST_F(InquiryTest, DescriptorShorterThanAllocationIsOverflow) {
  const auto o = RunIn(luns_, scsi::BuildInquiry(96), 36);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(o.data.size(), 36u);
  EXPECT_EQ(o.residual, Residual::kOverflow);
  EXPECT_EQ(o.residual_count, 74u - 36u);
}

TEST_F(InquiryTest, IdentityIsConfigurable) {
  auto mem = testing::MakeMemory();
  LogicalUnitOptions opts;
  opts.name = "disk02";
  opts.vendor = "ACME";
  opts.product = "Widget";
  opts.revision = "0001";
  opts.serial = "SER123";
  ASSERT_TRUE(luns_.Add(3, testing::MakeUnit(mem, opts)).ok());
  const auto o = RunIn(luns_, scsi::BuildInquiry(36), 36, 3);
  EXPECT_EQ(Ascii(o, 8, 8), "ACME    ");
  EXPECT_EQ(Ascii(o, 16, 16), "Widget          ");
  EXPECT_EQ(Ascii(o, 32, 4), "0001");
  const auto serial = RunIn(luns_, scsi::BuildInquiryVpd(0x80, 255), 255, 3);
  EXPECT_EQ(*scsi::ParseUnitSerialNumber(serial.data), "SER123");
  EXPECT_FALSE(LogicalUnit::Create({.name = "x", .vendor = "TOO_LONG_VENDOR"}, mem).ok());
  EXPECT_FALSE(LogicalUnit::Create({.name = ""}, mem).ok());
  EXPECT_FALSE(LogicalUnit::Create({.name = "x", .queue_depth = 0}, mem).ok());
  EXPECT_FALSE(LogicalUnit::Create({.name = "x"}, nullptr).ok());
}

TEST_F(InquiryTest, VpdSupportedPagesSerialAndIdentification) {
  const auto pages = RunIn(luns_, scsi::BuildInquiryVpd(0x00, 255), 255);
  ASSERT_EQ(pages.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(pages.at(1), 0x00);
  auto list = scsi::ParseSupportedVpdPages(pages.data);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<uint8_t>{0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2}));

  const auto serial = RunIn(luns_, scsi::BuildInquiryVpd(0x80, 255), 255);
  auto sn = scsi::ParseUnitSerialNumber(serial.data);
  ASSERT_TRUE(sn.ok());
  EXPECT_EQ(sn->size(), 8u);
  EXPECT_EQ(*sn, unit_->serial());

  const auto id = RunIn(luns_, scsi::BuildInquiryVpd(0x83, 255), 255);
  ASSERT_EQ(id.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(id.residual, Residual::kUnderflow);
  auto ds = scsi::ParseDeviceIdentification(id.data);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->size(), 3u);  // no port name without a TargetPortInfo
  const auto& rel = (*ds)[2];
  EXPECT_EQ(rel.type, 4);         // relative target port
  EXPECT_EQ(rel.association, 1);  // target port
  EXPECT_TRUE(rel.piv);
  EXPECT_EQ(rel.protocol_identifier, 4);  // SRP
  EXPECT_EQ(rel.value,
            (std::vector<std::byte>{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1}}));
  const auto& t10 = (*ds)[0];
  EXPECT_EQ(t10.type, scsi::kDesignatorT10VendorId);
  EXPECT_EQ(t10.code_set, scsi::kCodeSetAscii);
  EXPECT_EQ(t10.association, 0);
  const std::string t10_text(reinterpret_cast<const char*>(t10.value.data()), t10.value.size());
  EXPECT_EQ(t10_text, "SCST_FIO" + unit_->serial());
  const auto& naa = (*ds)[1];
  EXPECT_EQ(naa.type, scsi::kDesignatorNaa);
  EXPECT_EQ(naa.code_set, scsi::kCodeSetBinary);
  ASSERT_EQ(naa.value.size(), 8u);
  EXPECT_EQ(static_cast<uint8_t>(naa.value[0]) >> 4, 3);  // NAA 3: locally assigned
}

TEST_F(InquiryTest, VpdAllocationLengthTruncatesPage) {
  const auto o = RunIn(luns_, scsi::BuildInquiryVpd(0x83, 8), 8);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(o.data.size(), 8u);
  auto page = scsi::ParseVpdPage(o.data, 0x83);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->truncated);
}

TEST_F(InquiryTest, UnsupportedVpdPageIsInvalidFieldAtByte2) {
  const auto o = RunIn(luns_, scsi::BuildInquiryVpd(0xB7, 64), 64);
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidFieldInCdb);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[15]), 0xC0);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[17]), 2);
  EXPECT_TRUE(o.data.empty());
}

TEST_F(InquiryTest, UnmappedLunAnswersQualifier3) {
  LunMap empty;
  const auto o = RunIn(empty, scsi::BuildInquiry(36), 36, 0);
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(o.data.size(), 36u);
  EXPECT_EQ(o.at(0), 0x7F);
  EXPECT_EQ(o.at(2), 0x06);
  const auto vpd = RunIn(empty, scsi::BuildInquiryVpd(0x00, 64), 64, 0);
  testing::ExpectCheck(vpd, scsi::SenseKey::kIllegalRequest, scsi::kAscLogicalUnitNotSupported);
  const auto other = RunIn(luns_, scsi::BuildInquiry(36), 36, 9);
  EXPECT_EQ(other.at(0), 0x7F);
}

TEST_F(InquiryTest, InquiryDoesNotConsumeUnitAttention) {
  unit_->unit_attentions().Establish(1, scsi::kAscCapacityDataHasChanged);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(RunIn(luns_, scsi::BuildInquiry(36), 36).status, scsi::ScsiStatus::kGood);
  }
  testing::ExpectCheck(testing::RunNoData(luns_, scsi::BuildTestUnitReady()),
                       scsi::SenseKey::kUnitAttention, scsi::kAscCapacityDataHasChanged);
}

}  // namespace
}  // namespace srp::target
