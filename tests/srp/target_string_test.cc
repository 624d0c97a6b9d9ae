// The ib_srp add_target line (§6, §7): golden lines in ibsrpdm's -c spelling, round trips
// and every validation rule.
#include "lib/srp/target_string.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace srp::wire {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kExample =
    "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,"
    "dgid=fe800000000000000002c903000f1367,pkey=ffff,service_id=0002c903000f1366";

TEST(TargetStringTest, ParsesReferenceExample) {
  auto t = ParseTargetString(kExample);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->id_ext_text, "0002c903000f1366");
  EXPECT_EQ(t->id_ext, 0x0002c903000f1366u);
  EXPECT_EQ(t->ioc_guid, 0x0002c903000f1366u);
  ASSERT_TRUE(t->dgid.has_value());
  EXPECT_EQ(t->dgid->subnet_prefix(), 0xfe80000000000000u);
  EXPECT_EQ(t->dgid->interface_id(), 0x0002c903000f1367u);
  EXPECT_EQ(t->pkey, 0xffff);
  EXPECT_EQ(t->service_id, 0x0002c903000f1366u);
  EXPECT_FALSE(t->uses_rdma_cm());
  EXPECT_TRUE(t->option_order.empty());
  EXPECT_EQ(FormatTargetString(*t), kExample);
}

TEST(TargetStringTest, FormatsLikeIbsrpdmFromFields) {
  TargetString t;
  t.id_ext = 0x0002c903000f1366;
  t.ioc_guid = 0x0002c903000f1366;
  t.dgid = Gid::FromParts(0xfe80000000000000, 0x0002c903000f1367);
  t.pkey = 0xffff;
  t.service_id = 0x0002c903000f1366;
  EXPECT_EQ(FormatTargetString(t), kExample);
  // Extras set without option_order come out in ibsrpdm's order.
  t.max_it_iu_size = 2116;
  t.queue_size = 128;
  t.max_cmd_per_lun = 31;
  t.tl_retry_count = 7;
  t.initiator_ext = 0x0002c903000f1367;
  t.io_class = 0xff00;
  t.pkey = 0x8001;
  EXPECT_EQ(FormatTargetString(t),
            "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,"
            "dgid=fe800000000000000002c903000f1367,pkey=8001,service_id=0002c903000f1366,"
            "io_class=ff00,initiator_ext=0002c903000f1367,tl_retry_count=7,"
            "max_cmd_per_lun=31,queue_size=128,max_it_iu_size=2116");
}

TEST(TargetStringTest, CanonicalLinesRoundTrip) {
  const std::string_view lines[] = {
      kExample,
      "id_ext=0002C903000F1366,ioc_guid=0002c903000f1366,"
      "dgid=fe800000000000000002c903000f1367,pkey=7fff,service_id=0002c903000f1366",
      "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,"
      "dgid=fe800000000000000002c903000f1367,pkey=ffff,service_id=0002c903000f1366,"
      "io_class=ff00,initiator_ext=0002c903000f1367,tl_retry_count=5,max_cmd_per_lun=31,"
      "queue_size=128,max_it_iu_size=8260",
      // Unusual-but-valid option order is preserved.
      "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,"
      "dgid=fe800000000000000002c903000f1367,pkey=ffff,service_id=0002c903000f1366,"
      "queue_size=62,cmd_sg_entries=255,allow_ext_sg=1,sg_tablesize=2048,comp_vector=0,"
      "ch_count=4,max_sect=2048,target_can_queue=16,io_class=0100",
      "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,dest=192.168.10.1:5555",
      "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,dest=[fe80::2:c903:f:1367%ib0]:5555,"
      "src=fe80::1",
      "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,dest=[::1]:1,src=10.0.0.1",
  };
  for (std::string_view line : lines) {
    auto t = ParseTargetString(line);
    ASSERT_TRUE(t.ok()) << line << ": " << t.status().ToString();
    EXPECT_EQ(FormatTargetString(*t), line);
  }
}

TEST(TargetStringTest, IdExtTextIsKeptVerbatim) {
  auto t = ParseTargetString(
      "id_ext=0x00AB,ioc_guid=0002c903000f1366,dgid=fe800000000000000002c903000f1367,"
      "pkey=ffff,service_id=0002c903000f1366");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->id_ext, 0xabu);
  EXPECT_EQ(t->id_ext_text, "0x00AB");
  EXPECT_THAT(FormatTargetString(*t), HasSubstr("id_ext=0x00AB,"));
}

TEST(TargetStringTest, NewlineSeparatorsAndEmptyOptions) {
  auto t = ParseTargetString(
      "id_ext=0002c903000f1366\nioc_guid=0002c903000f1366\n"
      "dgid=fe800000000000000002c903000f1367,,pkey=ffff\nservice_id=0002c903000f1366\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(FormatTargetString(*t), kExample);
}

TEST(TargetStringTest, MandatoryKeysInAnyOrderAreNormalized) {
  auto t = ParseTargetString(
      "pkey=0xffff,service_id=0x0002c903000f1366,dgid=fe800000000000000002c903000f1367,"
      "ioc_guid=2c903000f1366,id_ext=0002c903000f1366");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(FormatTargetString(*t), kExample);
}

TEST(TargetStringTest, RdmaCmDestForms) {
  auto v4 = ParseTargetString("id_ext=1,ioc_guid=2,dest=10.1.2.3:5000");
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  ASSERT_TRUE(v4->uses_rdma_cm());
  EXPECT_EQ(v4->dest->host, "10.1.2.3");
  EXPECT_EQ(v4->dest->port, 5000);
  EXPECT_FALSE(v4->dest->ipv6);
  auto v6 = ParseTargetString("id_ext=1,ioc_guid=2,dest=[fe80::1%ib0]:5000");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_TRUE(v6->dest->ipv6);
  EXPECT_EQ(v6->dest->host, "fe80::1");
  EXPECT_EQ(v6->dest->scope, "ib0");
  EXPECT_EQ(FormatDestAddress(*v6->dest), "[fe80::1%ib0]:5000");
  // Unbracketed IPv6 with the port after the last ':' (accepted by the kernel too).
  auto bare = ParseDestAddress("fe80::1:5000");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(FormatDestAddress(*bare), "[fe80::1]:5000");
}

// --- Bad values ---

void ExpectBad(std::string_view line, std::string_view what) {
  auto t = ParseTargetString(line);
  ASSERT_FALSE(t.ok()) << line;
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr(std::string(what))) << line;
}

constexpr std::string_view kIb =
    "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,"
    "dgid=fe800000000000000002c903000f1367,pkey=ffff,service_id=0002c903000f1366";

std::string With(std::string_view extra) { return std::string(kIb) + "," + std::string(extra); }

TEST(TargetStringBadTest, UnknownParameter) {
  ExpectBad(With("foo=1"), "unknown parameter or missing value 'foo=1'");
  ExpectBad(With("queue_size"), "unknown parameter or missing value 'queue_size'");
  ExpectBad(With("ID_EXT=1"), "unknown parameter or missing value");
}

TEST(TargetStringBadTest, MissingValue) {
  ExpectBad("id_ext=,ioc_guid=1,dest=1.2.3.4:5", "unknown parameter or missing value 'id_ext='");
  ExpectBad(With("queue_size="), "unknown parameter or missing value 'queue_size='");
}

TEST(TargetStringBadTest, MissingMandatorySet) {
  ExpectBad("id_ext=1,ioc_guid=2,dgid=fe800000000000000002c903000f1367,pkey=ffff",
            "missing mandatory parameter(s) service_id");
  ExpectBad("ioc_guid=2,dest=1.2.3.4:5", "missing mandatory parameter(s) id_ext");
  ExpectBad("", "missing mandatory");
}

TEST(TargetStringBadTest, DgidMustBeExactly32Hex) {
  ExpectBad("id_ext=1,ioc_guid=2,dgid=fe800000000000000002c903000f136,pkey=ffff,service_id=1",
            "bad dgid parameter");
  ExpectBad("id_ext=1,ioc_guid=2,dgid=fe800000000000000002c903000f13670,pkey=ffff,service_id=1",
            "exactly 32 hex digits");
  ExpectBad("id_ext=1,ioc_guid=2,dgid=fe80000000000000g002c903000f1367,pkey=ffff,service_id=1",
            "exactly 32 hex digits");
  ExpectBad("id_ext=1,ioc_guid=2,dgid=fe80::2:c903:f:1367,pkey=ffff,service_id=1",
            "exactly 32 hex digits");
}

TEST(TargetStringBadTest, HexValues) {
  ExpectBad("id_ext=xyz,ioc_guid=2,dest=1.2.3.4:5", "bad id_ext parameter 'xyz'");
  ExpectBad("id_ext=12345678901234567,ioc_guid=2,dest=1.2.3.4:5", "bad id_ext parameter");
  ExpectBad("id_ext=1,ioc_guid=-2,dest=1.2.3.4:5", "bad ioc_guid parameter");
  ExpectBad("id_ext=1,ioc_guid=2,dgid=fe800000000000000002c903000f1367,pkey=10000,service_id=1",
            "bad pkey parameter");
  ExpectBad(With("initiator_ext=zz"), "bad initiator_ext parameter");
}

TEST(TargetStringBadTest, IoClassMustBeFf00Or0100) {
  ExpectBad(With("io_class=0200"), "bad io_class parameter '0200'");
  auto ok = ParseTargetString(With("io_class=0xFF00"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->io_class, 0xff00);
}

TEST(TargetStringBadTest, CmdSgEntriesRange) {
  ExpectBad(With("cmd_sg_entries=0"), "must be in 1..255");
  ExpectBad(With("cmd_sg_entries=256"), "must be in 1..255");
  EXPECT_TRUE(ParseTargetString(With("cmd_sg_entries=1")).ok());
  EXPECT_TRUE(ParseTargetString(With("cmd_sg_entries=255")).ok());
}

TEST(TargetStringBadTest, TlRetryCountRange) {
  ExpectBad(With("tl_retry_count=1"), "must be in 2..7");
  ExpectBad(With("tl_retry_count=8"), "must be in 2..7");
  EXPECT_TRUE(ParseTargetString(With("tl_retry_count=2")).ok());
}

TEST(TargetStringBadTest, OtherDecimalRanges) {
  ExpectBad(With("sg_tablesize=2049"), "must be in 1..2048");
  ExpectBad(With("queue_size=0"), "bad queue_size parameter");
  ExpectBad(With("max_cmd_per_lun=0"), "bad max_cmd_per_lun parameter");
  ExpectBad(With("ch_count=0"), "bad ch_count parameter");
  ExpectBad(With("target_can_queue=0"), "bad target_can_queue parameter");
  ExpectBad(With("comp_vector=-1"), "not a non-negative decimal integer");
  ExpectBad(With("max_sect=12ab"), "not a non-negative decimal integer");
  ExpectBad(With("max_it_iu_size=4294967296"), "bad max_it_iu_size parameter");
}

TEST(TargetStringBadTest, DestPortIsMandatory) {
  ExpectBad("id_ext=1,ioc_guid=2,dest=192.168.1.1", "port is mandatory");
  ExpectBad("id_ext=1,ioc_guid=2,dest=[fe80::1%ib0]", "port is mandatory");
  ExpectBad("id_ext=1,ioc_guid=2,dest=192.168.1.1:", "bad port");
  ExpectBad("id_ext=1,ioc_guid=2,dest=192.168.1.1:0", "bad port");
  ExpectBad("id_ext=1,ioc_guid=2,dest=192.168.1.1:65536", "bad port");
}

TEST(TargetStringBadTest, DestAddressMustBeValid) {
  ExpectBad("id_ext=1,ioc_guid=2,dest=192.168.1.300:5", "not an IPv4 address");
  ExpectBad("id_ext=1,ioc_guid=2,dest=host.example:5", "not an IPv4 address");
  ExpectBad("id_ext=1,ioc_guid=2,dest=[fe80::g]:5", "not an IPv6 address");
  ExpectBad("id_ext=1,ioc_guid=2,dest=[fe80::1%]:5", "bad IPv6 scope");
  ExpectBad("id_ext=1,ioc_guid=2,dest=1.2.3.4:5,src=1.2.3", "bad src parameter");
}

TEST(TargetStringBadTest, DuplicateParameter) {
  ExpectBad(With("pkey=ffff"), "duplicate parameter 'pkey'");
  ExpectBad(With("queue_size=1,queue_size=2"), "duplicate parameter 'queue_size'");
  ExpectBad(With("id_ext=1"), "duplicate parameter 'id_ext'");
}

}  // namespace
}  // namespace srp::wire
