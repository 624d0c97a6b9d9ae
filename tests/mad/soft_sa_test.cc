// The built-in SA of the soft subnet, as a pure function over port records.
#include "lib/mad/soft/soft_sa.h"

#include <gtest/gtest.h>

#include <vector>

#include "lib/mad/dm_codec.h"
#include "lib/mad/sa_codec.h"

namespace srp::mad {
namespace {

using fabric::soft::PortRecord;

PortRecord Port(const std::string& name, uint16_t lid, uint32_t cap, std::vector<uint16_t> pkeys) {
  PortRecord p;
  p.name = name;
  p.lid = lid;
  p.node_guid = 0x1000 + lid * 2;
  p.port_guid = p.node_guid + 1;
  p.gid = Gid::FromParts(p.subnet_prefix, p.port_guid);
  p.capability_mask = cap;
  p.pkeys = std::move(pkeys);
  return p;
}

class SoftSaTest : public ::testing::Test {
 protected:
  std::vector<PortRecord> ports_ = {
      Port("host", 1, 0x02, {0xffff, 0x8001}),
      Port("target", 2, 0x02 | kPortCapDeviceManagement, {0xffff}),
      Port("other", 3, kPortCapDeviceManagement, {0x8002}),
  };
  Mad Ask(uint8_t method, uint16_t attr, uint32_t attr_mod, uint64_t comp,
          std::span<const std::byte> record) {
    auto req = MakeSaRequest(method, attr, attr_mod, 42, comp, record);
    EXPECT_TRUE(req.ok());
    return AnswerSaQuery(ports_, *req);
  }
};

TEST_F(SoftSaTest, ClassPortInfoAdvertisesCapMaskMatch) {
  Mad resp = Ask(kMethodGet, kAttrClassPortInfo, 0, 0, {});
  EXPECT_EQ(resp.method(), kMethodGetResp);
  EXPECT_EQ(resp.status(), kStatusOk);
  EXPECT_EQ(resp.tid(), 42u);
  auto info = DecodeClassPortInfo(resp.sa_data());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->class_version, 2);
  EXPECT_TRUE(info->capability_mask & kSaCapPortInfoCapMaskMatch);
}

TEST_F(SoftSaTest, PortInfoRecordCapMaskMatchTable) {
  PortInfoRecord want;
  want.capability_mask = kPortCapDeviceManagement;
  Mad resp = Ask(kMethodGetTable, kAttrPortInfoRecord, kPortInfoCapMaskMatchAttrMod,
                 kPirCompCapabilityMask, EncodePortInfoRecord(want));
  EXPECT_EQ(resp.method(), kMethodGetTableResp);
  EXPECT_EQ(resp.status(), kStatusOk);
  auto sa = DecodeSaHeader(resp.bytes());
  ASSERT_EQ(sa->attr_offset, 9);
  // 56 + 2 * 72 = 200 bytes: padded to one 256-byte MAD, records then zeros.
  ASSERT_EQ(resp.size(), kMadSize);
  EXPECT_EQ(resp.bytes()[kSaDataOffset + 2 * kPortInfoRecordStride], std::byte{0});
  auto first = DecodePortInfoRecord(resp.sa_data());
  auto second = DecodePortInfoRecord(resp.sa_data().subspan(kPortInfoRecordStride));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->endport_lid, 2);
  EXPECT_EQ(second->endport_lid, 3);
  EXPECT_EQ(first->subnet_prefix, 0xfe80000000000000ull);
  EXPECT_EQ(first->port_state, kPortStateActive);

  // Without the match modifier the mask must be equal: only "other".
  resp = Ask(kMethodGetTable, kAttrPortInfoRecord, 0, kPirCompCapabilityMask,
             EncodePortInfoRecord(want));
  ASSERT_EQ(resp.size(), kMadSize);  // 56 + 72 fits in one MAD
  EXPECT_EQ(DecodePortInfoRecord(resp.sa_data())->endport_lid, 3);
  EXPECT_EQ(resp.bytes()[kSaDataOffset + kPortInfoRecordStride], std::byte{0});
}

TEST_F(SoftSaTest, PortInfoRecordGetByLid) {
  PortInfoRecord want;
  want.endport_lid = 1;
  Mad resp =
      Ask(kMethodGet, kAttrPortInfoRecord, 0, kPirCompEndportLid, EncodePortInfoRecord(want));
  EXPECT_EQ(resp.status(), kStatusOk);
  EXPECT_EQ(DecodePortInfoRecord(resp.sa_data())->capability_mask, 0x02u);
  // GET matching several ports is an error, matching none "no records".
  resp = Ask(kMethodGet, kAttrPortInfoRecord, 0, 0, EncodePortInfoRecord(want));
  EXPECT_EQ(resp.status(), kSaStatusTooManyRecords);
  want.endport_lid = 9;
  resp = Ask(kMethodGet, kAttrPortInfoRecord, 0, kPirCompEndportLid, EncodePortInfoRecord(want));
  EXPECT_EQ(resp.status(), kSaStatusNoRecords);
}

TEST_F(SoftSaTest, NodeRecordByLid) {
  NodeRecord want;
  want.lid = 2;
  Mad resp = Ask(kMethodGet, kAttrNodeRecord, 0, kNrCompLid, *EncodeNodeRecord(want));
  EXPECT_EQ(resp.status(), kStatusOk);
  EXPECT_EQ(DecodeSaHeader(resp.bytes())->attr_offset, 14);
  auto node = DecodeNodeRecord(resp.sa_data());
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->lid, 2);
  EXPECT_EQ(node->node_guid, 0x1004u);
  EXPECT_EQ(node->port_guid, 0x1005u);
  EXPECT_EQ(node->node_type, kNodeTypeCa);
  EXPECT_EQ(node->num_ports, 1);
  EXPECT_EQ(node->description, "target");
  // GetTable with comp mask 0 lists every node.
  resp = Ask(kMethodGetTable, kAttrNodeRecord, 0, 0, *EncodeNodeRecord(want));
  EXPECT_EQ(resp.size(), kSaDataOffset + 3 * kNodeRecordStride);
}

TEST_F(SoftSaTest, PathRecordSharedAndUnsharedPkey) {
  PathRecord want;
  want.slid = 1;
  want.dlid = 2;
  want.pkey = 0xffff;
  const uint64_t comp = kPrCompSlid | kPrCompDlid | kPrCompPkey;
  Mad resp = Ask(kMethodGet, kAttrPathRecord, 0, comp, EncodePathRecord(want));
  EXPECT_EQ(resp.status(), kStatusOk);
  auto path = DecodePathRecord(resp.sa_data());
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->pkey, 0xffff);
  EXPECT_EQ(path->slid, 1);
  EXPECT_EQ(path->dlid, 2);
  EXPECT_EQ(path->sgid, ports_[0].gid);
  EXPECT_EQ(path->dgid, ports_[1].gid);

  want.pkey = 0x8001;  // host has it, target does not
  resp = Ask(kMethodGet, kAttrPathRecord, 0, comp, EncodePathRecord(want));
  EXPECT_EQ(resp.status(), kSaStatusNoRecords);
  // Host -> other shares nothing at all.
  want.dlid = 3;
  resp = Ask(kMethodGet, kAttrPathRecord, 0, kPrCompSlid | kPrCompDlid, EncodePathRecord(want));
  EXPECT_EQ(resp.status(), kSaStatusNoRecords);
  // By GIDs instead of LIDs.
  want.sgid = ports_[1].gid;
  want.dgid = ports_[0].gid;
  resp = Ask(kMethodGet, kAttrPathRecord, 0, kPrCompSgid | kPrCompDgid, EncodePathRecord(want));
  EXPECT_EQ(resp.status(), kStatusOk);
  EXPECT_EQ(DecodePathRecord(resp.sa_data())->dlid, 1);
  // Missing the destination.
  resp = Ask(kMethodGet, kAttrPathRecord, 0, kPrCompSlid, EncodePathRecord(want));
  EXPECT_EQ(resp.status(), kSaStatusInsufficientComponents);
}

TEST_F(SoftSaTest, UnsupportedQueries) {
  EXPECT_EQ(Ask(kMethodGet, 0x0038, 0, 0, {}).status(), kStatusUnsupportedMethodAttr);
  EXPECT_EQ(Ask(kMethodSet, kAttrPortInfoRecord, 0, 0, {}).status(), kStatusUnsupportedMethodAttr);
  EXPECT_EQ(Ask(0x14, kAttrNodeRecord, 0, 0, {}).status(), kStatusUnsupportedMethod);
  Mad dm = MakeDmRequest(kMethodGet, kAttrIoUnitInfo, 0, 1);
  EXPECT_EQ(AnswerSaQuery(ports_, dm).status(), kStatusUnsupportedMethod);
}

}  // namespace
}  // namespace srp::mad
