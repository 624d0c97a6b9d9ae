// Golden byte vectors for the channel IUs, written from the tables of
// docs/srp-reference.md §1.6 .. §1.10, plus round trips and short/opcode errors.
#include "lib/srp/iu.h"

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

// §1.7: opcode 01, sol_not 06, tag e1..e8 @8, LUN 41..48 @20, func 08 @30, task_tag @32.
const std::vector<std::byte> kTskMgmtGolden = Cat({
    Bytes({0x01, 0x06, 0, 0, 0, 0, 0, 0}),
    Seq(0xe1, 8),
    Zeros(4),
    Seq(0x41, 8),
    Bytes({0, 0, 0x08, 0}),
    Seq(0xf1, 8),
    Zeros(8),
});

TaskManagement TskMgmtValue() {
  TaskManagement t;
  t.sol_not = kScSolNt | kUcSolNt;
  t.tag = 0xe1e2e3e4e5e6e7e8;
  t.lun = SeqArray<8>(0x41);
  t.function = TmfFunction::kLogicalUnitReset;
  t.task_tag = 0xf1f2f3f4f5f6f7f8;
  return t;
}

TEST(TaskManagementTest, EncodesGoldenBytes) {
  ASSERT_EQ(kTskMgmtGolden.size(), kTskMgmtSize);
  EXPECT_EQ(EncodeTaskManagement(TskMgmtValue()), kTskMgmtGolden)
      << Dump(EncodeTaskManagement(TskMgmtValue()));
}

TEST(TaskManagementTest, DecodesGoldenBytesAndRoundTrips) {
  auto d = DecodeTaskManagement(kTskMgmtGolden);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, TskMgmtValue());
  EXPECT_EQ(EncodeTaskManagement(*d), kTskMgmtGolden);
}

TEST(TaskManagementTest, UnknownFunctionIsPreserved) {
  auto bytes = kTskMgmtGolden;
  bytes[30] = std::byte{0x77};
  auto d = DecodeTaskManagement(bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(static_cast<uint8_t>(d->function), 0x77);
}

// §1.8 header: opcode 02, sol_not @1, buf_fmt @5, counts @6/7, tag @8, LUN @20,
// task_attr @29, add_cdb_len @31, CDB @32.
const std::vector<std::byte> kCmdHeaderGolden = Cat({
    Bytes({0x02, 0x04, 0, 0, 0, 0x21, 0x03, 0x05}),
    Seq(0x11, 8),
    Zeros(4),
    Bytes({0x40, 0x01, 0, 0, 0, 0, 0, 0}),
    Bytes({0, 0x02, 0, 0x08}),
    Seq(0x30, 16),
});

CmdHeader CmdHeaderValue() {
  CmdHeader h;
  h.sol_not = kUcSolNt;
  h.buf_fmt = 0x21;
  h.data_out_desc_cnt = 3;
  h.data_in_desc_cnt = 5;
  h.tag = 0x1112131415161718;
  h.lun = {0x40, 0x01, 0, 0, 0, 0, 0, 0};
  h.task_attr = static_cast<uint8_t>(TaskAttr::kOrdered);
  h.add_cdb_len = 8;
  h.cdb = SeqArray<16>(0x30);
  return h;
}

TEST(CmdHeaderTest, EncodesGoldenBytes) {
  std::vector<std::byte> out(kCmdHeaderSize);
  auto n = EncodeCmdHeader(CmdHeaderValue(), out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, kCmdHeaderSize);
  EXPECT_EQ(out, kCmdHeaderGolden) << Dump(out);
}

TEST(CmdHeaderTest, DecodesWithAdditionalCdb) {
  auto iu = Cat({kCmdHeaderGolden, Seq(0xa0, 8)});
  auto d = DecodeCmdHeader(iu);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, CmdHeaderValue());
  EXPECT_EQ(d->data_out_format(), 2);
  EXPECT_EQ(d->data_in_format(), 1);
  EXPECT_EQ(d->descriptor_offset(), 56u);
  auto add = AdditionalCdb(*d, iu);
  EXPECT_EQ(std::vector<std::byte>(add.begin(), add.end()), Seq(0xa0, 8));
}

TEST(CmdHeaderTest, AddCdbLenNotMultipleOf4IsRejected) {
  auto iu = Cat({kCmdHeaderGolden, Seq(0xa0, 8)});
  iu[31] = std::byte{0x06};
  auto d = DecodeCmdHeader(iu);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kProtocolError);
  EXPECT_THAT(d.status().message(), HasSubstr("not a multiple of 4"));
  CmdHeader h = CmdHeaderValue();
  h.add_cdb_len = 5;
  std::vector<std::byte> out(kCmdHeaderSize);
  EXPECT_FALSE(EncodeCmdHeader(h, out).ok());
}

TEST(CmdHeaderTest, AddCdbLenPointingPastIuIsRejected) {
  auto d = DecodeCmdHeader(Cat({kCmdHeaderGolden, Seq(0xa0, 4)}));  // needs 8
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("additional CDB"));
  EXPECT_THAT(d.status().message(), HasSubstr("past the received IU"));
}

// §1.6.
TEST(LogoutTest, InitiatorLogoutGolden) {
  auto golden = Cat({Bytes({0x03, 0, 0, 0, 0, 0, 0, 0}), Seq(0xc1, 8)});
  EXPECT_EQ(EncodeInitiatorLogout({0xc1c2c3c4c5c6c7c8}), golden);
  auto d = DecodeInitiatorLogout(golden);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->tag, 0xc1c2c3c4c5c6c7c8u);
}

TEST(LogoutTest, TargetLogoutGolden) {
  auto golden = Cat({Bytes({0x80, 0x01, 0, 0, 0x00, 0x00, 0x00, 0x05}), Seq(0xd1, 8)});
  TargetLogout t{kSolNt, 5, 0xd1d2d3d4d5d6d7d8};
  EXPECT_EQ(EncodeTargetLogout(t), golden);
  auto d = DecodeTargetLogout(golden);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, t);
}

// §1.10.
TEST(CreditTest, CreditRequestGolden) {
  auto golden = Cat({Bytes({0x81, 0x01, 0, 0, 0x00, 0x01, 0x02, 0x03}), Seq(0x51, 8)});
  CreditRequest c{kSolNt, 0x00010203, 0x5152535455565758};
  EXPECT_EQ(EncodeCreditRequest(c), golden);
  auto d = DecodeCreditRequest(golden);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, c);
}

TEST(CreditTest, CreditAndAerResponseGolden) {
  auto cred = Cat({Bytes({0x41, 0, 0, 0, 0, 0, 0, 0}), Seq(0x61, 8)});
  auto aer = Cat({Bytes({0x42, 0, 0, 0, 0, 0, 0, 0}), Seq(0x61, 8)});
  EXPECT_EQ(EncodeCreditResponse({0x6162636465666768}), cred);
  EXPECT_EQ(EncodeAerResponse({0x6162636465666768}), aer);
  EXPECT_EQ(DecodeCreditResponse(cred)->tag, 0x6162636465666768u);
  EXPECT_EQ(DecodeAerResponse(aer)->tag, 0x6162636465666768u);
  EXPECT_FALSE(DecodeAerResponse(cred).ok());
}

TEST(AerRequestTest, GoldenWithSense) {
  auto golden = Cat({Bytes({0x82, 0x01, 0, 0, 0, 0, 0, 0x02}), Seq(0x71, 8), Zeros(4), Seq(0x41, 8),
                     Bytes({0, 0, 0, 0x04}), Zeros(4), Bytes({0x70, 0x00, 0x06, 0x00})});
  AerRequestHeader h{kSolNt, 2, 0x7172737475767778, SeqArray<8>(0x41)};
  auto sense = Bytes({0x70, 0x00, 0x06, 0x00});
  EXPECT_EQ(EncodeAerRequest(h, sense), golden) << Dump(EncodeAerRequest(h, sense));
  auto d = DecodeAerRequest(golden);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->header, h);
  EXPECT_EQ(std::vector<std::byte>(d->sense.begin(), d->sense.end()), sense);
}

TEST(AerRequestTest, SenseLenPastReceivedBytesIsRejected) {
  AerRequestHeader h{};
  auto iu = EncodeAerRequest(h, Bytes({1, 2, 3, 4}));
  iu.pop_back();
  auto d = DecodeAerRequest(iu);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("sense_data_len"));
}

// §1.9: c1, sol_not @1, req_lim_delta @4, tag @8, flags @18, status @19, residuals @20/24,
// sense_data_len @28, resp_data_len @32, data @36.
TEST(RspTest, EncodesGoldenWithSense) {
  const auto sense = Seq(0x90, 18);
  const auto golden =
      Cat({Bytes({0xc1, 0x01, 0, 0, 0, 0, 0, 0x03}), Seq(0x21, 8), Bytes({0, 0, 0x22, 0x02}),
           Bytes({1, 2, 3, 4, 5, 6, 7, 8}), Bytes({0, 0, 0, 18}), Bytes({0, 0, 0, 0}), sense});
  RspHeader h;
  h.sol_not = kSolNt;
  h.req_lim_delta = 3;
  h.tag = 0x2122232425262728;
  h.flags = kDiUnder;  // SNSVALID is added by the encoder
  h.status = 0x02;
  h.data_out_res_cnt = 0x01020304;
  h.data_in_res_cnt = 0x05060708;
  auto v = EncodeRsp(h, {}, sense, 256);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, golden) << Dump(*v);

  auto d = DecodeRsp(golden);
  ASSERT_TRUE(d.ok());
  RspHeader expect = h;
  expect.flags = kDiUnder | kSnsValid;
  EXPECT_EQ(d->header, expect);
  EXPECT_TRUE(d->resp_data.empty());
  EXPECT_EQ(std::vector<std::byte>(d->sense.begin(), d->sense.end()), sense);
}

TEST(RspTest, TmfResponseCodeInData3) {
  RspHeader h;
  h.tag = 0x0102030405060708;
  h.req_lim_delta = 1;
  std::vector<std::byte> out(64);
  auto n = EncodeTmfRsp(h, TmfResponse::kNotSupported, 64, out);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, 40u);
  out.resize(*n);
  const auto golden =
      Cat({Bytes({0xc1, 0, 0, 0, 0, 0, 0, 1}), Seq(1, 8), Bytes({0, 0, kRspValid, 0}), Zeros(8),
           Bytes({0, 0, 0, 0}), Bytes({0, 0, 0, 4}), Bytes({0, 0, 0, 0x04})});
  EXPECT_EQ(out, golden) << Dump(out);
  auto d = DecodeRsp(out);
  ASSERT_TRUE(d.ok());
  auto code = TmfResponseCode(*d);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, TmfResponse::kNotSupported);
}

TEST(RspTest, TmfResponseCodeNeedsRspValidAnd4Bytes) {
  auto v = EncodeRsp(RspHeader{}, Bytes({0, 0}), {}, 256);
  ASSERT_TRUE(v.ok());
  auto d = DecodeRsp(*v);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(TmfResponseCode(*d).ok());
}

TEST(RspTest, SenseIsTruncatedToMaxTiIuLen) {
  const auto sense = Seq(0x70, 96);
  const auto resp = Bytes({0, 0, 0, 5});
  auto v = EncodeRsp(RspHeader{}, resp, sense, 36 + 4 + 10);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 50u);
  auto d = DecodeRsp(*v);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->sense.size(), 10u);
  EXPECT_EQ(std::vector<std::byte>(d->sense.begin(), d->sense.end()), Seq(0x70, 10));
  EXPECT_EQ(d->header.flags, kRspValid | kSnsValid);
}

TEST(RspTest, SenseTruncatedToNothingClearsSnsValid) {
  RspHeader h;
  h.flags = kSnsValid | kDoUnder;
  auto v = EncodeRsp(h, {}, Seq(0x70, 18), 36);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 36u);
  EXPECT_EQ(static_cast<uint8_t>((*v)[18]), kDoUnder);
  EXPECT_EQ(static_cast<uint8_t>((*v)[31]), 0);
}

TEST(RspTest, ResponseDataLargerThanMaxTiIuLenIsAnError) {
  auto v = EncodeRsp(RspHeader{}, Seq(0, 8), {}, 40);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
}

TEST(RspTest, OutputBufferTooSmallIsAnError) {
  std::vector<std::byte> out(40);
  EXPECT_FALSE(EncodeRsp(RspHeader{}, {}, Seq(0, 18), 256, out).ok());
}

TEST(RspTest, LengthsPastReceivedBytesAreRejected) {
  auto v = EncodeRsp(RspHeader{}, Bytes({0, 0, 0, 0}), Seq(0, 18), 256);
  ASSERT_TRUE(v.ok());
  v->pop_back();
  auto d = DecodeRsp(*v);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("past the received IU"));
  // Huge lengths must not overflow the bound check.
  auto huge = *EncodeRsp(RspHeader{}, {}, {}, 256);
  for (int i = 28; i < 36; ++i) huge[i] = std::byte{0xff};
  EXPECT_FALSE(DecodeRsp(huge).ok());
}

// --- Bad input: IU shorter than its fixed header, for every decoder ---

TEST(BadInputTest, IuShorterThanFixedHeader) {
  struct Case {
    uint8_t opcode;
    size_t fixed;
  };
  const Case cases[] = {{0x01, 48}, {0x02, 48}, {0x03, 16}, {0x41, 16}, {0x42, 16},
                        {0x80, 16}, {0x81, 16}, {0x82, 36}, {0xc1, 36}};
  for (const Case& c : cases) {
    std::vector<std::byte> iu(c.fixed - 1);
    iu[0] = static_cast<std::byte>(c.opcode);
    Status s;
    if (c.opcode & 0x80) {
      s = DecodeInitiatorBoundIu(iu).status();
    } else {
      s = DecodeTargetBoundIu(iu).status();
    }
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << int(c.opcode);
    EXPECT_THAT(s.message(), HasSubstr("too short")) << int(c.opcode);
  }
  EXPECT_FALSE(DecodeTaskManagement(Zeros(0)).ok());
  EXPECT_FALSE(DecodeTargetBoundIu({}).ok());
}

TEST(BadInputTest, UnknownOpcode) {
  auto iu = Zeros(64);
  iu[0] = std::byte{0x05};
  auto r = DecodeTargetBoundIu(iu);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kProtocolError);
  EXPECT_THAT(r.status().message(), HasSubstr("unknown SRP opcode 0x05"));
  EXPECT_FALSE(PeekOpcode(iu).ok());
}

TEST(BadInputTest, TargetToInitiatorOpcodeSentToTarget) {
  for (uint8_t op : {0x80, 0x81, 0x82, 0xc0, 0xc1, 0xc2}) {
    auto iu = Zeros(64);
    iu[0] = static_cast<std::byte>(op);
    auto r = DecodeTargetBoundIu(iu);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), HasSubstr("target-to-initiator opcode")) << int(op);
  }
}

TEST(BadInputTest, LoginRequestOnChannelIsRejected) {
  auto r = DecodeTargetBoundIu(Zeros(64));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("only valid in CM private data"));
}

TEST(BadInputTest, WrongOpcodeForSpecificDecoder) {
  auto r = DecodeCmdHeader(kTskMgmtGolden);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kProtocolError);
  EXPECT_THAT(r.status().message(), HasSubstr("expected SRP_CMD"));
}

TEST(DispatchTest, TargetBoundDispatchPicksTheRightType) {
  auto t = DecodeTargetBoundIu(kTskMgmtGolden);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(std::holds_alternative<TaskManagement>(*t));
  EXPECT_EQ(std::get<TaskManagement>(*t), TskMgmtValue());
  auto c = DecodeTargetBoundIu(Cat({kCmdHeaderGolden, Zeros(8)}));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(std::holds_alternative<CmdHeader>(*c));
  auto l = DecodeTargetBoundIu(EncodeInitiatorLogout({7}));
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(std::get<InitiatorLogout>(*l).tag, 7u);
  EXPECT_TRUE(
      std::holds_alternative<CreditResponse>(*DecodeTargetBoundIu(EncodeCreditResponse({1}))));
  EXPECT_TRUE(std::holds_alternative<AerResponse>(*DecodeTargetBoundIu(EncodeAerResponse({1}))));
}

TEST(DispatchTest, InitiatorBoundDispatch) {
  auto rsp = *EncodeRsp(RspHeader{}, {}, {}, 36);
  auto r = DecodeInitiatorBoundIu(rsp);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::holds_alternative<RspView>(*r));
  EXPECT_TRUE(std::holds_alternative<CreditRequest>(
      *DecodeInitiatorBoundIu(EncodeCreditRequest(CreditRequest{}))));
  EXPECT_TRUE(std::holds_alternative<TargetLogout>(
      *DecodeInitiatorBoundIu(EncodeTargetLogout(TargetLogout{}))));
  EXPECT_TRUE(std::holds_alternative<AerRequestView>(
      *DecodeInitiatorBoundIu(EncodeAerRequest(AerRequestHeader{}, {}))));
  auto bad = DecodeInitiatorBoundIu(kTskMgmtGolden);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("sent to initiator"));
}

TEST(OpcodeTest, NamesAndDirections) {
  EXPECT_EQ(OpcodeName(Opcode::kCmd), "SRP_CMD");
  EXPECT_EQ(OpcodeName(Opcode::kLoginRej), "SRP_LOGIN_REJ");
  EXPECT_TRUE(IsInitiatorToTarget(Opcode::kAerRsp));
  EXPECT_FALSE(IsInitiatorToTarget(Opcode::kRsp));
  int known = 0;
  for (int op = 0; op < 256; ++op) known += IsKnownOpcode(static_cast<uint8_t>(op));
  EXPECT_EQ(known, 12);
}

TEST(EncodeTest, FixedSizeEncodersRejectSmallBuffers) {
  std::vector<std::byte> out(15);
  EXPECT_FALSE(EncodeInitiatorLogout({1}, out).ok());
  EXPECT_FALSE(EncodeCreditRequest({}, out).ok());
  std::vector<std::byte> out47(47);
  EXPECT_FALSE(EncodeTaskManagement(TskMgmtValue(), out47).ok());
}

}  // namespace
}  // namespace srp::wire
