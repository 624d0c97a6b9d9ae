#include "target/config/initiator_match.h"

#include <gtest/gtest.h>

namespace srp::target::config {
namespace {

SessionIdentity IbSession() {
  SessionIdentity s;
  s.port_gid = Gid::FromParts(0xfe80000000000000ull, 0x0002c9030005f34bull);
  s.session_name = "fe80:0000:0000:0000:0002:c903:0005:f34b";
  return s;
}

TEST(InitiatorMatch, GidInEverySpelling) {
  SessionIdentity s = IbSession();
  EXPECT_TRUE(InitiatorMatches("fe80:0000:0000:0000:0002:c903:0005:f34b", s));
  EXPECT_TRUE(InitiatorMatches("FE80:0000:0000:0000:0002:C903:0005:F34B", s));
  EXPECT_TRUE(InitiatorMatches("fe80::2:c903:5:f34b", s));
  EXPECT_TRUE(InitiatorMatches("fe800000000000000002c9030005f34b", s));
  // "0x" + 32 hex is the initiator port id form (SCST's session name), never a GID.
  EXPECT_FALSE(InitiatorMatches("0xfe800000000000000002c9030005f34b", s));
  EXPECT_FALSE(InitiatorMatches("fe80::2:c903:5:f34c", s));
  EXPECT_FALSE(InitiatorMatches("fe81::2:c903:5:f34b", s));  // other subnet prefix
}

TEST(InitiatorMatch, PortGuidMatchesTheInterfaceId) {
  SessionIdentity s = IbSession();
  EXPECT_TRUE(InitiatorMatches("0002:c903:0005:f34b", s));
  EXPECT_TRUE(InitiatorMatches("0002c9030005f34b", s));
  EXPECT_TRUE(InitiatorMatches("0x0002c9030005f34b", s));
  EXPECT_FALSE(InitiatorMatches("0002:c903:0005:f34c", s));
  SessionIdentity no_gid;
  no_gid.session_name = "0002:c903:0005:f34b";  // text alone is not a GID
  EXPECT_FALSE(InitiatorMatches("0x0002c9030005f34b", no_gid));
}

TEST(InitiatorMatch, IpAddresses) {
  SessionIdentity v4;
  v4.ip = *ParseIpAddress("192.168.1.20");
  EXPECT_TRUE(InitiatorMatches("192.168.1.20", v4));
  EXPECT_TRUE(InitiatorMatches("::ffff:192.168.1.20", v4));
  EXPECT_FALSE(InitiatorMatches("192.168.1.21", v4));
  EXPECT_FALSE(InitiatorMatches("192.168.1.20", IbSession()));

  SessionIdentity v6;
  v6.ip = *ParseIpAddress("[fd00::20%eth0]");
  EXPECT_TRUE(InitiatorMatches("fd00::20", v6));
  EXPECT_TRUE(InitiatorMatches("fd00:0000:0000:0000:0000:0000:0000:0020", v6));
  EXPECT_FALSE(InitiatorMatches("fd00::21", v6));
  EXPECT_FALSE(ParseIpAddress("300.1.1.1").ok());
  EXPECT_FALSE(ParseIpAddress("host").ok());
}

TEST(InitiatorMatch, WildcardsOverTheSessionTexts) {
  SessionIdentity s = IbSession();
  EXPECT_TRUE(InitiatorMatches("*", s));
  EXPECT_TRUE(InitiatorMatches("fe80:*:f34b", s));
  EXPECT_TRUE(InitiatorMatches("*c903:0005:f34?", s));
  EXPECT_FALSE(InitiatorMatches("0x*f34b", s));           // "0x" patterns: port id only
  EXPECT_TRUE(InitiatorMatches("fe80000000000000*", s));  // the 32-hex spelling
  EXPECT_FALSE(InitiatorMatches("*:f34c", s));
  EXPECT_FALSE(InitiatorMatches("fe80:?:f34b", s));
  EXPECT_TRUE(WildcardMatch("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(WildcardMatch("a**", "a"));
  EXPECT_FALSE(WildcardMatch("a*b", "aXXbY"));
  EXPECT_TRUE(WildcardMatch("?", "Q"));
  EXPECT_FALSE(WildcardMatch("?", ""));
  EXPECT_TRUE(WildcardMatch("", ""));
}

// A login chooses its initiator port id freely: forging it as the bytes of another host's GID
// or IPv6 address must not match that host's GID or IP entries (issue 13 item 1).
TEST(InitiatorMatch, ForgedPortIdMatchesNoGidOrIpEntry) {
  SessionIdentity attacker;
  attacker.port_gid = Gid::FromParts(0xfe80000000000000ull, 0x0002c90300000bad);
  attacker.session_name = FormatGidColon(*attacker.port_gid);
  attacker.initiator_port_id = IbSession().port_gid->raw;  // the victim's GID bytes
  for (const char* victim :
       {"fe80:0000:0000:0000:0002:c903:0005:f34b", "fe80::2:c903:5:f34b",
        "fe800000000000000002c9030005f34b", "fe80:*:f34b", "*f34b", "*c9030005f34b"}) {
    EXPECT_FALSE(InitiatorMatches(victim, attacker)) << victim;
  }
  // The same for an RDMA CM login whose port id carries the victim's IPv6 address.
  SessionIdentity rdma;
  rdma.ip = *ParseIpAddress("fd00::99");
  rdma.session_name = "fd00::99";
  rdma.initiator_port_id = *ParseIpAddress("fd00::20");
  EXPECT_FALSE(InitiatorMatches("fd00::20", rdma));
  EXPECT_FALSE(InitiatorMatches("fd00:0000:0000:0000:0000:0000:0000:0020", rdma));
  EXPECT_TRUE(InitiatorMatches("fd00::99", rdma));
}

TEST(InitiatorMatch, PortIdOnlyByItsZeroXForm) {
  SessionIdentity s = IbSession();
  s.initiator_port_id =
      std::array<uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0xc9, 3, 0, 5, 0xf3, 0x4b};
  EXPECT_TRUE(InitiatorMatches("0x00000000000000010002c9030005f34b", s));
  EXPECT_TRUE(InitiatorMatches("0X00000000000000010002C9030005F34B", s));
  EXPECT_FALSE(InitiatorMatches("0x00000000000000020002c9030005f34b", s));  // other ext
  EXPECT_TRUE(InitiatorMatches("0x0000000000000001*", s));
  EXPECT_FALSE(InitiatorMatches("0x0000000000000002*", s));
  // Without "0x" the 32 hex digits are a GID: compared with the fabric GID, not the port id.
  EXPECT_FALSE(InitiatorMatches("00000000000000010002c9030005f34b", s));
  EXPECT_FALSE(InitiatorMatches("0000000000000001*", s));
}

TEST(InitiatorMatch, OtherNamesCompareLiterally) {
  SessionIdentity s;
  s.session_name = "host-a.example";
  EXPECT_TRUE(InitiatorMatches("host-a.example", s));
  EXPECT_FALSE(InitiatorMatches("host-b.example", s));
  EXPECT_FALSE(InitiatorMatches("", IbSession()));
}

}  // namespace
}  // namespace srp::target::config
