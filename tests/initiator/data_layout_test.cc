// Descriptor choice, checked on the exact SRP_CMD bytes through lib/srp's decoders.
#include "initiator_tools/initiator/data_layout.h"

#include <gtest/gtest.h>

#include "lib/common/endian.h"
#include "lib/srp/descriptors.h"
#include "lib/srp/iu.h"

namespace srp::initiator {
namespace {

using wire::DataDirection;
using wire::DataFormat;

constexpr wire::DirectDescriptor kTable{0x7000, 0x77, 0};

LayoutPolicy Policy() {
  return LayoutPolicy{.immediate_data = true,
                      .imm_data_offset = 68,
                      .max_it_iu_len = 8260,
                      .cmd_sg_entries = 12,
                      .allow_ext_sg = false,
                      .sg_tablesize = 256};
}

std::vector<DataSegment> Segs(size_t n, uint32_t len = 4096) {
  std::vector<DataSegment> v;
  for (size_t i = 0; i < n; ++i) v.push_back({0x100000 + i * 0x10000, len, 0x1234});
  return v;
}

// Encodes the plan into an SRP_CMD and parses it back as a target would.
wire::DataLayout RoundTrip(const PlannedLayout& plan, std::span<const std::byte> imm,
                           std::vector<std::byte>* iu_out, bool external = false) {
  wire::CmdHeader h;
  h.tag = 0x42;
  auto iu = wire::EncodeCmd(h, {}, plan.layout, imm);
  EXPECT_TRUE(iu.ok()) << iu.status().ToString();
  *iu_out = *iu;
  auto hdr = wire::DecodeCmdHeader(*iu);
  EXPECT_TRUE(hdr.ok());
  wire::DescriptorLimits limits;
  limits.max_iu_len = 8260;
  limits.immediate_data = true;
  limits.imm_data_offset = 68;
  limits.external_tables = external;
  auto parsed = wire::ParseDataLayout(*hdr, *iu, limits);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : wire::DataLayout{};
}

TEST(DataLayout, NoData) {
  auto plan = PlanDataLayout(DataDirection::kNone, {}, Policy(), true, kTable);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->layout.format, DataFormat::kNone);
  EXPECT_FALSE(PlanDataLayout(DataDirection::kNone, Segs(1), Policy(), true, kTable).ok());
  EXPECT_FALSE(PlanDataLayout(DataDirection::kIn, {}, Policy(), true, kTable).ok());
}

TEST(DataLayout, SingleSegmentIsDirect) {
  auto segs = Segs(1, 65536);
  auto plan = PlanDataLayout(DataDirection::kIn, segs, Policy(), true, kTable);
  ASSERT_TRUE(plan.ok());
  std::vector<std::byte> iu;
  auto parsed = RoundTrip(*plan, {}, &iu);
  ASSERT_EQ(iu.size(), 64u);
  EXPECT_EQ(static_cast<uint8_t>(iu[5]), 0x01);  // DATA-IN DIRECT
  EXPECT_EQ(iu[6], std::byte{0});
  EXPECT_EQ(iu[7], std::byte{0});
  EXPECT_EQ(LoadBe64(iu, 48), 0x100000u);
  EXPECT_EQ(LoadBe32(iu, 56), 0x1234u);
  EXPECT_EQ(LoadBe32(iu, 60), 65536u);
  EXPECT_EQ(parsed.format, DataFormat::kDirect);
  EXPECT_EQ(parsed.total_length, 65536u);
}

TEST(DataLayout, SmallWriteUsesImmediateData) {
  std::vector<std::byte> data(512, std::byte{0x5a});
  DataSegment seg{reinterpret_cast<uint64_t>(data.data()), 512, 1};
  auto plan = PlanDataLayout(DataDirection::kOut, std::span(&seg, 1), Policy(), true, kTable);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->immediate());
  std::vector<std::byte> iu;
  auto parsed = RoundTrip(*plan, data, &iu);
  ASSERT_EQ(iu.size(), 68u + 512u);
  EXPECT_EQ(static_cast<uint8_t>(iu[5]), 0x30);  // DATA-OUT IMMEDIATE
  EXPECT_EQ(LoadBe32(iu, 48), 512u);             // srp_imm_buf.len
  EXPECT_EQ(iu[68], std::byte{0x5a});
  EXPECT_EQ(parsed.format, DataFormat::kImmediate);
  EXPECT_EQ(parsed.imm_offset, 68u);
  EXPECT_EQ(parsed.imm_length, 512u);
}

TEST(DataLayout, ImmediateOnlyWhenItFitsNegotiatedAndAllowed) {
  auto p = Policy();
  // 68 + 8192 == 8260 fits exactly; one byte more does not.
  EXPECT_TRUE(PlanDataLayout(DataDirection::kOut, Segs(1, 8192), p, true, kTable)->immediate());
  EXPECT_FALSE(PlanDataLayout(DataDirection::kOut, Segs(1, 8193), p, true, kTable)->immediate());
  // Reads never; the caller's opt-out; a target that did not offer it.
  EXPECT_FALSE(PlanDataLayout(DataDirection::kIn, Segs(1, 512), p, true, kTable)->immediate());
  EXPECT_FALSE(PlanDataLayout(DataDirection::kOut, Segs(1, 512), p, false, kTable)->immediate());
  p.immediate_data = false;
  auto plan = PlanDataLayout(DataDirection::kOut, Segs(1, 512), p, true, kTable);
  EXPECT_EQ(plan->layout.format, DataFormat::kDirect);
  // Several small segments are gathered into the IU too.
  EXPECT_TRUE(
      PlanDataLayout(DataDirection::kOut, Segs(3, 512), Policy(), true, kTable)->immediate());
}

TEST(DataLayout, SeveralSegmentsAreIndirectInline) {
  auto segs = Segs(5);
  auto plan = PlanDataLayout(DataDirection::kIn, segs, Policy(), true, kTable);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->external_table());
  std::vector<std::byte> iu;
  auto parsed = RoundTrip(*plan, {}, &iu);
  ASSERT_EQ(iu.size(), 48u + 20 + 5 * 16);
  EXPECT_EQ(static_cast<uint8_t>(iu[5]), 0x02);  // DATA-IN INDIRECT
  EXPECT_EQ(iu[7], std::byte{5});                // data_in_desc_cnt
  EXPECT_EQ(LoadBe64(iu, 48), kTable.va);        // table_desc = whole table
  EXPECT_EQ(LoadBe32(iu, 56), kTable.rkey);
  EXPECT_EQ(LoadBe32(iu, 60), 5u * 16);
  EXPECT_EQ(LoadBe32(iu, 64), 5u * 4096);  // total length
  EXPECT_EQ(parsed.format, DataFormat::kIndirect);
  ASSERT_EQ(parsed.descriptors.size(), 5u);
  EXPECT_EQ(parsed.descriptors[4].va, segs[4].addr);
  EXPECT_EQ(plan->table.size(), 5u);
}

TEST(DataLayout, WriteWithManySegmentsIsIndirectDataOut) {
  auto plan = PlanDataLayout(DataDirection::kOut, Segs(12, 65536), Policy(), true, kTable);
  ASSERT_TRUE(plan.ok());
  std::vector<std::byte> iu;
  RoundTrip(*plan, {}, &iu);
  EXPECT_EQ(static_cast<uint8_t>(iu[5]), 0x20);
  EXPECT_EQ(iu[6], std::byte{12});
  EXPECT_EQ(iu[7], std::byte{0});
}

TEST(DataLayout, TooManySegmentsNeedAllowExtSg) {
  auto segs = Segs(20);
  auto refused = PlanDataLayout(DataDirection::kIn, segs, Policy(), true, kTable);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("allow_ext_sg"), std::string::npos);
  auto p = Policy();
  p.allow_ext_sg = true;
  auto plan = PlanDataLayout(DataDirection::kIn, segs, p, true, kTable);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->external_table());
  EXPECT_EQ(plan->layout.descriptors.size(), 12u);
  EXPECT_EQ(plan->table.size(), 20u);
  std::vector<std::byte> iu;
  auto parsed = RoundTrip(*plan, {}, &iu, /*external=*/true);
  EXPECT_EQ(iu.size(), 48u + 20 + 12 * 16);
  EXPECT_EQ(LoadBe32(iu, 60), 20u * 16);  // table_desc.len covers the whole table
  EXPECT_TRUE(parsed.needs_external_table);
  // More than sg_tablesize is refused outright.
  p.sg_tablesize = 16;
  EXPECT_FALSE(PlanDataLayout(DataDirection::kIn, segs, p, true, kTable).ok());
}

TEST(DataLayout, CappedIuShrinksTheInlineTable) {
  auto p = Policy();
  p.immediate_data = false;
  p.max_it_iu_len = 48 + 20 + 4 * 16;  // room for 4 inline entries only
  EXPECT_TRUE(PlanDataLayout(DataDirection::kIn, Segs(4), p, true, kTable).ok());
  EXPECT_FALSE(PlanDataLayout(DataDirection::kIn, Segs(5), p, true, kTable).ok());
  p.allow_ext_sg = true;
  auto plan = PlanDataLayout(DataDirection::kIn, Segs(5), p, true, kTable);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->layout.descriptors.size(), 4u);
}

TEST(DataLayout, ZeroLengthSegmentRefused) {
  EXPECT_FALSE(PlanDataLayout(DataDirection::kIn, Segs(2, 0), Policy(), true, kTable).ok());
}

}  // namespace
}  // namespace srp::initiator
