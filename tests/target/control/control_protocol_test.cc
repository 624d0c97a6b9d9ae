// Control protocol: request/response lines both ways, and every bad request refused clearly.
#include "target/control/control_protocol.h"

#include <gtest/gtest.h>

namespace srp::target::control {
namespace {

TEST(ControlProtocolTest, EditRequestEncodesToTheDocumentedLineAndBack) {
  ControlRequest r;
  r.op = ControlOp::kEdit;
  config::ConfigEdit e;
  e.op = config::ConfigEdit::Op::kAddLun;
  e.target = "tgt0";
  e.group = "g1";
  e.device = "disk01";
  e.lun = 3;
  e.attributes = {{"read_only", "1"}};
  r.edit = e;
  std::string line = EncodeRequest(r);
  EXPECT_EQ(line,
            "{\"edit\":{\"attributes\":[[\"read_only\",\"1\"]],\"device\":\"disk01\",\"driver\":"
            "\"ib_srpt\",\"group\":\"g1\",\"lun\":3,\"op\":\"add_lun\",\"target\":\"tgt0\"},"
            "\"op\":\"edit\"}\n");
  auto back = DecodeRequest(line);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->op, ControlOp::kEdit);
  ASSERT_TRUE(back->edit.has_value());
  EXPECT_EQ(back->edit->op, e.op);
  EXPECT_EQ(back->edit->target, "tgt0");
  EXPECT_EQ(back->edit->group, "g1");
  EXPECT_EQ(back->edit->device, "disk01");
  EXPECT_EQ(back->edit->lun, 3u);
  EXPECT_EQ(back->edit->attributes, e.attributes);
}

TEST(ControlProtocolTest, EveryOpRoundTrips) {
  for (ControlOp op : {ControlOp::kReload, ControlOp::kListDevices, ControlOp::kListSessions,
                       ControlOp::kGetConfig, ControlOp::kWriteConfig, ControlOp::kApplyConfig}) {
    ControlRequest r;
    r.op = op;
    r.path = "/tmp/x.conf";
    r.config_text = "HANDLER vdisk_nullio {\n}\n";
    r.config_name = "a.conf";
    auto back = DecodeRequest(EncodeRequest(r));
    ASSERT_TRUE(back.ok()) << ControlOpName(op) << ": " << back.status().ToString();
    EXPECT_EQ(back->op, op);
    if (op == ControlOp::kWriteConfig) {
      EXPECT_EQ(back->path, r.path);
    }
    if (op == ControlOp::kApplyConfig) {
      EXPECT_EQ(back->config_text, r.config_text);
      EXPECT_EQ(back->config_name, "a.conf");
    }
  }
}

TEST(ControlProtocolTest, ResponsesRoundTrip) {
  ControlResponse ok;
  ok.result = {{"applied", {"t: LUN 1 added: m1"}}};
  EXPECT_EQ(EncodeResponse(ok),
            "{\"ok\":true,\"result\":{\"applied\":[\"t: LUN 1 added: m1\"]}}\n");
  auto back = DecodeResponse(EncodeResponse(ok));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->ok);
  EXPECT_EQ(back->result, ok.result);
  auto err = DecodeResponse(EncodeResponse(ControlResponse::Error("t.conf:3: bad")));
  ASSERT_TRUE(err.ok());
  EXPECT_FALSE(err->ok);
  EXPECT_EQ(err->error, "t.conf:3: bad");
  // Invalid UTF-8 in a message does not throw.
  EXPECT_NE(EncodeResponse(ControlResponse::Error("bad \xff name")).find("bad"), std::string::npos);
  EXPECT_FALSE(DecodeResponse("{\"result\":{}}").ok());
  EXPECT_FALSE(DecodeResponse("[]").ok());
}

struct BadCase {
  const char* name;
  std::string line;
  const char* message;
};

class BadRequestTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadRequestTest, Refused) {
  auto r = DecodeRequest(GetParam().line);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(GetParam().message), std::string::npos)
      << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Control, BadRequestTest,
    ::testing::Values(
        BadCase{"NotJson", "reload please", "not JSON"}, BadCase{"Empty", "", "not JSON"},
        BadCase{"Array", "[\"reload\"]", "not a JSON object"},
        BadCase{"NoOp", "{}", "without 'op'"},
        BadCase{"OpNotString", "{\"op\":7}", "'op' must be a string"},
        BadCase{"UnknownOp", "{\"op\":\"format\"}", "unknown op 'format'"},
        BadCase{"EditMissing", "{\"op\":\"edit\"}", "without 'edit'"},
        BadCase{"EditOpUnknown", "{\"op\":\"edit\",\"edit\":{\"op\":\"zap\"}}",
                "unknown operation 'zap'"},
        BadCase{"LunNegative", "{\"op\":\"edit\",\"edit\":{\"op\":\"add_lun\",\"lun\":-1}}",
                "'lun' must be a non-negative integer"},
        BadCase{"AttrsShape", "{\"op\":\"edit\",\"edit\":{\"op\":\"open_dev\",\"attributes\":{}}}",
                "'attributes' must be an array"},
        BadCase{"WritePathless", "{\"op\":\"write_config\"}", "without 'path'"},
        BadCase{"ApplyTextless", "{\"op\":\"apply_config\"}", "without 'config'"},
        BadCase{"TooLong",
                "{\"op\":\"reload\",\"x\":\"" + std::string(kMaxControlLine, 'a') + "\"}",
                "longer than"}),
    [](const ::testing::TestParamInfo<BadCase>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace srp::target::control
