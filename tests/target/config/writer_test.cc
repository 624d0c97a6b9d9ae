#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "target/config/scst_config_parser.h"
#include "target/config/scst_config_writer.h"
#include "tests/target/config/example_config.h"

namespace srp::target::config {
namespace {

constexpr std::string_view kGoldenExample =
    "HANDLER vdisk_fileio {\n"
    "\tDEVICE disk01 {\n"
    "\t\tfilename /srv/disk01.img\n"
    "\t\tnv_cache 1\n"
    "\t}\n"
    "}\n"
    "\n"
    "HANDLER vdisk_blockio {\n"
    "\tDEVICE disk02 {\n"
    "\t\tfilename /dev/sdb\n"
    "\t}\n"
    "}\n"
    "\n"
    "HANDLER vdisk_nullio {\n"
    "\tDEVICE null01\n"
    "}\n"
    "\n"
    "TARGET_DRIVER ib_srpt {\n"
    "\tTARGET fe80:0000:0000:0000:0002:c903:0005:f34f {\n"
    "\t\tenabled 1\n"
    "\t\trel_tgt_id 1\n"
    "\n"
    "\t\tLUN 0 disk01\n"
    "\n"
    "\t\tGROUP grp1 {\n"
    "\t\t\tLUN 0 disk02\n"
    "\n"
    "\t\t\tINITIATOR fe80:0000:0000:0000:0002:c903:0005:f34b\n"
    "\t\t}\n"
    "\t}\n"
    "}\n";

Configuration MustParse(std::string_view text) {
  Result<Configuration> r = ParseScstConfig(text, "in.conf");
  EXPECT_TRUE(r.ok()) << r.status().ToString() << "\n" << text;
  return r.ok() ? *r : Configuration{};
}

TEST(ScstConfigWriter, ReferenceExampleGolden) {
  EXPECT_EQ(WriteScstConfig(MustParse(testing::kReferenceExample)), kGoldenExample);
}

TEST(ScstConfigWriter, OutputIsDeterministicAndAFixedPoint) {
  Configuration c = MustParse(testing::kReferenceExample);
  std::string once = WriteScstConfig(c);
  EXPECT_EQ(WriteScstConfig(c), once);
  EXPECT_EQ(WriteScstConfig(MustParse(once)), once);
}

TEST(ScstConfigWriter, QuotesWordsThatNeedIt) {
  EXPECT_EQ(QuoteConfigWord("/srv/a.img"), "/srv/a.img");
  EXPECT_EQ(QuoteConfigWord("My Disk"), "\"My Disk\"");
  EXPECT_EQ(QuoteConfigWord(""), "\"\"");
  EXPECT_EQ(QuoteConfigWord("#x"), "\"#x\"");
  EXPECT_EQ(QuoteConfigWord("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(QuoteConfigWord("{"), "\"{\"");
}

TEST(ScstConfigWriter, LunBlocksAndEmptyElements) {
  Configuration c;
  c.handlers.push_back(Handler{"vdisk_memory", {}, {Device{"m0", {{"size", "4096", {}}}, {}}}, {}});
  TargetDriver drv{"ib_srpt", {{"thread", "1", {}}}, {}, {}};
  Target empty{"t0", {}, {}, {}, {}};
  Target t{"t1", {}, {LunAssignment{7, "m0", {{"read_only", "1", {}}}, {}}}, {}, {}};
  t.groups.push_back(Group{"g", {}, {}, {}, {}});
  drv.targets = {empty, t};
  c.drivers.push_back(drv);
  EXPECT_EQ(WriteScstConfig(c),
            "HANDLER vdisk_memory {\n"
            "\tDEVICE m0 {\n"
            "\t\tsize 4096\n"
            "\t}\n"
            "}\n"
            "\n"
            "TARGET_DRIVER ib_srpt {\n"
            "\tthread 1\n"
            "\n"
            "\tTARGET t0\n"
            "\n"
            "\tTARGET t1 {\n"
            "\t\tLUN 7 m0 {\n"
            "\t\t\tread_only 1\n"
            "\t\t}\n"
            "\n"
            "\t\tGROUP g\n"
            "\t}\n"
            "}\n");
}

class RoundTrip : public ::testing::TestWithParam<std::string_view> {};

// Short test names: CTest shows the parameter otherwise, and these are whole files.
std::string RoundTripName(const ::testing::TestParamInfo<std::string_view>& param_info) {
  static constexpr const char* kNames[] = {"ReferenceExample", "EmptyFile", "QuotingAndGroups"};
  return param_info.index < 3 ? kNames[param_info.index]
                              : "Config" + std::to_string(param_info.index);
}

TEST_P(RoundTrip, ParseWriteParseIsTheSameConfiguration) {
  Configuration first = MustParse(GetParam());
  std::string written = WriteScstConfig(first);
  Result<Configuration> second = ParseScstConfig(written, "out.conf");
  ASSERT_TRUE(second.ok()) << second.status().ToString() << "\n" << written;
  EXPECT_EQ(*second, first) << written;
  EXPECT_EQ(WriteScstConfig(*second), written);
}

INSTANTIATE_TEST_SUITE_P(
    Configs, RoundTrip,
    ::testing::Values(testing::kReferenceExample, std::string_view(""),
                      std::string_view("HANDLER vdisk_fileio {\n"
                                       "  trace_level 0\n"
                                       "  DEVICE \"disk 01\" {\n"
                                       "    filename \"/srv/my disk.img\"\n"
                                       "    prod_id \"Fast # Disk\"\n"
                                       "    usn \"q\\\"uote\"\n"
                                       "    t10_dev_id \"\"\n"
                                       "    blocksize 4096\n"
                                       "  }\n"
                                       "}\n"
                                       "HANDLER vdisk_memory { DEVICE m1 { size 1048576 } }\n"
                                       "HANDLER dev_disk { DEVICE 1:0:0:0 }\n"
                                       "TARGET_DRIVER ib_srpt {\n"
                                       "  srp_max_message_size 2116\n"
                                       "  rdma_cm_port 5000\n"
                                       "  TARGET 0x0002c9030005f34f\n"
                                       "  TARGET fe80::2:c903:5:f34f {\n"
                                       "    enabled 0\n"
                                       "    GROUP g1 {\n"
                                       "      addr_method PERIPHERAL\n"
                                       "      LUN 1 m1 { read_only 1 }\n"
                                       "      LUN 0 \"disk 01\"\n"
                                       "      INITIATOR \"*:f34b\"\n"
                                       "      INITIATOR 10.0.0.1\n"
                                       "    }\n"
                                       "    GROUP g2 { INITIATOR 0002:c903:0005:f34c }\n"
                                       "    LUN 16383 1:0:0:0\n"
                                       "  }\n"
                                       "}\n")),
    RoundTripName);

TEST(ScstConfigWriter, EqualityIgnoresLocationsButNotContent) {
  Configuration a = MustParse(testing::kReferenceExample);
  Configuration b = MustParse(std::string("\n\n") + std::string(testing::kReferenceExample));
  EXPECT_NE(a.handlers[0].where.line, b.handlers[0].where.line);
  EXPECT_EQ(a, b);
  b.drivers[0].targets[0].groups[0].luns[0].lun = 1;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace srp::target::config
