#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "target/config/scst_config_parser.h"
#include "tests/target/config/example_config.h"

namespace srp::target::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Configuration MustParse(std::string_view text) {
  Result<Configuration> r = ParseScstConfig(text, "t.conf");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Configuration{};
}

TEST(ScstConfigParser, ReferenceExampleParsesToTheExpectedModel) {
  Result<Configuration> r = ParseScstConfig(testing::kReferenceExample, "/etc/scst.conf");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Configuration& c = *r;

  ASSERT_EQ(c.handlers.size(), 3u);
  const Handler& fileio = c.handlers[0];
  EXPECT_EQ(fileio.name, "vdisk_fileio");
  EXPECT_EQ(fileio.where.line, 1);
  EXPECT_EQ(fileio.where.file, "/etc/scst.conf");
  EXPECT_TRUE(fileio.attributes.empty());
  ASSERT_EQ(fileio.devices.size(), 1u);
  const Device& disk01 = fileio.devices[0];
  EXPECT_EQ(disk01.name, "disk01");
  EXPECT_EQ(disk01.where.line, 2);
  ASSERT_EQ(disk01.attributes.size(), 2u);
  EXPECT_EQ(disk01.attributes[0].key, "filename");
  EXPECT_EQ(disk01.attributes[0].value, "/srv/disk01.img");
  EXPECT_EQ(disk01.attributes[0].where.line, 3);
  EXPECT_EQ(disk01.attributes[1].key, "nv_cache");
  EXPECT_EQ(disk01.attributes[1].value, "1");
  EXPECT_EQ(disk01.attributes[1].where.line, 4);

  const Handler& blockio = c.handlers[1];
  EXPECT_EQ(blockio.name, "vdisk_blockio");
  EXPECT_EQ(blockio.where.line, 7);
  ASSERT_EQ(blockio.devices.size(), 1u);
  EXPECT_EQ(blockio.devices[0].name, "disk02");
  EXPECT_EQ(blockio.devices[0].where.line, 8);
  ASSERT_EQ(blockio.devices[0].attributes.size(), 1u);
  EXPECT_EQ(blockio.devices[0].attributes[0].key, "filename");
  EXPECT_EQ(blockio.devices[0].attributes[0].value, "/dev/sdb");

  const Handler& nullio = c.handlers[2];
  EXPECT_EQ(nullio.name, "vdisk_nullio");
  ASSERT_EQ(nullio.devices.size(), 1u);
  EXPECT_EQ(nullio.devices[0].name, "null01");
  EXPECT_EQ(nullio.devices[0].where.line, 13);
  EXPECT_TRUE(nullio.devices[0].attributes.empty());

  ASSERT_EQ(c.drivers.size(), 1u);
  const TargetDriver& drv = c.drivers[0];
  EXPECT_EQ(drv.name, "ib_srpt");
  EXPECT_EQ(drv.where.line, 15);
  EXPECT_TRUE(drv.attributes.empty());
  ASSERT_EQ(drv.targets.size(), 1u);
  const Target& t = drv.targets[0];
  EXPECT_EQ(t.name, "fe80:0000:0000:0000:0002:c903:0005:f34f");
  EXPECT_EQ(t.where.line, 16);
  ASSERT_EQ(t.attributes.size(), 2u);
  EXPECT_EQ(t.attributes[0].key, "enabled");
  EXPECT_EQ(t.attributes[0].value, "1");
  EXPECT_EQ(t.attributes[1].key, "rel_tgt_id");
  EXPECT_EQ(t.attributes[1].value, "1");
  ASSERT_EQ(t.default_luns.size(), 1u);
  EXPECT_EQ(t.default_luns[0].lun, 0u);
  EXPECT_EQ(t.default_luns[0].device, "disk01");
  EXPECT_EQ(t.default_luns[0].where.line, 19);
  EXPECT_TRUE(t.default_luns[0].attributes.empty());
  ASSERT_EQ(t.groups.size(), 1u);
  const Group& g = t.groups[0];
  EXPECT_EQ(g.name, "grp1");
  EXPECT_EQ(g.where.line, 20);
  EXPECT_TRUE(g.attributes.empty());
  ASSERT_EQ(g.luns.size(), 1u);
  EXPECT_EQ(g.luns[0].lun, 0u);
  EXPECT_EQ(g.luns[0].device, "disk02");
  ASSERT_EQ(g.initiators.size(), 1u);
  EXPECT_EQ(g.initiators[0].name, "fe80:0000:0000:0000:0002:c903:0005:f34b");
  EXPECT_EQ(g.initiators[0].where.line, 22);
}

TEST(ScstConfigParser, LookupHelpersFindElements) {
  Configuration c = MustParse(testing::kReferenceExample);
  ASSERT_NE(FindDevice(c, "disk02"), nullptr);
  EXPECT_EQ(FindDevice(c, "disk02")->where.line, 8);
  EXPECT_EQ(FindDevice(c, "disk03"), nullptr);
  ASSERT_NE(FindHandlerOfDevice(c, "null01"), nullptr);
  EXPECT_EQ(FindHandlerOfDevice(c, "null01")->name, "vdisk_nullio");
  ASSERT_NE(FindDriver(c, "ib_srpt"), nullptr);
  const Target* t =
      FindTarget(*FindDriver(c, "ib_srpt"), "fe80:0000:0000:0000:0002:c903:0005:f34f");
  ASSERT_NE(t, nullptr);
  EXPECT_NE(FindGroup(*t, "grp1"), nullptr);
  EXPECT_EQ(FindGroup(*t, "grp2"), nullptr);
}

TEST(ScstConfigParser, QuotedValuesKeepBlanksHashesAndEscapes) {
  Configuration c = MustParse(
      "HANDLER vdisk_fileio {\n"
      "\tDEVICE disk01 {\n"
      "\t\tfilename \"/srv/my disk.img\"\n"
      "\t\tprod_id \"My Disk #1\"   # trailing comment\n"
      "\t\tusn \"a\\\"b\\\\c\"\n"
      "\t\tt10_dev_id \"\"\n"
      "\t}\n"
      "}\n");
  const Device* d = FindDevice(c, "disk01");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(GetString(d->attributes, "filename"), "/srv/my disk.img");
  EXPECT_EQ(GetString(d->attributes, "prod_id"), "My Disk #1");
  EXPECT_EQ(GetString(d->attributes, "usn"), "a\"b\\c");
  ASSERT_NE(FindAttribute(d->attributes, "t10_dev_id"), nullptr);
  EXPECT_EQ(GetString(d->attributes, "t10_dev_id", "x"), "");
}

TEST(ScstConfigParser, CommentsAfterValuesAndHashInsideWords) {
  Configuration c = MustParse(
      "# leading comment\n"
      "\n"
      "HANDLER vdisk_fileio {   # handler comment\n"
      "  DEVICE d1 {\n"
      "    filename /srv/a#b.img # the # inside a word is data\n"
      "    nv_cache 1\t# comment right after a value\n"
      "  }\n"
      "}\n");
  const Device* d = FindDevice(c, "d1");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(GetString(d->attributes, "filename"), "/srv/a#b.img");
  EXPECT_EQ(GetString(d->attributes, "nv_cache"), "1");
  // '#' starts a comment only where a word could start: "1#x" is one word.
  Result<Configuration> bad = ParseScstConfig(
      "HANDLER vdisk_fileio {\n  DEVICE d1 {\n    nv_cache 1#x\n  }\n}\n", "t.conf");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), StartsWith("t.conf:3: DEVICE attribute 'nv_cache'"));
}

TEST(ScstConfigParser, BlocksOnOneLineAndBlocklessElements) {
  Configuration c = MustParse(
      "HANDLER vdisk_memory { DEVICE mem01 { size 1048576 } }\n"
      "HANDLER vdisk_nullio\n"
      "TARGET_DRIVER ib_srpt { thread 1 }\n");
  ASSERT_EQ(c.handlers.size(), 2u);
  ASSERT_NE(FindDevice(c, "mem01"), nullptr);
  EXPECT_EQ(GetString(FindDevice(c, "mem01")->attributes, "size"), "1048576");
  EXPECT_TRUE(c.handlers[1].devices.empty());
  EXPECT_EQ(GetString(c.drivers[0].attributes, "thread"), "1");
}

TEST(ScstConfigParser, LunBlockAttributesGroupAttributesAndDriverAttributes) {
  Configuration c = MustParse(
      "HANDLER vdisk_nullio {\n"
      "  DEVICE n0\n"
      "  DEVICE n1\n"
      "}\n"
      "TARGET_DRIVER ib_srpt {\n"
      "  srp_max_message_size 2116\n"
      "  srp_max_rdma_size 65536\n"
      "  thread 0\n"
      "  trace_flag 0x2\n"
      "  rdma_cm_port 5000\n"
      "  TARGET t1 {\n"
      "    LUN 0 n0 {\n"
      "      read_only 1\n"
      "    }\n"
      "    LUN 16383 n1\n"
      "    GROUP g {\n"
      "      io_grouping_type auto\n"
      "      LUN 5 n1 { read_only 0 }\n"
      "      INITIATOR 0x0002c9030005f34b\n"
      "      INITIATOR *:f34c\n"
      "    }\n"
      "  }\n"
      "}\n");
  const TargetDriver& drv = c.drivers[0];
  EXPECT_EQ(GetUint(drv.attributes, "srp_max_message_size", 0).value_or(0), 2116u);
  EXPECT_EQ(GetUint(drv.attributes, "srp_max_rdma_size", 0).value_or(0), 65536u);
  EXPECT_EQ(GetUint(drv.attributes, "trace_flag", 0).value_or(0), 2u);
  EXPECT_EQ(GetUint(drv.attributes, "rdma_cm_port", 0).value_or(0), 5000u);
  const Target& t = drv.targets[0];
  ASSERT_EQ(t.default_luns.size(), 2u);
  EXPECT_EQ(GetString(t.default_luns[0].attributes, "read_only"), "1");
  EXPECT_EQ(t.default_luns[1].lun, 16383u);
  const Group& g = t.groups[0];
  EXPECT_EQ(GetString(g.attributes, "io_grouping_type"), "auto");
  ASSERT_EQ(g.luns.size(), 1u);
  EXPECT_EQ(g.luns[0].lun, 5u);
  EXPECT_EQ(GetString(g.luns[0].attributes, "read_only"), "0");
  ASSERT_EQ(g.initiators.size(), 2u);
  EXPECT_EQ(g.initiators[1].name, "*:f34c");
}

TEST(ConfigModel, TypedGettersUseDefaultsAndReportTheAttributeLine) {
  Configuration c = MustParse(
      "HANDLER vdisk_fileio {\n"
      "  DEVICE d {\n"
      "    filename /x\n"
      "    custom_flag yes\n"
      "    custom_num 12abc\n"
      "  }\n"
      "}\n");
  const AttributeList& a = FindDevice(c, "d")->attributes;
  EXPECT_EQ(GetUint(a, "blocksize", 512).value_or(0), 512u);
  EXPECT_TRUE(GetBool(a, "custom_flag", false).value_or(false));
  EXPECT_FALSE(GetBool(a, "nv_cache", false).value_or(true));
  Result<uint64_t> bad = GetUint(a, "custom_num", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), StartsWith("t.conf:5: custom_num:"));
  Result<bool> not_bool = GetBool(a, "filename", false);
  ASSERT_FALSE(not_bool.ok());
  EXPECT_THAT(not_bool.status().message(), StartsWith("t.conf:3: filename:"));
  EXPECT_EQ(ParseUint("0x10").value_or(0), 16u);
  EXPECT_FALSE(ParseUint("18446744073709551616").ok());
  EXPECT_FALSE(ParseUint("-1").ok());
  EXPECT_FALSE(ParseBool("2").ok());
  EXPECT_TRUE(ParseBool("On").value_or(false));
}

TEST(ConfigModel, SetAttributeReplacesOrAppends) {
  AttributeList a;
  SetAttribute(a, "nv_cache", "1");
  SetAttribute(a, "filename", "/a");
  SetAttribute(a, "nv_cache", "0");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].key, "nv_cache");
  EXPECT_EQ(a[0].value, "0");
}

TEST(ScstConfigParser, LoadReadsAFileAndNamesItInErrors) {
  char dir_template[] = "/tmp/srp_config_test.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::string good = dir + "/good.conf";
  std::string bad = dir + "/bad.conf";
  std::ofstream(good) << testing::kReferenceExample;
  std::ofstream(bad) << "HANDLER vdisk_nullio {\n  DEVICE n0\n";
  Result<Configuration> r = LoadScstConfig(good);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->handlers[0].where.file, good);
  Result<Configuration> e = LoadScstConfig(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), StartsWith(bad + ":1: unbalanced braces"));
  Result<Configuration> missing = LoadScstConfig(dir + "/none.conf");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("none.conf"));
  std::remove(good.c_str());
  std::remove(bad.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace srp::target::config
