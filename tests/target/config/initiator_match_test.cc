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
  EXPECT_TRUE(InitiatorMatches("0xfe800000000000000002c9030005f34b", s));
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
  EXPECT_TRUE(InitiatorMatches("0x*f34b", s));            // the 0x+32-hex spelling
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

TEST(InitiatorMatch, OtherNamesCompareLiterally) {
  SessionIdentity s;
  s.session_name = "host-a.example";
  EXPECT_TRUE(InitiatorMatches("host-a.example", s));
  EXPECT_FALSE(InitiatorMatches("host-b.example", s));
  EXPECT_FALSE(InitiatorMatches("", IbSession()));
}

}  // namespace
}  // namespace srp::target::config
