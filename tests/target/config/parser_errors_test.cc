// One test per error rule: kInvalidArgument, the exact "<file>:<line>: "
// prefix and a message that says what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "target/config/scst_config_parser.h"

namespace srp::target::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ErrorOf(std::string_view text) {
  Result<Configuration> r = ParseScstConfig(text, "scst.conf");
  EXPECT_FALSE(r.ok()) << "parsed unexpectedly";
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

constexpr std::string_view kDevices =
    "HANDLER vdisk_nullio {\n"  // 1
    "  DEVICE n0\n"             // 2
    "  DEVICE n1\n"             // 3
    "}\n";                      // 4

std::string WithTarget(std::string_view target_body) {
  return std::string(kDevices) + "TARGET_DRIVER ib_srpt {\n  TARGET t1 {\n" +
         std::string(target_body) + "  }\n}\n";  // body starts at line 7
}

TEST(ScstConfigErrors, UnknownKeywordAtTopLevel) {
  std::string e = ErrorOf("\n# c\nHANDLERS vdisk_nullio {\n}\n");
  EXPECT_THAT(e, StartsWith("scst.conf:3: unknown keyword 'HANDLERS'"));
}

TEST(ScstConfigErrors, AttributeAtTopLevel) {
  EXPECT_THAT(ErrorOf("setup_id 0x1\n"),
              StartsWith("scst.conf:1: unknown keyword 'setup_id' at top level"));
}

TEST(ScstConfigErrors, UnknownKeywordInsideABlock) {
  EXPECT_THAT(ErrorOf("HANDLER vdisk_fileio {\n  DEVICE d {\n    FILENAME /x\n  }\n}\n"),
              StartsWith("scst.conf:3: unknown keyword 'FILENAME' inside DEVICE 'd'"));
}

TEST(ScstConfigErrors, StructureKeywordInTheWrongPlace) {
  EXPECT_THAT(ErrorOf("HANDLER vdisk_nullio {\n  TARGET t1\n}\n"),
              StartsWith("scst.conf:2: 'TARGET' is not allowed inside HANDLER 'vdisk_nullio'"));
  EXPECT_THAT(ErrorOf("TARGET_DRIVER ib_srpt {\n  LUN 0 n0\n}\n"),
              StartsWith("scst.conf:2: 'LUN' is not allowed inside TARGET_DRIVER 'ib_srpt'"));
}

TEST(ScstConfigErrors, MissingClosingBraceNamesTheOpeningLine) {
  std::string e = ErrorOf(
      "HANDLER vdisk_nullio {\n"  // 1: never closed
      "  DEVICE n0 {\n"           // 2
      "    size 4096\n"           // 3
      "  }\n");                   // 4 closes DEVICE
  EXPECT_EQ(e, "scst.conf:1: unbalanced braces: 'HANDLER vdisk_nullio {' is never closed");
  // The unclosed GROUP (line 7) takes the TARGET's '}', the TARGET the
  // driver's: the block still open at the end is the driver (line 5).
  std::string inner = ErrorOf(WithTarget("    GROUP g {\n"));
  EXPECT_THAT(inner, StartsWith("scst.conf:5: unbalanced braces: 'TARGET_DRIVER ib_srpt {'"));
}

TEST(ScstConfigErrors, StrayClosingBrace) {
  EXPECT_EQ(ErrorOf("HANDLER vdisk_nullio {\n}\n}\n"),
            "scst.conf:3: unbalanced braces: '}' without an open block");
}

TEST(ScstConfigErrors, BraceWithoutKeyword) {
  EXPECT_THAT(ErrorOf("HANDLER vdisk_nullio\n{\n}\n"),
              StartsWith("scst.conf:2: '{' without a keyword"));
}

TEST(ScstConfigErrors, DuplicateDeviceNamesAcrossHandlers) {
  std::string e = ErrorOf(
      "HANDLER vdisk_nullio {\n"
      "  DEVICE disk01\n"
      "}\n"
      "HANDLER vdisk_memory {\n"
      "  DEVICE disk01 {\n"
      "    size 4096\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(e, "scst.conf:5: duplicate device 'disk01' (first defined at scst.conf:2)");
}

TEST(ScstConfigErrors, DuplicateTargetNames) {
  EXPECT_EQ(ErrorOf("TARGET_DRIVER ib_srpt {\n  TARGET t1\n  TARGET t2\n  TARGET t1\n}\n"),
            "scst.conf:4: duplicate TARGET 't1' (first defined at scst.conf:2)");
}

TEST(ScstConfigErrors, DuplicateLunNumberInOneSet) {
  EXPECT_EQ(ErrorOf(WithTarget("    LUN 0 n0\n    LUN 0 n1\n")),
            "scst.conf:8: duplicate LUN 0 in the default LUN set of TARGET 't1' (first assigned "
            "at scst.conf:7)");
  // The same number in the default set and in a group is fine.
  EXPECT_TRUE(
      ParseScstConfig(WithTarget("    LUN 0 n0\n    GROUP g {\n      LUN 0 n1\n    }\n"), "x")
          .ok());
  EXPECT_THAT(ErrorOf(WithTarget("    GROUP g {\n      LUN 3 n0\n      LUN 3 n1\n    }\n")),
              StartsWith("scst.conf:9: duplicate LUN 3 in GROUP 'g'"));
}

TEST(ScstConfigErrors, LunOutOfRange) {
  EXPECT_EQ(ErrorOf(WithTarget("    LUN 16384 n0\n")),
            "scst.conf:7: LUN 16384 is out of range (0..16383)");
}

TEST(ScstConfigErrors, LunNotANumber) {
  EXPECT_EQ(ErrorOf(WithTarget("    LUN x1 n0\n")), "scst.conf:7: LUN 'x1' is not a number");
  EXPECT_THAT(ErrorOf(WithTarget("    LUN 1\n")),
              StartsWith("scst.conf:7: 'LUN' takes a number and a device name"));
}

TEST(ScstConfigErrors, LunReferringToUnknownDevice) {
  EXPECT_EQ(ErrorOf(WithTarget("    LUN 2 disk09\n")),
            "scst.conf:7: LUN 2 refers to unknown device 'disk09'");
}

TEST(ScstConfigErrors, UnknownHandler) {
  EXPECT_THAT(ErrorOf("\nHANDLER vdisk {\n  DEVICE d\n}\n"),
              StartsWith("scst.conf:2: unknown handler 'vdisk'"));
}

TEST(ScstConfigErrors, UnknownTargetDriver) {
  EXPECT_THAT(ErrorOf("TARGET_DRIVER iscsi {\n}\n"),
              StartsWith("scst.conf:1: unknown target driver 'iscsi'"));
}

TEST(ScstConfigErrors, DuplicateGroupNames) {
  EXPECT_EQ(ErrorOf(WithTarget("    GROUP g\n    GROUP g\n")),
            "scst.conf:8: duplicate GROUP 'g' (first defined at scst.conf:7)");
}

TEST(ScstConfigErrors, InitiatorOutsideAGroup) {
  EXPECT_EQ(ErrorOf(WithTarget("    INITIATOR fe80::1\n")),
            "scst.conf:7: INITIATOR outside a GROUP");
}

TEST(ScstConfigErrors, SameInitiatorInTwoGroups) {
  EXPECT_THAT(ErrorOf(WithTarget("    GROUP a {\n      INITIATOR i1\n    }\n"
                                 "    GROUP b {\n      INITIATOR i1\n    }\n")),
              StartsWith("scst.conf:11: duplicate INITIATOR 'i1' (first defined at scst.conf:8)"));
}

TEST(ScstConfigErrors, DuplicateAttribute) {
  EXPECT_EQ(ErrorOf(WithTarget("    enabled 1\n    enabled 0\n")),
            "scst.conf:8: duplicate attribute 'enabled' (first defined at scst.conf:7)");
}

TEST(ScstConfigErrors, AttributeValueShapes) {
  EXPECT_EQ(ErrorOf("HANDLER vdisk_fileio {\n  DEVICE d {\n    filename /a b\n  }\n}\n"),
            "scst.conf:3: attribute 'filename' has 2 values; quote a value that contains blanks");
  EXPECT_EQ(ErrorOf("HANDLER vdisk_fileio {\n  DEVICE d {\n    filename\n  }\n}\n"),
            "scst.conf:3: attribute 'filename' has no value");
  EXPECT_EQ(ErrorOf("HANDLER vdisk_fileio {\n  DEVICE d {\n    nv_cache 1 {\n  }\n}\n"),
            "scst.conf:3: attribute 'nv_cache' cannot open a block");
  EXPECT_EQ(ErrorOf("HANDLER vdisk_fileio {\n  DEVICE d {\n    Nv-cache 1\n  }\n}\n"),
            "scst.conf:3: unknown keyword 'Nv-cache' inside DEVICE 'd'");
  EXPECT_EQ(ErrorOf("HANDLER vdisk_fileio {\n  DEVICE d {\n    nv-cache 1\n  }\n}\n"),
            "scst.conf:3: invalid attribute name 'nv-cache'");
}

TEST(ScstConfigErrors, UnterminatedQuote) {
  EXPECT_EQ(ErrorOf("HANDLER vdisk_fileio {\n  DEVICE d {\n    filename \"/a b\n  }\n}\n"),
            "scst.conf:3: unterminated quoted value");
}

TEST(ScstConfigErrors, KeywordNameCount) {
  EXPECT_EQ(ErrorOf("HANDLER vdisk_nullio {\n  DEVICE a b\n}\n"),
            "scst.conf:2: 'DEVICE' takes exactly one name, got 2");
  EXPECT_EQ(ErrorOf("HANDLER {\n}\n"), "scst.conf:1: 'HANDLER' takes exactly one name, got 0");
}

struct ValueCase {
  std::string_view block;  // "device", "driver", "target", "lun"
  std::string_view line;
  std::string_view expected;
};

TEST(ScstConfigErrors, KnownAttributeValuesAreValidated) {
  const ValueCase cases[] = {
      {"device", "blocksize 1024", "DEVICE attribute 'blocksize': expected 512 or 4096"},
      {"device", "nv_cache 2", "DEVICE attribute 'nv_cache': expected 0 or 1"},
      {"device", "read_only yes", "DEVICE attribute 'read_only': expected 0 or 1"},
      {"device", "size 1M", "DEVICE attribute 'size': '1M' is not a number"},
      {"device", "t10_vend_id TOOLONGVENDOR",
       "DEVICE attribute 't10_vend_id': 'TOOLONGVENDOR' "
       "is longer than 8 characters"},
      {"device", "prod_id \"\"", "DEVICE attribute 'prod_id': must not be empty"},
      {"driver", "srp_max_rdma_size big",
       "TARGET_DRIVER attribute 'srp_max_rdma_size': 'big' "
       "is not a number"},
      {"driver", "thread 2", "TARGET_DRIVER attribute 'thread': 2 is out of range 0..1"},
      {"driver", "rdma_cm_port 70000",
       "TARGET_DRIVER attribute 'rdma_cm_port': 70000 is out of range 0..65535"},
      {"driver", "srp_max_message_size 0x",
       "TARGET_DRIVER attribute 'srp_max_message_size': "
       "'0x' is not a number"},
      {"target", "enabled on", "TARGET attribute 'enabled': expected 0 or 1"},
      {"target", "rel_tgt_id 0", "TARGET attribute 'rel_tgt_id': 0 is out of range 1..65535"},
      {"lun", "read_only 7", "LUN attribute 'read_only': expected 0 or 1"},
  };
  for (const ValueCase& c : cases) {
    std::string text;
    int line = 0;
    if (c.block == "device") {
      text = "HANDLER vdisk_nullio {\n  DEVICE n0 {\n    " + std::string(c.line) + "\n  }\n}\n";
      line = 3;
    } else if (c.block == "driver") {
      text = "TARGET_DRIVER ib_srpt {\n  " + std::string(c.line) + "\n}\n";
      line = 2;
    } else if (c.block == "target") {
      text = WithTarget("    " + std::string(c.line) + "\n");
      line = 7;
    } else {
      text = WithTarget("    LUN 0 n0 {\n      " + std::string(c.line) + "\n    }\n");
      line = 8;
    }
    EXPECT_EQ(ErrorOf(text), "scst.conf:" + std::to_string(line) + ": " + std::string(c.expected))
        << c.line;
  }
}

TEST(ScstConfigErrors, UnknownDeviceAttributesPassThrough) {
  Result<Configuration> r = ParseScstConfig(
      "HANDLER vdisk_nullio {\n  DEVICE n0 {\n    some_future_knob whatever\n  }\n}\n", "x");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(GetString(r->handlers[0].devices[0].attributes, "some_future_knob"), "whatever");
}

}  // namespace
}  // namespace srp::target::config
