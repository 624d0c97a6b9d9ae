// The umad MadPort against a mock of libibumad: open/registration, exact bytes
// and addresses handed to umad_send, receive translation, TID restoration,
// timeouts and errors.
#include "lib/mad/umad/umad_mad_port.h"

#include <endian.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "lib/mad/mad.h"
#include "tests/mad/mock_umad_api.h"

namespace srp::mad::umad {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::Invoke;
using testing::MockUmadApi;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::StrEq;
using namespace std::chrono_literals;

constexpr int kPortId = 7;
constexpr int kSaAgent = 3;
constexpr int kDmAgent = 4;
uint16_t g_pkeys[] = {0xffff, 0x0000, 0x8001};

// A fake mlx5_0 port 1: LID 0x12, SM LID 0x1, cap mask with bit 19.
int FakeGetPort(const char* /*ca*/, int /*port*/, umad_port_t* p) {
  std::memset(p, 0, sizeof(*p));
  std::strcpy(p->ca_name, "mlx5_0");
  p->portnum = 1;
  p->base_lid = 0x12;
  p->sm_lid = 0x1;
  p->capmask = htobe32(0x00080000 | 0x2);
  p->gid_prefix = htobe64(0xfe80000000000000ull);
  p->port_guid = htobe64(0x0002c903000f1367ull);
  p->pkeys_size = 3;
  p->pkeys = g_pkeys;
  std::strcpy(p->link_layer, "InfiniBand");
  return 0;
}

int FakeGetCa(const char* /*ca*/, umad_ca_t* ca) {
  std::memset(ca, 0, sizeof(*ca));
  ca->node_guid = htobe64(0x0002c903000f1366ull);
  return 0;
}

class UmadPortTest : public ::testing::Test {
 protected:
  void ExpectOpen(bool serve_dm) {
    EXPECT_CALL(api_, Init()).WillOnce(Return(0));
    EXPECT_CALL(api_, GetPort(StrEq("mlx5_0"), 1, _)).WillOnce(Invoke(FakeGetPort));
    EXPECT_CALL(api_, GetCa(StrEq("mlx5_0"), _)).WillOnce(Invoke(FakeGetCa));
    EXPECT_CALL(api_, OpenPort(StrEq("mlx5_0"), 1)).WillOnce(Return(kPortId));
    EXPECT_CALL(api_, Register(kPortId, kClassSa, 2, 1, nullptr)).WillOnce(Return(kSaAgent));
    if (serve_dm) {
      EXPECT_CALL(api_, Register(kPortId, kClassDm, 1, 0, _))
          .WillOnce(Invoke([](int, int, int, uint8_t, long* mask) {
            EXPECT_NE(mask, nullptr);
            if (mask != nullptr) {
              EXPECT_EQ(mask[0], (1L << 1) | (1L << 2));  // GET | SET
            }
            return kDmAgent;
          }));
    } else {
      EXPECT_CALL(api_, Register(kPortId, kClassDm, 1, 0, nullptr)).WillOnce(Return(kDmAgent));
    }
  }
  std::unique_ptr<MadPort> Open(bool serve_dm = false) {
    ExpectOpen(serve_dm);
    UmadPortOptions o;
    o.serve_dm = serve_dm;
    o.request_timeout = 1234ms;
    auto p = OpenUmadMadPort(api_, "mlx5_0", 1, o);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_CALL(api_, Unregister(kPortId, kDmAgent)).WillOnce(Return(0));
    EXPECT_CALL(api_, Unregister(kPortId, kSaAgent)).WillOnce(Return(0));
    EXPECT_CALL(api_, ClosePort(kPortId)).WillOnce(Return(0));
    return p.ok() ? std::move(p).value() : nullptr;
  }

  static Mad DmGet(uint64_t tid, uint16_t attr, uint32_t mod) {
    MadHeader h;
    h.mgmt_class = kClassDm;
    h.class_version = kDmClassVersion;
    h.method = kMethodGet;
    h.tid = tid;
    h.attr_id = attr;
    h.attr_mod = mod;
    return Mad(h);
  }

  // A Recv action delivering `mad` from `lid` (status 0).
  static auto Deliver(const Mad& mad, uint16_t lid, uint32_t status = 0) {
    std::vector<std::byte> bytes(mad.bytes().begin(), mad.bytes().end());
    return [bytes, lid, status](int, void* buf, int* length, int) {
      if (*length < static_cast<int>(bytes.size())) {
        *length = static_cast<int>(bytes.size());
        return -ENOSPC;
      }
      auto* u = static_cast<ib_user_mad*>(buf);
      std::memset(u, 0, sizeof(*u));
      u->agent_id = kDmAgent;
      u->status = status;
      u->addr.lid = htobe16(lid);
      u->addr.qpn = htobe32(1);
      u->addr.qkey = htobe32(0x80010000);
      u->addr.pkey_index = 2;
      u->addr.sl = 3;
      std::memcpy(reinterpret_cast<std::byte*>(buf) + sizeof(ib_user_mad), bytes.data(),
                  bytes.size());
      *length = static_cast<int>(bytes.size());
      return static_cast<int>(u->agent_id);
    };
  }

  NiceMock<MockUmadApi> api_;
};

TEST_F(UmadPortTest, OpenReportsTheLocalPort) {
  auto port = Open();
  ASSERT_NE(port, nullptr);
  const auto local = port->local_port();
  EXPECT_EQ(local.name, "mlx5_0");
  EXPECT_EQ(local.lid, 0x12);
  EXPECT_EQ(local.sm_lid, 0x1);
  EXPECT_EQ(port->sm_lid(), 0x1);
  EXPECT_EQ(local.capability_mask, 0x00080002u);
  EXPECT_EQ(local.port_guid, 0x0002c903000f1367ull);
  EXPECT_EQ(local.node_guid, 0x0002c903000f1366ull);
  EXPECT_EQ(local.gid, Gid::FromParts(0xfe80000000000000ull, 0x0002c903000f1367ull));
  EXPECT_EQ(local.pkeys, (std::vector<uint16_t>{0xffff, 0x8001}));  // zero entries dropped
}

TEST_F(UmadPortTest, SendPassesExactBytesAddressAgentAndTimeout) {
  auto port = Open();
  ASSERT_NE(port, nullptr);
  const Mad req = DmGet(0x1122334455667788ull, kAttrIoControllerProfile, 1);
  MadAddress to;
  to.lid = 0x2a;
  to.pkey_index = 2;
  to.sl = 1;
  EXPECT_CALL(api_, Send(kPortId, kDmAgent, _, 256, 1234, 0))
      .WillOnce(Invoke([&](int, int, void* buf, int, int, int) {
        auto* u = static_cast<ib_user_mad*>(buf);
        EXPECT_EQ(be16toh(u->addr.lid), 0x2a);
        EXPECT_EQ(be32toh(u->addr.qpn), 1u);
        EXPECT_EQ(be32toh(u->addr.qkey), 0x80010000u);
        EXPECT_EQ(u->addr.pkey_index, 2);
        EXPECT_EQ(u->addr.sl, 1);
        EXPECT_EQ(u->addr.grh_present, 0);
        EXPECT_EQ(std::memcmp(static_cast<std::byte*>(buf) + sizeof(ib_user_mad),
                              req.bytes().data(), 256),
                  0);
        return 0;
      }));
  EXPECT_TRUE(port->Send(to, req.wire()).ok());
}

TEST_F(UmadPortTest, SaMadsGoThroughTheSaAgentAndResponsesWithoutTimeout) {
  auto port = Open();
  ASSERT_NE(port, nullptr);
  MadHeader h;
  h.mgmt_class = kClassSa;
  h.class_version = kSaClassVersion;
  h.method = kMethodGet;
  h.tid = 9;
  EXPECT_CALL(api_, Send(kPortId, kSaAgent, _, 256, 1234, 0)).WillOnce(Return(0));
  EXPECT_TRUE(port->Send(MadAddress{.lid = 1}, Mad(h).wire()).ok());
  // A response (GetResp) is sent with kernel timeout 0: nothing to wait for.
  const Mad resp = MakeResponse(DmGet(5, kAttrIoUnitInfo, 0), 0);
  EXPECT_CALL(api_, Send(kPortId, kDmAgent, _, 256, 0, 0)).WillOnce(Return(0));
  EXPECT_TRUE(port->Send(MadAddress{.lid = 1}, resp.wire()).ok());
}

TEST_F(UmadPortTest, SendRejectsAnUnregisteredClassAndReportsErrors) {
  auto port = Open();
  ASSERT_NE(port, nullptr);
  MadHeader h;
  h.mgmt_class = 0x04;  // PerfMgt: no agent
  h.class_version = 1;
  h.method = kMethodGet;
  Status st = port->Send(MadAddress{.lid = 1}, Mad(h).wire());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_CALL(api_, Send(_, _, _, _, _, _)).WillOnce(Return(-EIO));
  st = port->Send(MadAddress{.lid = 1}, DmGet(1, kAttrIoUnitInfo, 0).wire());
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_EQ(st.sys_errno(), EIO);
}

TEST_F(UmadPortTest, ReceiveTranslatesTheAddress) {
  auto port = Open(/*serve_dm=*/true);
  ASSERT_NE(port, nullptr);
  const Mad req = DmGet(0xabcdef, kAttrIoUnitInfo, 0);
  EXPECT_CALL(api_, Recv(kPortId, _, _, _)).WillOnce(Invoke(Deliver(req, 0x33)));
  auto got = port->Receive(100ms);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->from.lid, 0x33);
  EXPECT_EQ(got->from.qpn, 1u);
  EXPECT_EQ(got->from.qkey, 0x80010000u);
  EXPECT_EQ(got->from.pkey_index, 2);
  EXPECT_EQ(got->from.sl, 3);
  EXPECT_TRUE(std::equal(req.bytes().begin(), req.bytes().end(), got->mad.bytes().begin()));
}

TEST_F(UmadPortTest, RequestMatchesTheResponseWhoseTidTheKernelRewrote) {
  auto port = Open();
  ASSERT_NE(port, nullptr);
  const uint64_t tid = 0x0000000112345678ull;
  const Mad req = DmGet(tid, kAttrIoUnitInfo, 0);
  // The kernel puts its agent id (here 0x99) into the upper 32 bits of the TID.
  Mad stale = MakeResponse(DmGet(0x0000009900000001ull, kAttrIoUnitInfo, 0), 0);
  Mad answer = MakeResponse(DmGet(0x0000009912345678ull, kAttrIoUnitInfo, 0), 0);
  EXPECT_CALL(api_, Send(kPortId, kDmAgent, _, 256, 1234, 0)).WillOnce(Return(0));
  EXPECT_CALL(api_, Recv(kPortId, _, _, _))
      .WillOnce(Invoke(Deliver(stale, 5)))
      .WillOnce(Invoke(Deliver(answer, 5)));
  auto got = port->Request(MadAddress{.lid = 5}, req, 200ms, 0);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->tid(), tid);
  EXPECT_TRUE(got->is_response());
}

TEST_F(UmadPortTest, RequestRetriesAfterTimeoutsAndDropsReturnedSends) {
  auto port = Open();
  ASSERT_NE(port, nullptr);
  const Mad req = DmGet(0x77, kAttrIoUnitInfo, 0);
  EXPECT_CALL(api_, Send(kPortId, kDmAgent, _, 256, 1234, 0)).Times(3).WillRepeatedly(Return(0));
  // A send the kernel timed out comes back with status ETIMEDOUT: not an answer.
  EXPECT_CALL(api_, Recv(kPortId, _, _, _))
      .WillOnce(Invoke(Deliver(req, 5, ETIMEDOUT)))
      .WillRepeatedly(Return(-ETIMEDOUT));
  auto got = port->Request(MadAddress{.lid = 5}, req, 20ms, 2);
  EXPECT_EQ(got.status().code(), StatusCode::kTimedOut);
}

TEST_F(UmadPortTest, ReceiveGrowsItsBufferForReassembledAnswers) {
  auto port = Open();
  ASSERT_NE(port, nullptr);
  std::vector<std::byte> big(256 + 3 * 64);
  MadHeader h;
  h.mgmt_class = kClassSa;
  h.class_version = kSaClassVersion;
  h.method = kMethodGetTableResp;
  h.tid = 0x42;
  EncodeMadHeader(h, big);
  big.back() = std::byte{0x5a};
  auto mad = Mad::FromBytes(big);
  ASSERT_TRUE(mad.ok());
  EXPECT_CALL(api_, Recv(kPortId, _, _, _)).Times(2).WillRepeatedly(Invoke(Deliver(*mad, 1)));
  auto got = port->Receive(100ms);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->mad.bytes().size(), big.size());
  EXPECT_EQ(got->mad.bytes().back(), std::byte{0x5a});
}

TEST_F(UmadPortTest, ReceiveErrors) {
  auto port = Open();
  ASSERT_NE(port, nullptr);
  EXPECT_CALL(api_, Recv(kPortId, _, _, _)).WillOnce(Return(-ETIMEDOUT)).WillOnce(Return(-EBADF));
  EXPECT_EQ(port->Receive(10ms).status().code(), StatusCode::kTimedOut);
  auto bad = port->Receive(10ms);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().sys_errno(), EBADF);
}

TEST(UmadOpenTest, FailuresCloseWhatWasOpened) {
  NiceMock<MockUmadApi> api;
  EXPECT_CALL(api, Init()).WillOnce(Return(0));
  EXPECT_CALL(api, GetPort(_, _, _)).WillOnce(Invoke(FakeGetPort));
  EXPECT_CALL(api, OpenPort(_, _)).WillOnce(Return(kPortId));
  EXPECT_CALL(api, Register(kPortId, kClassSa, 2, 1, nullptr)).WillOnce(Return(kSaAgent));
  // ib_srpt owns the DM class: registering it for requests fails.
  EXPECT_CALL(api, Register(kPortId, kClassDm, 1, 0, _)).WillOnce(Return(-EINVAL));
  EXPECT_CALL(api, Unregister(kPortId, kSaAgent)).WillOnce(Return(0));
  EXPECT_CALL(api, ClosePort(kPortId)).WillOnce(Return(0));
  UmadPortOptions o;
  o.serve_dm = true;
  auto p = OpenUmadMadPort(api, "mlx5_0", 1, o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("ib_srpt"), std::string::npos) << p.status().message();
}

TEST(UmadOpenTest, NoDeviceAndEthernetPortsAreErrors) {
  NiceMock<MockUmadApi> api;
  EXPECT_CALL(api, Init()).WillRepeatedly(Return(0));
  EXPECT_CALL(api, GetPort(_, _, _))
      .WillOnce(Return(-ENODEV))
      .WillOnce(Invoke([](const char* ca, int port, umad_port_t* p) {
        FakeGetPort(ca, port, p);
        std::strcpy(p->link_layer, "Ethernet");
        return 0;
      }));
  EXPECT_CALL(api, OpenPort(_, _)).Times(0);
  auto none = OpenUmadMadPort(api, "", 0);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().sys_errno(), ENODEV);
  auto eth = OpenUmadMadPort(api, "mlx5_0", 1);
  ASSERT_FALSE(eth.ok());
  EXPECT_EQ(eth.status().code(), StatusCode::kNotSupported);
}

}  // namespace
}  // namespace srp::mad::umad
