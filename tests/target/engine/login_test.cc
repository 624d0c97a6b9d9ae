// DecideLogin: every reject reason, multichannel handling, IMMED_SUPP, LOGIN_RSP fields.
#include <gtest/gtest.h>

#include "target/engine/login_decision.h"

namespace srp::target {
namespace {

using wire::LoginRejectReason;
using wire::LoginTransport;

constexpr uint64_t kGuid = 0x0002c90300a0b0c0ull;

wire::LoginRequest GoodRequest() {
  wire::LoginRequest r;
  r.tag = 0x42;
  r.req_it_iu_len = 2116;
  r.req_buf_fmt = wire::kBufFmtDirect | wire::kBufFmtIndirect;
  r.initiator_port_id = wire::MakeInitiatorPortId(0, 0x1111, wire::IoClass::kSrpRev16a);
  r.target_port_id = wire::MakeTargetPortId(kGuid, kGuid, wire::IoClass::kSrpRev16a);
  return r;
}

LoginContext Context() {
  LoginContext c;
  c.policy.max_it_iu_len = 2116;
  c.policy.id_ext = kGuid;
  c.policy.ioc_guid = kGuid;
  c.ring_size = 64;
  return c;
}

LoginDecision Decide(const wire::LoginRequest& r, LoginContext c = Context()) {
  return DecideLogin(wire::EncodeLoginRequest(r), c);
}

TEST(LoginDecisionTest, AcceptFillsTheLoginResponse) {
  auto d = Decide(GoodRequest());
  ASSERT_TRUE(d.accepted) << d.reason_text;
  EXPECT_EQ(d.response.req_lim_delta, 64u);
  EXPECT_EQ(d.response.tag, 0x42u);
  EXPECT_EQ(d.response.max_it_iu_len, 2116u);
  EXPECT_EQ(d.response.max_ti_iu_len, 2116u);
  EXPECT_EQ(d.response.buf_fmt, 0x0006);
  EXPECT_EQ(d.response.rsp_flags, wire::kRspFlagNoChan);
  EXPECT_FALSE(d.terminate_existing);
  auto rsp = wire::DecodeLoginResponse(d.EncodePrivateData());
  ASSERT_TRUE(rsp.ok());
  EXPECT_EQ(*rsp, d.response);
}

TEST(LoginDecisionTest, ShortOrUndecodablePrivateDataCannotEstablish) {
  auto pd = wire::EncodeLoginRequest(GoodRequest());
  pd.resize(63);
  EXPECT_EQ(DecideLogin(pd, Context()).reject.reason, LoginRejectReason::kUnableEstablishChannel);
  auto bad = wire::EncodeLoginRequest(GoodRequest());
  bad[0] = std::byte{0x02};
  EXPECT_EQ(DecideLogin(bad, Context()).reject.reason, LoginRejectReason::kUnableEstablishChannel);
  EXPECT_EQ(DecideLogin({}, Context()).reject.reason, LoginRejectReason::kUnableEstablishChannel);
  auto rej = wire::DecodeLoginReject(DecideLogin(pd, Context()).EncodePrivateData());
  ASSERT_TRUE(rej.ok());
  EXPECT_EQ(rej->buf_fmt, 0x0006);
}

TEST(LoginDecisionTest, RdmaCmFormIsDecodedWithItsLayout) {
  LoginContext c = Context();
  c.transport = LoginTransport::kRdmaCm;
  auto pd = wire::EncodeLoginRequestRdma(GoodRequest());
  EXPECT_TRUE(DecideLogin(pd, c).accepted);
  pd.resize(55);
  EXPECT_EQ(DecideLogin(pd, c).reject.reason, LoginRejectReason::kUnableEstablishChannel);
  // The 64-byte form on the RDMA CM listener has its opcode in the wrong place.
  EXPECT_FALSE(DecideLogin(wire::EncodeLoginRequest(GoodRequest()), c).accepted);
}

TEST(LoginDecisionTest, IuLengthOutOfRange) {
  for (uint32_t len : {0u, 63u, 2117u, 8260u}) {
    auto r = GoodRequest();
    r.req_it_iu_len = len;
    EXPECT_EQ(Decide(r).reject.reason, LoginRejectReason::kReqItIuLengthTooLarge) << len;
  }
  auto r = GoodRequest();
  r.req_it_iu_len = 64;
  EXPECT_TRUE(Decide(r).accepted);
}

TEST(LoginDecisionTest, WrongTargetPortIdCannotAssociate) {
  auto r = GoodRequest();
  r.target_port_id = wire::MakeTargetPortId(kGuid, kGuid + 1, wire::IoClass::kSrpRev16a);
  EXPECT_EQ(Decide(r).reject.reason, LoginRejectReason::kUnableAssociateChannel);
  r.target_port_id = wire::MakeTargetPortId(kGuid + 1, kGuid, wire::IoClass::kSrpRev16a);
  EXPECT_EQ(Decide(r).reject.reason, LoginRejectReason::kUnableAssociateChannel);
}

TEST(LoginDecisionTest, ReservedMultichannelActionCannotEstablish) {
  for (uint8_t action : {2, 3}) {
    auto r = GoodRequest();
    r.req_flags = action;
    EXPECT_EQ(Decide(r).reject.reason, LoginRejectReason::kUnableEstablishChannel);
  }
}

TEST(LoginDecisionTest, NoSupportedBufferFormat) {
  auto r = GoodRequest();
  r.req_buf_fmt = 0;
  EXPECT_EQ(Decide(r).reject.reason, LoginRejectReason::kUnsupportedDescriptorFmt);
}

TEST(LoginDecisionTest, ResourcesExhausted) {
  LoginContext c = Context();
  c.total_channels = 4;
  c.max_channels = 4;
  EXPECT_EQ(Decide(GoodRequest(), c).reject.reason, LoginRejectReason::kInsufficientResources);
  c = Context();
  c.accepting = false;
  EXPECT_EQ(Decide(GoodRequest(), c).reject.reason, LoginRejectReason::kInsufficientResources);
}

TEST(LoginDecisionTest, SingleTerminatesAndMultiMaintains) {
  LoginContext c = Context();
  c.nexus_channels = 2;
  auto d = Decide(GoodRequest(), c);
  ASSERT_TRUE(d.accepted);
  EXPECT_TRUE(d.terminate_existing);
  EXPECT_EQ(d.response.rsp_flags, wire::kRspFlagMultiChanTerminated);
  auto r = GoodRequest();
  r.req_flags = wire::kMultiChanMulti;
  d = Decide(r, c);
  ASSERT_TRUE(d.accepted);
  EXPECT_FALSE(d.terminate_existing);
  EXPECT_EQ(d.response.rsp_flags, wire::kRspFlagMultiChanMaintained);
}

TEST(LoginDecisionTest, DisabledTargetRefuses) {
  LoginContext c = Context();
  c.target_enabled = false;
  auto d = Decide(GoodRequest(), c);
  EXPECT_EQ(d.reject.reason, LoginRejectReason::kInsufficientResources);
  EXPECT_EQ(d.reason_text, "target disabled (enabled 0)");
}

// A login naming an existing session is judged on its own identity: resolving to another
// group than the session's means it cannot join, and a SINGLE one never ends the session.
TEST(LoginDecisionTest, LoginResolvingToAnotherGroupCannotJoinOrTakeOver) {
  LoginContext c = Context();
  c.nexus_channels = 2;
  c.session_group = "hostA";
  c.login_group = "";  // the forger matches no INITIATOR line: default LUNs
  for (uint8_t action : {wire::kMultiChanSingle, wire::kMultiChanMulti}) {
    auto r = GoodRequest();
    r.req_flags = action;
    auto d = Decide(r, c);
    EXPECT_FALSE(d.accepted);
    EXPECT_FALSE(d.terminate_existing);
    EXPECT_EQ(d.reject.reason, LoginRejectReason::kUnableAssociateChannel);
    EXPECT_EQ(d.reason_text,
              "the initiator resolves to the default LUN set but the session it names is in "
              "group hostA");
  }
  c.login_group = "hostA";
  auto d = Decide(GoodRequest(), c);
  ASSERT_TRUE(d.accepted);
  EXPECT_TRUE(d.terminate_existing);
  c.session_group = "";  // default session, grouped login
  c.login_group = "hostB";
  EXPECT_EQ(Decide(GoodRequest(), c).reject.reason, LoginRejectReason::kUnableAssociateChannel);
}

TEST(LoginDecisionTest, PerInitiatorChannelLimit) {
  LoginContext c = Context();
  c.max_channels_per_initiator = 8;
  c.initiator_channels = 8;
  auto multi = GoodRequest();
  multi.req_flags = wire::kMultiChanMulti;
  auto d = Decide(multi, c);
  EXPECT_EQ(d.reject.reason, LoginRejectReason::kChannelLimitReached);
  EXPECT_EQ(d.reason_text, "initiator channel limit 8 reached");
  c.initiator_channels = 7;
  EXPECT_TRUE(Decide(multi, c).accepted);
  // A SINGLE login ends its nexus' channels: those do not count against it.
  c.initiator_channels = 8;
  c.initiator_nexus_channels = 3;
  c.nexus_channels = 3;
  EXPECT_TRUE(Decide(GoodRequest(), c).accepted);
  EXPECT_EQ(Decide(multi, c).reject.reason, LoginRejectReason::kChannelLimitReached);
  // Other initiators' channels count only against the target-wide limit.
  c = Context();
  c.total_channels = 100;
  EXPECT_TRUE(Decide(multi, c).accepted);
}

TEST(LoginDecisionTest, ImmediateDataWhenRequestedAndAcceptable) {
  auto r = GoodRequest();
  r.req_flags = wire::kReqFlagImmedRequested;
  r.imm_data_offset = 68;
  auto d = Decide(r);
  ASSERT_TRUE(d.accepted);
  EXPECT_TRUE(d.immediate_data);
  EXPECT_EQ(d.response.rsp_flags & wire::kRspFlagImmedSupported, wire::kRspFlagImmedSupported);
  r.imm_data_offset = 20;  // inside the SRP_CMD header
  d = Decide(r);
  ASSERT_TRUE(d.accepted);
  EXPECT_FALSE(d.immediate_data);
  EXPECT_EQ(d.response.rsp_flags & wire::kRspFlagImmedSupported, 0);
  r.imm_data_offset = 68;
  LoginContext c = Context();
  c.immediate_data = false;
  EXPECT_FALSE(Decide(r, c).immediate_data);
  r.req_flags = 0;
  EXPECT_FALSE(Decide(r).immediate_data);
}

}  // namespace
}  // namespace srp::target
