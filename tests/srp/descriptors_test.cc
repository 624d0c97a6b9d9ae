// SRP_CMD data descriptors (§1.8): golden IUs, the parser's happy paths, one test per
// "Bad input" rule of docs/test-scenarios.md, external tables and EncodeCmd round trips.
#include "lib/srp/descriptors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/srp/test_bytes.h"

namespace srp::wire {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::Dump;
using ::testing::HasSubstr;
using testing::Seq;
using testing::Zeros;

// A 48-byte SRP_CMD header written byte by byte from §1.8 (tag 0x11.., LUN 0, CDB 0x30..).
std::vector<std::byte> Header(uint8_t buf_fmt, uint8_t out_cnt, uint8_t in_cnt,
                              uint8_t add_cdb_len) {
  return Cat({Bytes({0x02, 0, 0, 0, 0, buf_fmt, out_cnt, in_cnt}), Seq(0x11, 8), Zeros(4), Zeros(8),
              Bytes({0, 0, 0, add_cdb_len}), Seq(0x30, 16)});
}

// Direct descriptor bytes: va be64, rkey be32, len be32.
std::vector<std::byte> Desc(uint64_t va, uint32_t rkey, uint32_t len) {
  std::vector<std::byte> v(16);
  for (int i = 0; i < 8; ++i) v[i] = static_cast<std::byte>(va >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) v[8 + i] = static_cast<std::byte>(rkey >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) v[12 + i] = static_cast<std::byte>(len >> (24 - 8 * i));
  return v;
}

std::vector<std::byte> Be32(uint32_t x) {
  return Bytes({static_cast<int>(x >> 24), static_cast<int>((x >> 16) & 0xff),
                static_cast<int>((x >> 8) & 0xff), static_cast<int>(x & 0xff)});
}

Result<DataLayout> Parse(const std::vector<std::byte>& iu, const DescriptorLimits& limits = {}) {
  SRP_ASSIGN_OR_RETURN(CmdHeader hdr, DecodeCmdHeader(iu));
  return ParseDataLayout(hdr, iu, limits);
}

// Expects a kProtocolError whose message contains `what`.
void ExpectReject(const Result<DataLayout>& r, std::string_view what) {
  ASSERT_FALSE(r.ok()) << "expected rejection: " << what;
  EXPECT_EQ(r.status().code(), StatusCode::kProtocolError) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr(std::string(what)));
}

// --- Golden IUs ---

TEST(DescriptorGoldenTest, DirectDataOutWithAdditionalCdb) {
  // §1.8: buf_fmt 0x10 (DATA-OUT direct), add_cdb_len 4 @31, add. CDB @48, descriptor @52.
  const auto golden =
      Cat({Bytes({0x02, 0x02, 0, 0, 0, 0x10, 0, 0}), Seq(0x11, 8), Zeros(4),
           Bytes({0, 1, 0, 0, 0, 0, 0, 0}), Bytes({0, 0x02, 0, 0x04}), Seq(0x30, 16),
           Bytes({0xa0, 0xa1, 0xa2, 0xa3}), Bytes({0, 0, 0x7f, 0, 0x12, 0x34, 0x50, 0}),
           Bytes({0xde, 0xad, 0xbe, 0xef}), Bytes({0, 0, 0x10, 0})});
  ASSERT_EQ(golden.size(), 68u);
  CmdHeader h;
  h.sol_not = kScSolNt;
  h.tag = 0x1112131415161718;
  h.lun = {0, 1, 0, 0, 0, 0, 0, 0};
  h.task_attr = static_cast<uint8_t>(TaskAttr::kOrdered);
  for (int i = 0; i < 16; ++i) h.cdb[i] = static_cast<uint8_t>(0x30 + i);
  DataLayout layout;
  layout.direction = DataDirection::kOut;
  layout.format = DataFormat::kDirect;
  layout.descriptors = {{0x00007f0012345000, 0xdeadbeef, 0x1000}};
  layout.total_length = 0x1000;
  auto enc = EncodeCmd(h, Bytes({0xa0, 0xa1, 0xa2, 0xa3}), layout, {});
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  EXPECT_EQ(*enc, golden) << Dump(*enc);

  auto parsed = Parse(golden);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->direction, DataDirection::kOut);
  EXPECT_EQ(parsed->format, DataFormat::kDirect);
  ASSERT_EQ(parsed->descriptors.size(), 1u);
  EXPECT_EQ(parsed->descriptors[0], (DirectDescriptor{0x00007f0012345000, 0xdeadbeef, 0x1000}));
  EXPECT_EQ(parsed->total_length, 0x1000u);
  EXPECT_FALSE(parsed->needs_external_table);
}

const std::vector<std::byte> kIndirectInGolden =
    Cat({Header(0x02, 0, 2, 0), Desc(0x1000, 0x77, 32), Be32(0x3000), Desc(0x2000, 0x88, 0x1000),
         Desc(0x4000, 0x99, 0x2000)});

TEST(DescriptorGoldenTest, IndirectDataIn) {
  ASSERT_EQ(kIndirectInGolden.size(), 100u);
  auto parsed = Parse(kIndirectInGolden);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->direction, DataDirection::kIn);
  EXPECT_EQ(parsed->format, DataFormat::kIndirect);
  EXPECT_EQ(parsed->total_length, 0x3000u);
  EXPECT_EQ(parsed->table_desc, (DirectDescriptor{0x1000, 0x77, 32}));
  ASSERT_EQ(parsed->descriptors.size(), 2u);
  EXPECT_EQ(parsed->descriptors[1], (DirectDescriptor{0x4000, 0x99, 0x2000}));

  CmdHeader h = *DecodeCmdHeader(kIndirectInGolden);
  auto enc = EncodeCmd(h, {}, *parsed, {});
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(*enc, kIndirectInGolden) << Dump(*enc);
}

TEST(DescriptorGoldenTest, ImmediateDataOut) {
  // buf_fmt 0x30, srp_imm_buf {len=8} @48, padding to the login's offset 68, data @68.
  const auto golden = Cat({Header(0x30, 0, 0, 0), Be32(8), Zeros(16), Seq(0xd0, 8)});
  DescriptorLimits limits;
  limits.immediate_data = true;
  limits.imm_data_offset = 68;
  limits.max_iu_len = 8260;
  auto parsed = Parse(golden, limits);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->format, DataFormat::kImmediate);
  EXPECT_EQ(parsed->direction, DataDirection::kOut);
  EXPECT_EQ(parsed->total_length, 8u);
  auto data = parsed->ImmediateData(golden);
  EXPECT_EQ(std::vector<std::byte>(data.begin(), data.end()), Seq(0xd0, 8));

  CmdHeader h = *DecodeCmdHeader(golden);
  auto enc = EncodeCmd(h, {}, *parsed, Seq(0xd0, 8));
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  EXPECT_EQ(*enc, golden) << Dump(*enc);
}

TEST(DescriptorGoldenTest, NoDataCommand) {
  auto parsed = Parse(Header(0x00, 0, 0, 0));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->direction, DataDirection::kNone);
  EXPECT_EQ(parsed->format, DataFormat::kNone);
  EXPECT_EQ(parsed->total_length, 0u);
  EXPECT_TRUE(parsed->ImmediateData(Header(0, 0, 0, 0)).empty());
}

TEST(DescriptorGoldenTest, DirectLengthOfExactly2To31IsAccepted) {
  DescriptorLimits limits;
  limits.max_transfer = 0xffffffff;
  auto r = Parse(Cat({Header(0x01, 0, 0, 0), Desc(1, 2, 0x80000000u)}), limits);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->total_length, 0x80000000u);
}

// --- Bad input: one test per rule (docs/test-scenarios.md) ---

TEST(DescriptorBadInputTest, BufFmtReservedDataOutFormat) {
  for (int f = 4; f <= 15; ++f) {
    ExpectReject(Parse(Cat({Header(static_cast<uint8_t>(f << 4), 0, 0, 0), Zeros(32)})),
                 "reserved DATA-OUT buffer format");
  }
}

TEST(DescriptorBadInputTest, BufFmtReservedDataInFormat) {
  for (int f = 4; f <= 15; ++f) {
    ExpectReject(Parse(Cat({Header(static_cast<uint8_t>(f), 0, 0, 0), Zeros(32)})),
                 "reserved DATA-IN buffer format");
  }
}

TEST(DescriptorBadInputTest, BufFmtBothDirectionsSet) {
  ExpectReject(Parse(Cat({Header(0x11, 0, 0, 0), Desc(1, 2, 512), Desc(3, 4, 512)})),
               "bidirectional");
  ExpectReject(Parse(Cat({Header(0x22, 1, 1, 0), Zeros(64)})), "bidirectional");
}

TEST(DescriptorBadInputTest, BufFmtImmediateInDataInNibble) {
  DescriptorLimits limits;
  limits.immediate_data = true;
  limits.imm_data_offset = 68;
  ExpectReject(Parse(Cat({Header(0x03, 0, 0, 0), Be32(8), Zeros(24)}), limits),
               "immediate data format in the DATA-IN nibble");
}

TEST(DescriptorBadInputTest, DirectDescriptorLengthZero) {
  ExpectReject(Parse(Cat({Header(0x10, 0, 0, 0), Desc(0x1000, 5, 0)})),
               "direct descriptor has length 0");
}

TEST(DescriptorBadInputTest, DirectDescriptorLengthAbove2To31) {
  DescriptorLimits limits;
  limits.max_transfer = 0xffffffff;
  ExpectReject(Parse(Cat({Header(0x01, 0, 0, 0), Desc(0x1000, 5, 0x80000001u)}), limits),
               "exceeds 2^31");
}

TEST(DescriptorBadInputTest, DirectDescriptorPastReceivedBytes) {
  auto iu = Cat({Header(0x01, 0, 0, 0), Desc(0x1000, 5, 512)});
  iu.pop_back();
  ExpectReject(Parse(iu), "direct descriptor at offset 48 extends past the received IU");
}

TEST(DescriptorBadInputTest, DirectTotalAboveMaxTransfer) {
  ExpectReject(Parse(Cat({Header(0x01, 0, 0, 0), Desc(0x1000, 5, (16u << 20) + 1)})),
               "exceeds the maximum transfer size");
}

TEST(DescriptorBadInputTest, IndirectTableLengthNotMultipleOf16) {
  ExpectReject(
      Parse(Cat({Header(0x02, 0, 1, 0), Desc(0x1000, 7, 24), Be32(512), Desc(0x2000, 8, 512)})),
      "not a multiple of 16");
}

TEST(DescriptorBadInputTest, IndirectTableEmpty) {
  ExpectReject(Parse(Cat({Header(0x02, 0, 0, 0), Desc(0x1000, 7, 0), Be32(512)})),
               "table is empty");
}

TEST(DescriptorBadInputTest, IndirectMoreEntriesThanTheCounts) {
  // data_in_desc_cnt 3 but table_desc covers only 2 entries.
  ExpectReject(Parse(Cat({Header(0x02, 0, 3, 0), Desc(0x1000, 7, 32), Be32(1536), Desc(1, 1, 512),
                          Desc(2, 2, 512), Desc(3, 3, 512)})),
               "descriptor count 3 exceeds the 2 entries");
}

TEST(DescriptorBadInputTest, IndirectMoreEntriesThanBytesReceived) {
  auto iu = Cat(
      {Header(0x02, 0, 2, 0), Desc(0x1000, 7, 32), Be32(1024), Desc(1, 1, 512), Desc(2, 2, 512)});
  iu.resize(iu.size() - 8);
  ExpectReject(Parse(iu), "2 indirect descriptors need 100 bytes but only 92 were received");
}

TEST(DescriptorBadInputTest, IndirectHeaderPastReceivedBytes) {
  auto iu = Cat({Header(0x20, 0, 0, 0), Desc(0x1000, 7, 16)});
  ExpectReject(Parse(iu), "indirect descriptor header at offset 48 extends past");
}

TEST(DescriptorBadInputTest, IndirectLengthsDoNotSumToTotal) {
  ExpectReject(Parse(Cat({Header(0x20, 2, 0, 0), Desc(0x1000, 7, 32), Be32(1000), Desc(1, 1, 512),
                          Desc(2, 2, 512)})),
               "sum to 1024 but the header's total length is 1000");
}

TEST(DescriptorBadInputTest, IndirectEntryLengthZero) {
  ExpectReject(Parse(Cat({Header(0x20, 2, 0, 0), Desc(0x1000, 7, 32), Be32(512), Desc(1, 1, 512),
                          Desc(2, 2, 0)})),
               "indirect descriptor 1 has length 0");
}

TEST(DescriptorBadInputTest, IndirectTotalAboveMaxTransfer) {
  DescriptorLimits limits;
  limits.max_transfer = 1 << 20;
  ExpectReject(Parse(Cat({Header(0x20, 2, 0, 0), Desc(0x1000, 7, 32), Be32(0x180000),
                          Desc(1, 1, 0x100000), Desc(2, 2, 0x80000)}),
                     limits),
               "data length 1572864 exceeds the maximum transfer size 1048576");
}

TEST(DescriptorBadInputTest, ExternalTableWhenNotSupported) {
  // table_desc says 4 entries, only 2 in the IU (ib_srp with allow_ext_sg=1).
  ExpectReject(Parse(Cat({Header(0x20, 2, 0, 0), Desc(0x1000, 7, 64), Be32(2048), Desc(1, 1, 512),
                          Desc(2, 2, 512)})),
               "external indirect descriptor table (4 entries, 2 in the IU) is not supported");
}

TEST(DescriptorBadInputTest, AddCdbLenNotMultipleOf4) {
  CmdHeader h = *DecodeCmdHeader(Header(0x01, 0, 0, 0));
  h.add_cdb_len = 2;  // a caller-built header bypassing DecodeCmdHeader
  auto iu = Cat({Header(0x01, 0, 0, 2), Zeros(2), Desc(1, 2, 512)});
  ExpectReject(ParseDataLayout(h, iu, {}), "not a multiple of 4");
  EXPECT_FALSE(DecodeCmdHeader(iu).ok());
}

TEST(DescriptorBadInputTest, AddCdbLenPointingPastIu) {
  CmdHeader h = *DecodeCmdHeader(Header(0x01, 0, 0, 0));
  h.add_cdb_len = 16;
  ExpectReject(ParseDataLayout(h, Cat({Header(0x01, 0, 0, 16), Zeros(8)}), {}),
               "additional CDB (16 bytes) extends past the received IU");
  EXPECT_FALSE(DecodeCmdHeader(Cat({Header(0x01, 0, 0, 16), Zeros(8)})).ok());
}

class ImmediateBadInputTest : public ::testing::Test {
 protected:
  ImmediateBadInputTest() {
    limits_.immediate_data = true;
    limits_.imm_data_offset = 68;
    limits_.max_iu_len = 8260;
  }
  DescriptorLimits limits_;
};

TEST_F(ImmediateBadInputTest, ImmediateDataNotNegotiated) {
  limits_.immediate_data = false;
  ExpectReject(Parse(Cat({Header(0x30, 0, 0, 0), Be32(8), Zeros(16), Seq(0, 8)}), limits_),
               "immediate data used but not negotiated");
}

TEST_F(ImmediateBadInputTest, ImmediateDataOffsetInsideHeader) {
  // add_cdb_len 32: srp_imm_buf at 80, so offset 68 lies inside the header.
  auto iu = Cat({Header(0x30, 0, 0, 32), Zeros(32), Be32(8), Zeros(8)});
  ExpectReject(Parse(iu, limits_), "immediate data offset 68 lies inside the SRP_CMD header");
  limits_.imm_data_offset = 40;
  ExpectReject(Parse(Cat({Header(0x30, 0, 0, 0), Be32(8), Zeros(16), Seq(0, 8)}), limits_),
               "inside the SRP_CMD header (which ends at 52)");
}

TEST_F(ImmediateBadInputTest, ImmediateDataPastReceivedBytes) {
  ExpectReject(Parse(Cat({Header(0x30, 0, 0, 0), Be32(9), Zeros(16), Seq(0, 8)}), limits_),
               "runs past the received IU (76 bytes)");
}

TEST_F(ImmediateBadInputTest, ImmediateDataPastMaxIuLen) {
  limits_.max_iu_len = 100;
  ExpectReject(Parse(Cat({Header(0x30, 0, 0, 0), Be32(40), Zeros(16), Seq(0, 32)}), limits_),
               "runs past the max IU length 100");
}

TEST_F(ImmediateBadInputTest, ImmediateHeaderPastReceivedBytes) {
  ExpectReject(Parse(Cat({Header(0x30, 0, 0, 0), Bytes({0, 0})}), limits_),
               "immediate data header at offset 48 extends past");
}

TEST_F(ImmediateBadInputTest, ImmediateDataLengthZero) {
  ExpectReject(Parse(Cat({Header(0x30, 0, 0, 0), Be32(0), Zeros(16)}), limits_),
               "immediate data length is 0");
}

TEST(DescriptorBadInputTest, IuLongerThanMaxIuLen) {
  DescriptorLimits limits;
  limits.max_iu_len = 64;
  ExpectReject(Parse(Cat({Header(0x01, 0, 0, 0), Desc(1, 2, 512), Zeros(4)}), limits),
               "exceeds the negotiated max IU length 64");
}

// --- External tables (allow_ext_sg=1 initiators) ---

class ExternalTableTest : public ::testing::Test {
 protected:
  ExternalTableTest() { limits_.external_tables = true; }
  // 4-entry table, 2 inline.
  std::vector<std::byte> Iu() const {
    return Cat({Header(0x20, 2, 0, 0), Desc(0xabc000, 0x55, 64), Be32(2048), Desc(1, 1, 512),
                Desc(2, 2, 512)});
  }
  std::vector<std::byte> Table() const {
    return Cat({Desc(1, 1, 512), Desc(2, 2, 512), Desc(3, 3, 512), Desc(4, 4, 512)});
  }
  DescriptorLimits limits_;
};

TEST_F(ExternalTableTest, ParseRequestsFetchThenCompletes) {
  auto partial = Parse(Iu(), limits_);
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  EXPECT_TRUE(partial->needs_external_table);
  EXPECT_EQ(partial->table_desc, (DirectDescriptor{0xabc000, 0x55, 64}));
  EXPECT_EQ(partial->descriptors.size(), 2u);
  auto full = ParseExternalTable(*partial, Table());
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_FALSE(full->needs_external_table);
  ASSERT_EQ(full->descriptors.size(), 4u);
  EXPECT_EQ(full->descriptors[3], (DirectDescriptor{4, 4, 512}));
  EXPECT_EQ(full->total_length, 2048u);
}

TEST_F(ExternalTableTest, FetchedTableTooShort) {
  auto partial = *Parse(Iu(), limits_);
  auto t = Table();
  t.resize(63);
  ExpectReject(ParseExternalTable(partial, t), "fetched external table has 63 bytes");
}

TEST_F(ExternalTableTest, FetchedTableDisagreesWithInlineEntries) {
  auto partial = *Parse(Iu(), limits_);
  auto t = Cat({Desc(9, 9, 512), Desc(2, 2, 512), Desc(3, 3, 512), Desc(4, 4, 512)});
  ExpectReject(ParseExternalTable(partial, t), "entry 0 differs");
}

TEST_F(ExternalTableTest, FetchedTableLengthsDoNotSumToTotal) {
  auto partial = *Parse(Iu(), limits_);
  auto t = Cat({Desc(1, 1, 512), Desc(2, 2, 512), Desc(3, 3, 512), Desc(4, 4, 500)});
  ExpectReject(ParseExternalTable(partial, t), "sum to 2036");
}

TEST_F(ExternalTableTest, FetchedEntryLengthZero) {
  auto partial = *Parse(Iu(), limits_);
  auto t = Cat({Desc(1, 1, 512), Desc(2, 2, 512), Desc(3, 3, 0), Desc(4, 4, 1024)});
  ExpectReject(ParseExternalTable(partial, t), "external table entry 2 has length 0");
}

TEST_F(ExternalTableTest, TableAboveDescriptorLimit) {
  limits_.max_external_descriptors = 3;
  ExpectReject(Parse(Iu(), limits_), "external indirect table of 4 entries exceeds limit 3");
}

TEST_F(ExternalTableTest, InlineLengthsAboveTotal) {
  auto iu = Cat({Header(0x20, 2, 0, 0), Desc(0xabc000, 0x55, 64), Be32(1000), Desc(1, 1, 512),
                 Desc(2, 2, 512)});
  ExpectReject(Parse(iu, limits_), "inline descriptor lengths (1024) exceed");
}

TEST_F(ExternalTableTest, NotNeededIsInvalidArgument) {
  auto layout = *Parse(kIndirectInGolden, limits_);
  auto r = ParseExternalTable(layout, Table());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

// --- EncodeCmd ---

TEST(EncodeCmdTest, RejectsInconsistentLayouts) {
  CmdHeader h;
  DataLayout l;
  l.format = DataFormat::kDirect;
  l.direction = DataDirection::kIn;
  EXPECT_FALSE(EncodeCmd(h, {}, l, {}).ok());  // no descriptor
  l.format = DataFormat::kImmediate;
  l.imm_offset = 68;
  EXPECT_FALSE(EncodeCmd(h, {}, l, Seq(0, 4)).ok());  // immediate DATA-IN
  l.direction = DataDirection::kOut;
  l.imm_offset = 50;
  EXPECT_FALSE(EncodeCmd(h, {}, l, Seq(0, 4)).ok());            // offset inside header
  EXPECT_FALSE(EncodeCmd(h, Zeros(3), DataLayout{}, {}).ok());  // add CDB not multiple of 4
}

TEST(EncodeCmdTest, IndirectRoundTripWithAdditionalCdb) {
  CmdHeader h;
  h.tag = 42;
  DataLayout l;
  l.direction = DataDirection::kOut;
  l.format = DataFormat::kIndirect;
  l.table_desc = {0x9000, 0x1234, 48};
  l.descriptors = {{1, 1, 4096}, {2, 2, 4096}, {3, 3, 8192}};
  l.total_length = 16384;
  auto add = Seq(0x60, 16);
  auto iu = EncodeCmd(h, add, l, {});
  ASSERT_TRUE(iu.ok());
  EXPECT_EQ(iu->size(), 48u + 16 + 20 + 48);
  EXPECT_EQ(static_cast<uint8_t>((*iu)[5]), 0x20);
  EXPECT_EQ(static_cast<uint8_t>((*iu)[6]), 3);
  auto parsed = Parse(*iu);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->descriptors, l.descriptors);
  EXPECT_EQ(parsed->table_desc, l.table_desc);
  EXPECT_EQ(parsed->total_length, 16384u);
  auto hdr = *DecodeCmdHeader(*iu);
  auto got_add = AdditionalCdb(hdr, *iu);
  EXPECT_EQ(std::vector<std::byte>(got_add.begin(), got_add.end()), add);
}

}  // namespace
}  // namespace srp::wire
