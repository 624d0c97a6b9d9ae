#include "initiator_tools/initiator/login.h"

#include <gtest/gtest.h>

#include "initiator_tools/initiator/session_options.h"
#include "lib/common/endian.h"
#include "lib/srp/login.h"

namespace srp::initiator {
namespace {

constexpr const char* kIbTarget =
    "id_ext=0002c90300a0b1c2,ioc_guid=0002c90300a0b1c3,dgid=fe800000000000000002c90300a0b1c4,"
    "pkey=ffff,service_id=00000000013f0001";

TEST(ReqItIuLen, FollowsIbSrpFormula) {
  SessionOptions o;
  EXPECT_EQ(ComputeReqItIuLen(o), 68u + 8192u);  // 8260, immediate data dominates
  o.use_imm_data = false;
  EXPECT_EQ(ComputeReqItIuLen(o), 48u + 16 + 20 + 16 * 12);  // 276
  o.cmd_sg_entries = 255;
  EXPECT_EQ(ComputeReqItIuLen(o), 48u + 16 + 20 + 16 * 255);
  o.use_imm_data = true;
  o.max_it_iu_size = 1024;
  EXPECT_EQ(ComputeReqItIuLen(o), 1024u);
}

TEST(OptionsFromTargetString, IbForm) {
  auto o = OptionsFromTargetString(
      std::string(kIbTarget) +
      ",io_class=ff00,initiator_ext=11,queue_size=30,max_it_iu_size=2000,cmd_sg_entries=4");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->destination.kind, fabric::Address::Kind::kIb);
  EXPECT_EQ(o->destination.service_id, 0x13f0001u);
  EXPECT_EQ(o->destination.pkey, 0xffff);
  EXPECT_EQ(o->io_class, wire::IoClass::kSrpRev10);
  EXPECT_EQ(o->initiator_ext, 0x11u);
  EXPECT_EQ(o->queue_size, 30u);
  EXPECT_EQ(o->max_it_iu_size, 2000u);
  EXPECT_EQ(o->cmd_sg_entries, 4u);
  EXPECT_EQ(ComputeReqItIuLen(*o), 2000u);
}

TEST(OptionsFromTargetString, RdmaCmForms) {
  auto v4 = OptionsFromTargetString("id_ext=1,ioc_guid=2,dest=127.0.0.1:5000");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4->uses_rdma_cm());
  EXPECT_EQ(v4->destination.host, "127.0.0.1");
  EXPECT_EQ(v4->destination.port, 5000);
  auto v6 = OptionsFromTargetString("id_ext=1,ioc_guid=2,dest=[fe80::1%lo]:5001");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->destination.host, "fe80::1%lo");
  EXPECT_EQ(v6->destination.port, 5001);
}

TEST(OptionsFromTargetString, BadStringsFail) {
  EXPECT_FALSE(OptionsFromTargetString("id_ext=1,ioc_guid=2").ok());
  EXPECT_FALSE(OptionsFromTargetString("id_ext=1,ioc_guid=2,dest=1.2.3.4").ok());
  EXPECT_FALSE(OptionsFromTargetString("bogus=1").ok());
  auto bad_class = OptionsFromTargetString(std::string(kIbTarget) + ",io_class=1234");
  EXPECT_FALSE(bad_class.ok());
}

TEST(LoginRequest, IbFormBytes) {
  auto o = OptionsFromTargetString(std::string(kIbTarget) + ",initiator_ext=0a");
  ASSERT_TRUE(o.ok());
  o->multichannel = wire::kMultiChanMulti;
  const uint64_t port_guid = 0x0011223344556677ull;
  auto req = BuildLoginRequest(*o, port_guid);
  auto pd = EncodeLoginPrivateData(*o, req);
  ASSERT_EQ(pd.size(), 64u);
  EXPECT_EQ(pd[0], std::byte{0x00});
  EXPECT_EQ(LoadBe32(pd, 16), 8260u);
  EXPECT_EQ(LoadBe16(pd, 24), 0x0006);
  EXPECT_EQ(static_cast<uint8_t>(pd[26]), 0x81);  // IMMED_REQUESTED | MULTI
  EXPECT_EQ(LoadBe16(pd, 28), 68);
  EXPECT_EQ(LoadBe64(pd, 32), 0x0au);  // initiator_ext || port GUID
  EXPECT_EQ(LoadBe64(pd, 40), port_guid);
  EXPECT_EQ(LoadBe64(pd, 48), 0x0002c90300a0b1c2u);  // id_ext || ioc_guid
  EXPECT_EQ(LoadBe64(pd, 56), 0x0002c90300a0b1c3u);
  auto decoded = wire::DecodeLoginRequest(pd);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, req);
}

TEST(LoginRequest, Rev10SwapsHalves) {
  auto o = OptionsFromTargetString(std::string(kIbTarget) + ",io_class=ff00,initiator_ext=5");
  ASSERT_TRUE(o.ok());
  auto pd = EncodeLoginPrivateData(*o, BuildLoginRequest(*o, 0x99));
  EXPECT_EQ(LoadBe64(pd, 32), 0x99u);
  EXPECT_EQ(LoadBe64(pd, 40), 0x5u);
  EXPECT_EQ(LoadBe64(pd, 48), 0x0002c90300a0b1c3u);
  EXPECT_EQ(LoadBe64(pd, 56), 0x0002c90300a0b1c2u);
}

TEST(LoginRequest, RdmaCmFormIs56Bytes) {
  auto o = OptionsFromTargetString("id_ext=1,ioc_guid=2,dest=127.0.0.1:5000");
  ASSERT_TRUE(o.ok());
  o->use_imm_data = false;
  auto req = BuildLoginRequest(*o, 0x77);
  auto pd = EncodeLoginPrivateData(*o, req);
  ASSERT_EQ(pd.size(), 56u);
  EXPECT_EQ(LoadBe16(pd, 8), 0x0006);
  EXPECT_EQ(static_cast<uint8_t>(pd[10]), 0x00);  // SINGLE, no immediate data
  EXPECT_EQ(pd[11], std::byte{0x00});             // opcode
  EXPECT_EQ(LoadBe32(pd, 12), 276u);
  EXPECT_EQ(LoadBe64(pd, 24), 0x77u);
  EXPECT_EQ(LoadBe64(pd, 32), 1u);
  EXPECT_EQ(LoadBe64(pd, 40), 2u);
  auto decoded = wire::DecodeLoginRequestRdma(pd);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, req);
}

TEST(LoginReply, ResponseNegotiates) {
  SessionOptions o;
  auto req = BuildLoginRequest(o, 1);
  wire::LoginResponse rsp{.req_lim_delta = 32,
                          .tag = 0,
                          .max_it_iu_len = 4096,
                          .max_ti_iu_len = 300,
                          .buf_fmt = 6,
                          .rsp_flags = wire::kRspFlagImmedSupported};
  auto n = InterpretLoginReply(req, false, wire::EncodeLoginResponse(rsp));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->req_lim, 32u);
  EXPECT_EQ(n->max_it_iu_len, 4096u);  // min(8260 requested, 4096 offered)
  EXPECT_EQ(n->max_ti_iu_len, 300u);
  EXPECT_TRUE(n->immediate_data);
  // Not offered -> never used; offered but not requested -> not used either.
  rsp.rsp_flags = 0;
  EXPECT_FALSE(InterpretLoginReply(req, false, wire::EncodeLoginResponse(rsp))->immediate_data);
  rsp.rsp_flags = wire::kRspFlagImmedSupported;
  o.use_imm_data = false;
  auto req2 = BuildLoginRequest(o, 1);
  EXPECT_FALSE(InterpretLoginReply(req2, false, wire::EncodeLoginResponse(rsp))->immediate_data);
}

TEST(LoginReply, RejectNamesTheReason) {
  auto req = BuildLoginRequest(SessionOptions{}, 1);
  wire::LoginReject rej{wire::LoginRejectReason::kReqItIuLengthTooLarge, 0, 6};
  auto n = InterpretLoginReply(req, true, wire::EncodeLoginReject(rej));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), StatusCode::kRejected);
  EXPECT_NE(n.status().message().find("REQ_IT_IU_LENGTH_TOO_LARGE"), std::string::npos)
      << n.status().message();
  auto empty = InterpretLoginReply(req, true, {});
  EXPECT_EQ(empty.status().code(), StatusCode::kRejected);
  // A garbled LOGIN_RSP is a protocol error; no credits is one too.
  EXPECT_EQ(InterpretLoginReply(req, false, {}).status().code(), StatusCode::kProtocolError);
  wire::LoginResponse zero{.req_lim_delta = 0, .max_it_iu_len = 100, .max_ti_iu_len = 100};
  EXPECT_FALSE(InterpretLoginReply(req, false, wire::EncodeLoginResponse(zero)).ok());
}

}  // namespace
}  // namespace srp::initiator
