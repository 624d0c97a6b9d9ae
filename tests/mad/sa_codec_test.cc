// Golden-byte and round-trip tests of the SA record codecs (IB spec ch. 15 layouts).
#include "lib/mad/sa_codec.h"

#include <gtest/gtest.h>

#include "tests/mad/mad_test_util.h"

namespace srp::mad {
namespace {

using testing::Put;
using testing::ToVec;
using testing::Zeros;

TEST(SaCodecTest, PortInfoRecordGolden) {
  PortInfoRecord r;
  r.endport_lid = 0x0102;
  r.port_num = 0x03;
  r.m_key = 0x0405060708090a0bull;
  r.subnet_prefix = 0xfe80000000000000ull;
  r.lid = 0x1415;
  r.master_sm_lid = 0x1617;
  r.capability_mask = 0x00080000 | 0x2;
  r.local_port_num = 0x21;
  r.link_width_active = 0x24;
  r.port_state = 4;
  r.port_phys_state = 5;
  auto out = EncodePortInfoRecord(r);
  ASSERT_EQ(out.size(), 72u);
  auto want = Zeros(72);
  Put(want, 0, {0x01, 0x02, 0x03, 0x00});
  Put(want, 4, {0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b});
  Put(want, 12, {0xfe, 0x80, 0, 0, 0, 0, 0, 0});
  Put(want, 20, {0x14, 0x15, 0x16, 0x17, 0x00, 0x08, 0x00, 0x02});
  Put(want, 32, {0x21, 0x00, 0x00, 0x24, 0x04, 0x50});
  EXPECT_EQ(ToVec(out), want);
  auto back = DecodePortInfoRecord(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(DecodePortInfoRecord(Zeros(67)).ok());
  EXPECT_TRUE(DecodePortInfoRecord(Zeros(68)).ok());
}

TEST(SaCodecTest, NodeRecordGolden) {
  NodeRecord r;
  r.lid = 0x0102;
  r.base_version = 0x05;
  r.class_version = 0x06;
  r.node_type = 0x07;
  r.num_ports = 0x08;
  r.sys_image_guid = 0x1011121314151617ull;
  r.node_guid = 0x2021222324252627ull;
  r.port_guid = 0x3031323334353637ull;
  r.partition_cap = 0x4041;
  r.device_id = 0x4243;
  r.revision = 0x44454647;
  r.local_port_num = 0x48;
  r.vendor_id = 0x494a4b;
  r.description = "node-a";
  auto out = EncodeNodeRecord(r);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 112u);
  auto want = Zeros(112);
  Put(want, 0, {0x01, 0x02, 0x00, 0x00, 0x05, 0x06, 0x07, 0x08});
  Put(want, 8, {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17});
  Put(want, 16, {0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27});
  Put(want, 24, {0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37});
  Put(want, 32, {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b});
  Put(want, 44, {'n', 'o', 'd', 'e', '-', 'a'});
  EXPECT_EQ(ToVec(*out), want);
  auto back = DecodeNodeRecord(*out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(DecodeNodeRecord(Zeros(107)).ok());
  r.description = std::string(65, 'd');
  EXPECT_FALSE(EncodeNodeRecord(r).ok());
}

TEST(SaCodecTest, PathRecordGolden) {
  PathRecord r;
  r.service_id = 0x0001020304050607ull;
  r.dgid = Gid::FromParts(0x1011121314151617ull, 0x18191a1b1c1d1e1full);
  r.sgid = Gid::FromParts(0x2021222324252627ull, 0x28292a2b2c2d2e2full);
  r.dlid = 0x3031;
  r.slid = 0x3233;
  r.raw_traffic = true;
  r.flow_label = 0xabcde;
  r.hop_limit = 0x40;
  r.tclass = 0x41;
  r.reversible = true;
  r.numb_path = 0x05;
  r.pkey = 0x8001;
  r.qos_class = 0x123;
  r.sl = 0x4;
  r.mtu_selector = 2;
  r.mtu = 4;
  r.rate_selector = 1;
  r.rate = 3;
  r.packet_life_selector = 3;
  r.packet_life = 0x12;
  r.preference = 0x55;
  auto out = EncodePathRecord(r);
  auto want = Zeros(64);
  Put(want, 0, {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07});
  for (int k = 0; k < 16; ++k) Put(want, 8 + k, {0x10 + k});
  for (int k = 0; k < 16; ++k) Put(want, 24 + k, {0x20 + k});
  Put(want, 40, {0x30, 0x31, 0x32, 0x33});
  // raw_traffic bit 31 | flow label 0xabcde << 8 | hop limit 0x40
  Put(want, 44, {0x8a, 0xbc, 0xde, 0x40, 0x41, 0x85, 0x80, 0x01});
  // qos 0x123 << 4 | sl 4 ; mtu 0x84 ; rate 0x43 ; life 0xd2 ; pref 0x55
  Put(want, 52, {0x12, 0x34, 0x84, 0x43, 0xd2, 0x55});
  EXPECT_EQ(ToVec(out), want);
  auto back = DecodePathRecord(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(DecodePathRecord(Zeros(63)).ok());
}

TEST(SaCodecTest, ComponentMaskBitsSrpDaemonUses) {
  EXPECT_EQ(kPirCompCapabilityMask, 1u << 7);
  EXPECT_EQ(kPirCompEndportLid, 1u);
  EXPECT_EQ(kNrCompLid, 1u);
  EXPECT_EQ(kPrCompDlid | kPrCompSlid | kPrCompPkey, (1u << 4) | (1u << 5) | (1u << 13));
  EXPECT_EQ(kSaCapPortInfoCapMaskMatch, 0x2000);
  EXPECT_EQ(kPortCapDeviceManagement, 0x00080000u);
}

}  // namespace
}  // namespace srp::mad
