// Login IUs (§1.2 .. §1.5), the RDMA CM 56-byte form (§1.3), port identifiers (§2.1) and
// the target's login checks ("Bad input": CM private data, req_it_iu_len, target_port_id,
// multichannel action bits).
#include "lib/srp/login.h"

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
using testing::SeqArray;
using testing::Zeros;

// §1.2: opcode 00, tag @8, req_it_iu_len @16, req_buf_fmt @24, req_flags @26,
// imm_data_offset @28, initiator_port_id @32, target_port_id @48.
const std::vector<std::byte> kLoginReqGolden = Cat({
    Bytes({0x00, 0, 0, 0, 0, 0, 0, 0}),
    Seq(0x01, 8),
    Bytes({0x00, 0x00, 0x20, 0x44}),
    Zeros(4),
    Bytes({0x00, 0x06, 0x81, 0x00}),
    Bytes({0x00, 0x44, 0x00, 0x00}),
    Seq(0x10, 16),
    Seq(0x20, 16),
});

// §1.3: tag @0, req_buf_fmt @8, req_flags @10, opcode @11, req_it_iu_len @12,
// initiator_port_id @16, target_port_id @32, imm_data_offset @48, reserved[6].
const std::vector<std::byte> kLoginReqRdmaGolden = Cat({
    Seq(0x01, 8),
    Bytes({0x00, 0x06, 0x81, 0x00}),
    Bytes({0x00, 0x00, 0x20, 0x44}),
    Seq(0x10, 16),
    Seq(0x20, 16),
    Bytes({0x00, 0x44}),
    Zeros(6),
});

LoginRequest LoginReqValue() {
  LoginRequest r;
  r.tag = 0x0102030405060708;
  r.req_it_iu_len = 8260;
  r.req_buf_fmt = kBufFmtDirect | kBufFmtIndirect;
  r.req_flags = kMultiChanMulti | kReqFlagImmedRequested;
  r.imm_data_offset = 68;
  r.initiator_port_id = SeqArray<16>(0x10);
  r.target_port_id = SeqArray<16>(0x20);
  return r;
}

TEST(LoginRequestTest, EncodesGoldenBytes) {
  ASSERT_EQ(kLoginReqGolden.size(), kLoginReqSize);
  auto v = EncodeLoginRequest(LoginReqValue());
  EXPECT_EQ(v, kLoginReqGolden) << Dump(v);
}

TEST(LoginRequestTest, DecodesGoldenAndRoundTrips) {
  auto d = DecodeLoginRequest(kLoginReqGolden);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, LoginReqValue());
  EXPECT_EQ(d->multichannel_action(), kMultiChanMulti);
  EXPECT_EQ(EncodeLoginRequest(*d), kLoginReqGolden);
}

TEST(LoginRequestTest, IbCmPrivateDataPaddingIsIgnored) {
  auto pd = Cat({kLoginReqGolden, Zeros(28)});  // IB CM REQ private data is 92 bytes
  auto d = DecodeLoginPrivateData(pd, LoginTransport::kIbCm);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, LoginReqValue());
}

TEST(LoginRequestRdmaTest, EncodesGoldenBytes) {
  ASSERT_EQ(kLoginReqRdmaGolden.size(), kLoginReqRdmaSize);
  auto v = EncodeLoginRequestRdma(LoginReqValue());
  EXPECT_EQ(v, kLoginReqRdmaGolden) << Dump(v);
}

TEST(LoginRequestRdmaTest, ConvertsTo64ByteForm) {
  auto d = DecodeLoginPrivateData(kLoginReqRdmaGolden, LoginTransport::kRdmaCm);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, LoginReqValue());
  EXPECT_EQ(EncodeLoginRequest(*d), kLoginReqGolden);
  // And back: 64 -> struct -> 56.
  EXPECT_EQ(EncodeLoginRequestRdma(*DecodeLoginRequest(kLoginReqGolden)), kLoginReqRdmaGolden);
}

TEST(LoginRequestRdmaTest, WrongOpcodeAtOffset11IsRejected) {
  auto pd = kLoginReqRdmaGolden;
  pd[11] = std::byte{0x02};
  auto d = DecodeLoginRequestRdma(pd);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kProtocolError);
  EXPECT_THAT(d.status().message(), HasSubstr("offset 11"));
}

TEST(LoginBadInputTest, PrivateDataShorterThan64ByteLayout) {
  std::vector<std::byte> pd(kLoginReqGolden.begin(), kLoginReqGolden.begin() + 63);
  auto d = DecodeLoginPrivateData(pd, LoginTransport::kIbCm);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("too short: 63 bytes"));
  EXPECT_FALSE(DecodeLoginRequest({}).ok());
}

TEST(LoginBadInputTest, PrivateDataShorterThan56ByteLayout) {
  std::vector<std::byte> pd(kLoginReqRdmaGolden.begin(), kLoginReqRdmaGolden.begin() + 55);
  auto d = DecodeLoginPrivateData(pd, LoginTransport::kRdmaCm);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("srp_login_req_rdma needs 56"));
}

TEST(LoginBadInputTest, WrongOpcodeInLoginRequest) {
  auto pd = kLoginReqGolden;
  pd[0] = std::byte{0x02};
  EXPECT_EQ(DecodeLoginRequest(pd).status().code(), StatusCode::kProtocolError);
}

// §1.4: c0, req_lim_delta @4, tag @8, max_it_iu_len @16, max_ti_iu_len @20, buf_fmt @24,
// rsp_flags @26, 25 reserved bytes.
TEST(LoginResponseTest, GoldenRoundTrip) {
  const auto golden = Cat({Bytes({0xc0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44}), Seq(0xa1, 8),
                           Bytes({0x00, 0x00, 0x20, 0x44}), Bytes({0x00, 0x00, 0x01, 0x00}),
                           Bytes({0x00, 0x06, 0x82}), Zeros(25)});
  ASSERT_EQ(golden.size(), kLoginRspSize);
  LoginResponse r;
  r.req_lim_delta = 0x11223344;
  r.tag = 0xa1a2a3a4a5a6a7a8;
  r.max_it_iu_len = 8260;
  r.max_ti_iu_len = 256;
  r.buf_fmt = 0x0006;
  r.rsp_flags = kRspFlagImmedSupported | kRspFlagMultiChanMaintained;
  EXPECT_EQ(EncodeLoginResponse(r), golden) << Dump(EncodeLoginResponse(r));
  auto d = DecodeLoginResponse(golden);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, r);
}

// §1.5: c2, reason @4, tag @8, buf_fmt @24.
TEST(LoginRejectTest, GoldenRoundTrip) {
  const auto golden = Cat({Bytes({0xc2, 0, 0, 0, 0x00, 0x01, 0x00, 0x02}), Seq(0xb1, 8), Zeros(8),
                           Bytes({0x00, 0x06}), Zeros(6)});
  ASSERT_EQ(golden.size(), kLoginRejSize);
  LoginReject r{LoginRejectReason::kReqItIuLengthTooLarge, 0xb1b2b3b4b5b6b7b8, 0x0006};
  EXPECT_EQ(EncodeLoginReject(r), golden);
  auto d = DecodeLoginReject(golden);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, r);
  EXPECT_EQ(LoginRejectReasonName(d->reason), "REQ_IT_IU_LENGTH_TOO_LARGE");
  EXPECT_FALSE(DecodeLoginReject(std::span(golden).first(31)).ok());
}

// §2.1 port identifiers.
TEST(PortIdTest, TargetPortIdLayouts) {
  const uint64_t id_ext = 0x0002c903000f1366, ioc = 0x1122334455667788;
  PortId std_id = MakeTargetPortId(id_ext, ioc, IoClass::kSrpRev16a);
  PortId expect{0x00, 0x02, 0xc9, 0x03, 0x00, 0x0f, 0x13, 0x66,
                0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  EXPECT_EQ(std_id, expect);
  PortId rev10 = MakeTargetPortId(id_ext, ioc, IoClass::kSrpRev10);
  PortId expect10{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                  0x00, 0x02, 0xc9, 0x03, 0x00, 0x0f, 0x13, 0x66};
  EXPECT_EQ(rev10, expect10);
  EXPECT_TRUE(TargetPortIdMatches(std_id, id_ext, ioc, IoClass::kSrpRev16a));
  EXPECT_FALSE(TargetPortIdMatches(std_id, id_ext, ioc, IoClass::kSrpRev10));
  EXPECT_TRUE(TargetPortIdMatches(rev10, id_ext, ioc, IoClass::kSrpRev10));
}

TEST(PortIdTest, InitiatorPortIdLayouts) {
  PortId p = MakeInitiatorPortId(0x1, 0x0002c9030005f34b, IoClass::kSrpRev16a);
  PortId expect{0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x02, 0xc9, 0x03, 0x00, 0x05, 0xf3, 0x4b};
  EXPECT_EQ(p, expect);
  PortId q = MakeInitiatorPortId(0x1, 0x0002c9030005f34b, IoClass::kSrpRev10);
  PortId expect10{0x00, 0x02, 0xc9, 0x03, 0x00, 0x05, 0xf3, 0x4b, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(q, expect10);
}

class LoginValidationTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kGuid = 0x0002c903000f1366;
  LoginPolicy policy_{8260, kGuid, kGuid, true};
  LoginRequest Good() const {
    LoginRequest r;
    r.req_it_iu_len = 8260;
    r.req_buf_fmt = kBufFmtDirect | kBufFmtIndirect;
    r.target_port_id = MakeTargetPortId(kGuid, kGuid, IoClass::kSrpRev16a);
    return r;
  }
};

TEST_F(LoginValidationTest, GoodRequestIsAccepted) {
  EXPECT_FALSE(ValidateLoginRequest(Good(), policy_).has_value());
  LoginRequest r = Good();
  r.req_it_iu_len = 64;
  EXPECT_FALSE(ValidateLoginRequest(r, policy_).has_value());
}

TEST_F(LoginValidationTest, ReqItIuLenZeroIsRejected) {
  LoginRequest r = Good();
  r.req_it_iu_len = 0;
  auto v = ValidateLoginRequest(r, policy_);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->reason, LoginRejectReason::kReqItIuLengthTooLarge);
  EXPECT_THAT(v->message, HasSubstr("below the minimum"));
}

TEST_F(LoginValidationTest, ReqItIuLen63IsRejected) {
  LoginRequest r = Good();
  r.req_it_iu_len = 63;
  auto v = ValidateLoginRequest(r, policy_);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->reason, LoginRejectReason::kReqItIuLengthTooLarge);
}

TEST_F(LoginValidationTest, ReqItIuLenAboveMaximumIsRejected) {
  LoginRequest r = Good();
  r.req_it_iu_len = 8261;
  auto v = ValidateLoginRequest(r, policy_);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->reason, LoginRejectReason::kReqItIuLengthTooLarge);
  EXPECT_THAT(v->message, HasSubstr("exceeds the target maximum 8260"));
}

TEST_F(LoginValidationTest, WrongTargetPortIdIsRejected) {
  for (int half = 0; half < 2; ++half) {
    LoginRequest r = Good();
    r.target_port_id[half * 8 + 7] ^= 0x01;  // one half wrong, the other right
    auto v = ValidateLoginRequest(r, policy_);
    ASSERT_TRUE(v.has_value()) << half;
    EXPECT_EQ(v->reason, LoginRejectReason::kUnableAssociateChannel);
    EXPECT_THAT(v->message, HasSubstr("does not match"));
  }
}

TEST_F(LoginValidationTest, SwappedHalvesAcceptedOnlyWhenRev10Allowed) {
  LoginPolicy p{8260, 0x1111111111111111, 0x2222222222222222, true};
  LoginRequest r = Good();
  r.target_port_id = MakeTargetPortId(p.id_ext, p.ioc_guid, IoClass::kSrpRev10);
  EXPECT_FALSE(ValidateLoginRequest(r, p).has_value());
  p.accept_rev10_port_id = false;
  auto v = ValidateLoginRequest(r, p);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->reason, LoginRejectReason::kUnableAssociateChannel);
}

TEST_F(LoginValidationTest, UnknownMultichannelActionBitsAreRejected) {
  for (uint8_t action : {2, 3}) {
    LoginRequest r = Good();
    r.req_flags = action;
    auto v = ValidateLoginRequest(r, policy_);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->reason, LoginRejectReason::kUnableEstablishChannel);
    EXPECT_THAT(v->message, HasSubstr("reserved multichannel action"));
  }
  LoginRequest multi = Good();
  multi.req_flags = kMultiChanMulti | kReqFlagImmedRequested;
  EXPECT_FALSE(ValidateLoginRequest(multi, policy_).has_value());
}

TEST_F(LoginValidationTest, NoSupportedDescriptorFormatIsRejected) {
  LoginRequest r = Good();
  r.req_buf_fmt = 0x0001;
  auto v = ValidateLoginRequest(r, policy_);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->reason, LoginRejectReason::kUnsupportedDescriptorFmt);
}

TEST(ImmediateDataAcceptableTest, NeedsFlagAndSaneOffset) {
  LoginRequest r;
  r.req_flags = kReqFlagImmedRequested;
  r.imm_data_offset = 68;
  EXPECT_TRUE(ImmediateDataAcceptable(r, 8260));
  r.imm_data_offset = 51;
  EXPECT_FALSE(ImmediateDataAcceptable(r, 8260));
  r.imm_data_offset = 52;
  EXPECT_TRUE(ImmediateDataAcceptable(r, 8260));
  EXPECT_FALSE(ImmediateDataAcceptable(r, 52));
  r.req_flags = 0;
  EXPECT_FALSE(ImmediateDataAcceptable(r, 8260));
}

}  // namespace
}  // namespace srp::wire
