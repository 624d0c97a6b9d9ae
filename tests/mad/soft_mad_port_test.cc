// The soft MAD port: routing between two published soft ports, TID matching,
// bounded timeouts, and the built-in SA over a live subnet directory.
#include "lib/mad/soft/soft_mad_port.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "lib/fabric/soft/soft_fabric.h"
#include "lib/fabric/soft/subnet_directory.h"
#include "lib/mad/dm_codec.h"
#include "lib/mad/sa_codec.h"

namespace srp::mad {
namespace {

using namespace std::chrono_literals;
using fabric::Fabric;

class SoftMadPortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/srp-mad-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fa_ = OpenFabric("hosta");
    fb_ = OpenFabric("targetb");
    ASSERT_TRUE(fa_ && fb_);
    ASSERT_TRUE(fabric::soft::SetCapabilityMask(*fb_, kPortCapDeviceManagement).ok());
    a_ = OpenMad("hosta");
    b_ = OpenMad("targetb");
    ASSERT_TRUE(a_ && b_);
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    fa_.reset();
    fb_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Fabric> OpenFabric(const std::string& name) {
    fabric::soft::SoftFabricOptions o;
    o.subnet_dir = dir_;
    o.port_name = name;
    auto f = fabric::soft::OpenSoftFabric(o);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(*f) : nullptr;
  }
  std::unique_ptr<MadPort> OpenMad(const std::string& name) {
    auto p = OpenSoftMadPort(dir_, name);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(*p) : nullptr;
  }
  MadAddress To(const MadPort& p) { return MadAddress{.lid = p.local_port().lid}; }

  std::string dir_;
  std::unique_ptr<Fabric> fa_, fb_;
  std::unique_ptr<MadPort> a_, b_;
};

TEST_F(SoftMadPortTest, LocalPortAndSocket) {
  EXPECT_EQ(a_->local_port().name, "hosta");
  EXPECT_EQ(a_->local_port().lid, fa_->port().lid);
  EXPECT_EQ(b_->local_port().capability_mask, kPortCapDeviceManagement);
  EXPECT_TRUE(std::filesystem::exists(SoftMadSocketPath(dir_, "hosta")));
  // sm_lid 0 in the directory: the built-in SA sits at the port's own LID.
  EXPECT_EQ(a_->sm_lid(), a_->local_port().lid);
  EXPECT_EQ(OpenSoftMadPort(dir_, "hosta").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(OpenSoftMadPort(dir_, "nosuchport").status().code(), StatusCode::kNotFound);
}

TEST_F(SoftMadPortTest, SendReceiveCarriesAddressAndTid) {
  Mad req = MakeDmRequest(kMethodGet, kAttrIoUnitInfo, 0, 0x1234567890ull);
  MadAddress to = To(*b_);
  ASSERT_TRUE(a_->Send(to, req.wire()).ok());
  auto got = b_->Receive(1000ms);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->from.lid, a_->local_port().lid);
  EXPECT_EQ(got->from.qpn, kGsiQpn);
  EXPECT_EQ(got->from.qkey, kGsiQkey);
  EXPECT_EQ(got->from.pkey_index, 0);
  EXPECT_EQ(got->mad.tid(), 0x1234567890ull);
  EXPECT_EQ(got->mad.header(), req.header());
  EXPECT_EQ(got->mad.size(), kMadSize);
}

TEST_F(SoftMadPortTest, SendRejectsNonGsiAndLidZero) {
  Mad req = MakeDmRequest(kMethodGet, kAttrIoUnitInfo, 0, 1);
  MadAddress to = To(*b_);
  to.qpn = 5;
  EXPECT_EQ(a_->Send(to, req.wire()).code(), StatusCode::kNotSupported);
  EXPECT_EQ(a_->Send(MadAddress{.lid = 0}, req.wire()).code(), StatusCode::kInvalidArgument);
}

TEST_F(SoftMadPortTest, RequestMatchesTidAndQueuesRequests) {
  const uint16_t a_lid = a_->local_port().lid;
  std::thread responder([&] {
    auto in = b_->Receive(2000ms);
    ASSERT_TRUE(in.ok());
    // A stale response (other TID), an unrelated request, then the answer.
    Mad stale = MakeResponse(in->mad, kStatusOk);
    MadHeader h = stale.header();
    h.tid = in->mad.tid() + 1;
    stale.set_header(h);
    EXPECT_TRUE(b_->Send(in->from, stale.wire()).ok());
    Mad unrelated = MakeDmRequest(kMethodGet, kAttrClassPortInfo, 0, 777);
    EXPECT_TRUE(b_->Send(in->from, unrelated.wire()).ok());
    Mad answer = MakeResponse(in->mad, kDmStatusNoIoc);
    answer.dm_data()[0] = std::byte{0x42};
    EXPECT_TRUE(b_->Send(MadAddress{.lid = a_lid}, answer.wire()).ok());
  });
  Mad req = MakeDmRequest(kMethodGet, kAttrIoControllerProfile, 3, 0xfeed);
  auto resp = a_->Request(To(*b_), req, 2000ms, 0);
  responder.join();
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->tid(), 0xfeedu);
  EXPECT_EQ(resp->method(), kMethodGetResp);
  EXPECT_EQ(resp->status(), kDmStatusNoIoc);  // a status is an answer, not an error
  EXPECT_EQ(resp->dm_data()[0], std::byte{0x42});
  // The unrelated request was kept for Receive(); the stale response was not.
  auto queued = a_->Receive(0ms);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->mad.tid(), 777u);
  EXPECT_FALSE(queued->mad.is_response());
  EXPECT_EQ(a_->Receive(50ms).status().code(), StatusCode::kTimedOut);
}

TEST_F(SoftMadPortTest, RequestTimesOutAfterBoundedRetries) {
  Mad req = MakeDmRequest(kMethodGet, kAttrIoUnitInfo, 0, 99);
  auto start = std::chrono::steady_clock::now();
  auto resp = a_->Request(To(*b_), req, 200ms, 2);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(resp.status().code(), StatusCode::kTimedOut);
  EXPECT_GE(elapsed, 550ms);
  EXPECT_LT(elapsed, 3000ms);
  // Every attempt reached the silent peer: three copies with the same TID.
  for (int i = 0; i < 3; ++i) {
    auto got = b_->Receive(100ms);
    ASSERT_TRUE(got.ok()) << i;
    EXPECT_EQ(got->mad.tid(), 99u);
  }
  EXPECT_EQ(b_->Receive(0ms).status().code(), StatusCode::kTimedOut);
}

TEST_F(SoftMadPortTest, MadToUnknownLidIsLost) {
  Mad req = MakeDmRequest(kMethodGet, kAttrIoUnitInfo, 0, 5);
  EXPECT_TRUE(a_->Send(MadAddress{.lid = 0x7777}, req.wire()).ok());
  EXPECT_EQ(a_->Request(MadAddress{.lid = 0x7777}, req, 100ms, 0).status().code(),
            StatusCode::kTimedOut);
}

// Publishes a port directly, with a chosen P_Key table (the soft fabric
// always has only 0xffff).
std::unique_ptr<fabric::soft::PortPublication> PublishWithPkeys(const std::string& dir,
                                                                const std::string& name,
                                                                uint64_t port_guid,
                                                                std::vector<uint16_t> pkeys) {
  fabric::soft::PortRecord rec;
  rec.name = name;
  rec.port_guid = port_guid;
  rec.node_guid = port_guid - 1;
  rec.gid = Gid::FromParts(rec.subnet_prefix, rec.port_guid);
  rec.pkeys = std::move(pkeys);
  rec.socket_path = dir + "/ports/" + name + ".sock";
  auto pub = fabric::soft::PortPublication::Publish(dir, rec);
  EXPECT_TRUE(pub.ok()) << pub.status().ToString();
  return pub.ok() ? std::move(*pub) : nullptr;
}

TEST_F(SoftMadPortTest, PkeyMustBeShared) {
  auto iso_pub = PublishWithPkeys(dir_, "isolated", 0x5352500000000abcull, {0x8002});
  auto dual_pub = PublishWithPkeys(dir_, "dual", 0x5352500000000abeull, {0x0002, 0xffff});
  ASSERT_TRUE(iso_pub && dual_pub);
  auto iso = OpenMad("isolated");
  auto dual = OpenMad("dual");
  ASSERT_TRUE(iso && dual);
  Mad req = MakeDmRequest(kMethodGet, kAttrIoUnitInfo, 0, 11);

  // 0xffff is not in the isolated port's table: a P_Key violation, the MAD is lost.
  ASSERT_TRUE(a_->Send(To(*iso), req.wire()).ok());
  EXPECT_EQ(iso->Receive(100ms).status().code(), StatusCode::kTimedOut);
  MadAddress bad_index = To(*iso);
  bad_index.pkey_index = 1;
  EXPECT_EQ(a_->Send(bad_index, req.wire()).code(), StatusCode::kInvalidArgument);

  // Full (0x8002) and limited (0x0002) members of one partition talk; the
  // receiver reports the index in its own table.
  ASSERT_TRUE(iso->Send(To(*dual), req.wire()).ok());
  auto got = dual->Receive(1000ms);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->from.pkey_index, 0);
  EXPECT_EQ(got->from.lid, iso->local_port().lid);
  MadAddress via_default = To(*a_);
  via_default.pkey_index = 1;  // dual's 0xffff
  ASSERT_TRUE(dual->Send(via_default, req.wire()).ok());
  got = a_->Receive(1000ms);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->from.pkey_index, 0);  // a's table is {0xffff}
  iso.reset();
  dual.reset();
}

TEST_F(SoftMadPortTest, SaPortInfoCapMaskMatchFindsOnlyDmPort) {
  const MadAddress sm{.lid = a_->sm_lid()};
  auto cpi_req = MakeSaRequest(kMethodGet, kAttrClassPortInfo, 0, 1, 0, {});
  auto cpi = a_->Request(sm, *cpi_req, 500ms, 0);
  ASSERT_TRUE(cpi.ok()) << cpi.status().ToString();
  EXPECT_TRUE(DecodeClassPortInfo(cpi->sa_data())->capability_mask & kSaCapPortInfoCapMaskMatch);

  PortInfoRecord want;
  want.capability_mask = kPortCapDeviceManagement;
  auto req = MakeSaRequest(kMethodGetTable, kAttrPortInfoRecord, kPortInfoCapMaskMatchAttrMod, 2,
                           kPirCompCapabilityMask, EncodePortInfoRecord(want));
  auto resp = a_->Request(sm, *req, 500ms, 0);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->method(), kMethodGetTableResp);
  EXPECT_EQ(resp->status(), kStatusOk);
  const size_t stride = DecodeSaHeader(resp->bytes())->attr_offset * 8u;
  ASSERT_EQ(stride, kPortInfoRecordStride);
  auto rec = DecodePortInfoRecord(resp->sa_data());
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->endport_lid, b_->local_port().lid);
  EXPECT_TRUE(rec->capability_mask & kPortCapDeviceManagement);
  // Exactly one record: the second slot is empty.
  EXPECT_EQ(DecodePortInfoRecord(resp->sa_data().subspan(stride))->endport_lid, 0);
}

TEST_F(SoftMadPortTest, SaNodeRecordAndPathRecord) {
  const MadAddress sm{.lid = a_->sm_lid()};
  NodeRecord node_want;
  node_want.lid = b_->local_port().lid;
  auto req =
      MakeSaRequest(kMethodGet, kAttrNodeRecord, 0, 3, kNrCompLid, *EncodeNodeRecord(node_want));
  auto resp = a_->Request(sm, *req, 500ms, 0);
  ASSERT_TRUE(resp.ok());
  auto node = DecodeNodeRecord(resp->sa_data());
  EXPECT_EQ(node->port_guid, fb_->port().port_guid);
  EXPECT_EQ(node->node_guid, fb_->port().node_guid);

  PathRecord path_want;
  path_want.slid = a_->local_port().lid;
  path_want.dlid = b_->local_port().lid;
  path_want.pkey = 0xffff;
  const uint64_t comp = kPrCompSlid | kPrCompDlid | kPrCompPkey;
  req = MakeSaRequest(kMethodGet, kAttrPathRecord, 0, 4, comp, EncodePathRecord(path_want));
  resp = a_->Request(sm, *req, 500ms, 0);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status(), kStatusOk);
  auto path = DecodePathRecord(resp->sa_data());
  EXPECT_EQ(path->pkey, 0xffff);
  EXPECT_EQ(path->dgid, fb_->port().gid);
  EXPECT_EQ(path->sgid, fa_->port().gid);

  path_want.pkey = 0x8005;  // nobody holds it
  req = MakeSaRequest(kMethodGet, kAttrPathRecord, 0, 5, comp, EncodePathRecord(path_want));
  resp = a_->Request(sm, *req, 500ms, 0);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status(), kSaStatusNoRecords);
}

}  // namespace
}  // namespace srp::mad
