// Golden-byte and round-trip tests of the MAD header and the DM attribute codecs
// (srp-reference.md §5.1, §5.2).
#include <gtest/gtest.h>

#include "lib/mad/dm_codec.h"
#include "lib/mad/mad.h"
#include "tests/mad/mad_test_util.h"

namespace srp::mad {
namespace {

using testing::Put;
using testing::ToVec;
using testing::Zeros;

TEST(MadHeaderTest, GoldenBytes) {
  MadHeader h;
  h.base_version = 0x01;
  h.mgmt_class = 0x06;
  h.class_version = 0x02;
  h.method = 0x81;
  h.status = 0x1c2d;
  h.class_specific = 0x3e4f;
  h.tid = 0x1122334455667788ull;
  h.attr_id = 0x0012;
  h.attr_mod = 0xa1b2c3d4;
  std::vector<std::byte> out(kMadHeaderSize, std::byte{0xee});
  EncodeMadHeader(h, out);
  auto want = Zeros(kMadHeaderSize);
  Put(want, 0, {0x01, 0x06, 0x02, 0x81, 0x1c, 0x2d, 0x3e, 0x4f});
  Put(want, 8, {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88});
  Put(want, 16, {0x00, 0x12, 0x00, 0x00, 0xa1, 0xb2, 0xc3, 0xd4});
  EXPECT_EQ(out, want);
  auto back = DecodeMadHeader(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, h);
}

TEST(MadHeaderTest, DecodeRejectsShortInput) {
  auto r = DecodeMadHeader(Zeros(23));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(MadTest, SaHeaderGoldenBytes) {
  SaHeader sa;
  sa.rmpp_version = 1;
  sa.rmpp_type = 2;
  sa.rmpp_rtime_flags = 3;
  sa.rmpp_status = 4;
  sa.seg_num = 0x05060708;
  sa.paylen_newwin = 0x090a0b0c;
  sa.sm_key = 0x1112131415161718ull;
  sa.attr_offset = 0x0009;
  sa.comp_mask = 0x2122232425262728ull;
  auto out = Zeros(kMadSize);
  EncodeSaHeader(sa, out);
  auto want = Zeros(kMadSize);
  Put(want, 24, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  Put(want, 36, {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18});
  Put(want, 44, {0x00, 0x09, 0x00, 0x00});
  Put(want, 48, {0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28});
  EXPECT_EQ(out, want);
  EXPECT_EQ(*DecodeSaHeader(out), sa);
  EXPECT_FALSE(DecodeSaHeader(Zeros(55)).ok());
}

TEST(MadTest, DmRequestLayout) {
  Mad mad = MakeDmRequest(kMethodGet, kAttrIoControllerProfile, 1, 0xabcdef);
  EXPECT_EQ(mad.size(), kMadSize);
  MadHeader h = mad.header();
  EXPECT_EQ(h.base_version, 1);
  EXPECT_EQ(h.mgmt_class, kClassDm);
  EXPECT_EQ(h.class_version, 1);
  EXPECT_EQ(h.method, kMethodGet);
  EXPECT_EQ(h.attr_id, 0x0011);
  EXPECT_EQ(h.attr_mod, 1u);
  EXPECT_EQ(mad.tid(), 0xabcdefu);
  EXPECT_FALSE(mad.is_response());
  mad.dm_data()[0] = std::byte{0x5a};
  EXPECT_EQ(mad.bytes()[64], std::byte{0x5a});
  EXPECT_EQ(mad.dm_data().size(), 192u);
}

TEST(MadTest, SaRequestAndResponse) {
  std::vector<std::byte> record(72, std::byte{0x33});
  auto req = MakeSaRequest(kMethodGetTable, kAttrPortInfoRecord, 0x80000000, 7, 1u << 7, record);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->header().class_version, kSaClassVersion);
  EXPECT_EQ(DecodeSaHeader(req->bytes())->attr_offset, 9);
  EXPECT_EQ(DecodeSaHeader(req->bytes())->comp_mask, 1u << 7);
  EXPECT_EQ(req->bytes()[56], std::byte{0x33});
  EXPECT_EQ(req->bytes()[56 + 71], std::byte{0x33});
  EXPECT_EQ(req->bytes()[56 + 72], std::byte{0});
  Mad resp = MakeResponse(*req, kSaStatusNoRecords);
  EXPECT_EQ(resp.method(), kMethodGetTableResp);
  EXPECT_EQ(resp.status(), 0x0300);
  EXPECT_EQ(resp.tid(), 7u);
  EXPECT_EQ(DecodeSaHeader(resp.bytes())->comp_mask, 1u << 7);
  EXPECT_EQ(resp.bytes()[56], std::byte{0});  // data not copied
  EXPECT_FALSE(MakeSaRequest(kMethodGet, 1, 0, 1, 0, Zeros(201)).ok());
}

TEST(MadTest, FromBytesNeeds256) {
  EXPECT_FALSE(Mad::FromBytes(Zeros(255)).ok());
  auto mad = Mad::FromBytes(Zeros(300));
  ASSERT_TRUE(mad.ok());
  EXPECT_EQ(mad->size(), 300u);
  mad->Resize(10);
  EXPECT_EQ(mad->size(), kMadSize);
}

TEST(DmCodecTest, ClassPortInfoGolden) {
  ClassPortInfo i;
  i.base_version = 0x01;
  i.class_version = 0x02;
  i.capability_mask = 0x0304;
  i.capability_mask2 = 0x0123456;
  i.resp_time_value = 0x15;
  i.redirect_gid = Gid::FromParts(0x1011121314151617ull, 0x18191a1b1c1d1e1full);
  i.redirect_tc_sl_fl = 0x20212223;
  i.redirect_lid = 0x2425;
  i.redirect_pkey = 0x2627;
  i.redirect_qp = 0x292a2b;
  i.redirect_qkey = 0x2c2d2e2f;
  i.trap_gid = Gid::FromParts(0x3031323334353637ull, 0x38393a3b3c3d3e3full);
  i.trap_tc_sl_fl = 0x40414243;
  i.trap_lid = 0x4445;
  i.trap_pkey = 0x4647;
  i.trap_hl_qp = 0x48494a4b;
  i.trap_qkey = 0x4c4d4e4f;
  auto out = EncodeClassPortInfo(i);
  auto want = Zeros(72);
  Put(want, 0, {0x01, 0x02, 0x03, 0x04});
  // cap_mask2 0x0123456 << 5 | 0x15 = 0x02468AD5
  Put(want, 4, {0x02, 0x46, 0x8a, 0xd5});
  for (int k = 0; k < 16; ++k) Put(want, 8 + k, {0x10 + k});
  Put(want, 24, {0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27});
  Put(want, 32, {0x00, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f});
  for (int k = 0; k < 16; ++k) Put(want, 40 + k, {0x30 + k});
  Put(want, 56, {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47});
  Put(want, 64, {0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f});
  EXPECT_EQ(ToVec(out), want);
  auto back = DecodeClassPortInfo(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, i);
  EXPECT_FALSE(DecodeClassPortInfo(Zeros(71)).ok());
}

TEST(DmCodecTest, IoUnitInfoGoldenAndNibbles) {
  IoUnitInfo info;
  info.change_id = 0x1234;
  info.max_controllers = 16;
  info.diag_option_rom = 0x5a;
  info.controllers[0] = kControllerPresent;  // slot 1 -> byte 4 high nibble
  info.controllers[1] = 0x2;                 // slot 2 -> byte 4 low nibble
  info.controllers[2] = kControllerNoSlot;   // slot 3 -> byte 5 high nibble
  info.controllers[255] = 0x7;               // slot 256 -> byte 131 low nibble
  auto out = EncodeIoUnitInfo(info);
  auto want = Zeros(132);
  Put(want, 0, {0x12, 0x34, 0x10, 0x5a, 0x12, 0xf0});
  Put(want, 131, {0x07});
  EXPECT_EQ(ToVec(out), want);
  auto back = DecodeIoUnitInfo(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, info);
  EXPECT_FALSE(DecodeIoUnitInfo(Zeros(131)).ok());
}

TEST(DmCodecTest, IoUnitInfoLioShape) {
  IoUnitInfo info;
  info.change_id = 1;
  info.max_controllers = 16;
  info.controllers[0] = kControllerPresent;
  auto out = EncodeIoUnitInfo(info);
  EXPECT_EQ(out[4], std::byte{0x10});
  EXPECT_EQ(out[5], std::byte{0x00});
}

TEST(DmCodecTest, IoControllerProfileGolden) {
  IoControllerProfile c;
  c.guid = 0x0102030405060708ull;
  c.vendor_id = 0x090a0b0c;
  c.device_id = 0x0d0e0f10;
  c.device_version = 0x1112;
  c.subsys_vendor_id = 0x15161718;
  c.subsys_id = 0x191a1b1c;
  c.io_class = 0x1d1e;
  c.io_subclass = 0x1f20;
  c.protocol = 0x2122;
  c.protocol_version = 0x2324;
  c.reserved36 = 0x25262728;
  c.send_queue_depth = 0x292a;
  c.rdma_read_depth = 0x2c;
  c.send_size = 0x2d2e2f30;
  c.rdma_size = 0x31323334;
  c.op_cap_mask = 0x35;
  c.svc_cap_mask = 0x36;
  c.num_service_entries = 0x37;
  c.id_string = "Linux SRP target";
  auto out = EncodeIoControllerProfile(c);
  ASSERT_TRUE(out.ok());
  auto want = Zeros(128);
  Put(want, 0, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x11, 0x12, 0, 0});
  Put(want, 20, {0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20});
  Put(want, 32, {0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x00, 0x2c});
  Put(want, 44, {0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37});
  const std::string id = "Linux SRP target";
  for (size_t k = 0; k < id.size(); ++k) Put(want, 64 + k, {id[k]});
  EXPECT_EQ(ToVec(*out), want);
  auto back = DecodeIoControllerProfile(*out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
  EXPECT_FALSE(DecodeIoControllerProfile(Zeros(127)).ok());
}

TEST(DmCodecTest, IoControllerProfileIdString64) {
  IoControllerProfile c;
  c.id_string = std::string(64, 'x');
  auto out = EncodeIoControllerProfile(c);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(DecodeIoControllerProfile(*out)->id_string, c.id_string);
  c.id_string += "y";
  EXPECT_EQ(EncodeIoControllerProfile(c).status().code(), StatusCode::kInvalidArgument);
}

TEST(DmCodecTest, ServiceEntriesGolden) {
  std::vector<ServiceEntry> entries = {{SrpServiceName(0x0002c903000f1366ull), 0x1112131415161718},
                                       {"x", 0x2122232425262728}};
  EXPECT_EQ(entries[0].name, "SRP.T10:0002c903000f1366");
  auto out = EncodeServiceEntries(entries);
  ASSERT_TRUE(out.ok());
  auto want = Zeros(192);
  for (size_t k = 0; k < entries[0].name.size(); ++k) Put(want, k, {entries[0].name[k]});
  Put(want, 40, {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18});
  Put(want, 48, {'x'});
  Put(want, 88, {0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28});
  EXPECT_EQ(ToVec(*out), want);
  auto back = DecodeServiceEntries(*out, 2);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, entries);
}

TEST(DmCodecTest, ServiceEntriesLimits) {
  std::vector<ServiceEntry> five(5);
  EXPECT_FALSE(EncodeServiceEntries(five).ok());
  std::vector<ServiceEntry> long_name = {{std::string(40, 'n'), 1}};
  EXPECT_FALSE(EncodeServiceEntries(long_name).ok());
  long_name[0].name.pop_back();  // 39 characters + NUL fits
  EXPECT_TRUE(EncodeServiceEntries(long_name).ok());
  EXPECT_FALSE(DecodeServiceEntries(Zeros(192), 0).ok());
  EXPECT_FALSE(DecodeServiceEntries(Zeros(192), 5).ok());
  EXPECT_FALSE(DecodeServiceEntries(Zeros(95), 2).ok());
  EXPECT_TRUE(DecodeServiceEntries(Zeros(96), 2).ok());
}

TEST(DmCodecTest, ServiceEntriesAttrMod) {
  EXPECT_EQ(ServiceEntriesAttrMod({1, 0, 3}), 0x00010300u);
  EXPECT_EQ(ServiceEntriesAttrMod({0x0102, 4, 7}), 0x01020704u);
  auto r = DecodeServiceEntriesAttrMod(0x00020504);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (ServiceEntriesRange{2, 4, 5}));
  EXPECT_EQ(r->count(), 2u);
  auto single = DecodeServiceEntriesAttrMod(0x00010000);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->count(), 1u);
  EXPECT_EQ(DecodeServiceEntriesAttrMod(0x00010102).status().code(),
            StatusCode::kInvalidArgument);  // last < first
  EXPECT_EQ(DecodeServiceEntriesAttrMod(0x00010400).status().code(),
            StatusCode::kInvalidArgument);  // 5 entries
}

}  // namespace
}  // namespace srp::mad
