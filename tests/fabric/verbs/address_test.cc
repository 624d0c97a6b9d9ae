// Address <-> sockaddr translation and the RDMA_PS_IB listen rule.
#include <arpa/inet.h>
#include <endian.h>
#include <gtest/gtest.h>

#include <cstring>

#include "lib/fabric/verbs/verbs_address.h"

namespace srp::fabric::verbs {
namespace {

TEST(ServiceIdRule, InsideRdmaPsIb) {
  EXPECT_TRUE(ValidateListenServiceId(0x00000000013F0000ull).ok());
  EXPECT_TRUE(ValidateListenServiceId(0x00000000013F1234ull).ok());
  EXPECT_TRUE(ValidateListenServiceId(0x00000000013FFFFFull).ok());
}

TEST(ServiceIdRule, OutsideIsRejectedWithExplanation) {
  for (uint64_t sid : {0x0002c90300a1b2c3ull, 0x0000000001060000ull | 5000, 0x00000000013E0000ull,
                       0x01000000013F0000ull}) {
    Status s = ValidateListenServiceId(sid);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << std::hex << sid;
    EXPECT_NE(s.message().find("RDMA CM's IB port space"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("user space"), std::string::npos) << s.message();
  }
}

TEST(PortSpace, ByKind) {
  EXPECT_EQ(PortSpaceFor(Address::Kind::kIb), RDMA_PS_IB);
  EXPECT_EQ(PortSpaceFor(Address::Kind::kIp), RDMA_PS_TCP);
}

TEST(IbSockaddr, BigEndianFields) {
  Gid gid = Gid::FromParts(0xfe80000000000000ull, 0x0002c90300a1b2c4ull);
  SockAddr sa = MakeIbSockaddr(gid, 0x13F0042, 0x8001);
  ASSERT_EQ(sa.family(), AF_IB);
  const auto* sib = reinterpret_cast<const sockaddr_ib*>(&sa.storage);
  EXPECT_EQ(be64toh(sib->sib_sid), 0x13F0042u);
  EXPECT_EQ(sib->sib_sid_mask, ~0ull);
  EXPECT_EQ(be16toh(sib->sib_pkey), 0x8001);
  EXPECT_EQ(std::memcmp(sib->sib_addr.sib_raw, gid.raw.data(), 16), 0);
  EXPECT_EQ(SockaddrServiceId(sa.get()), 0x13F0042u);
}

TEST(IpSockaddr, V4V6AndScope) {
  auto v4 = MakeIpSockaddr("192.0.2.1", 5000);
  ASSERT_TRUE(v4.ok());
  ASSERT_EQ(v4->family(), AF_INET);
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&v4->storage);
  EXPECT_EQ(ntohs(sin->sin_port), 5000);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0xC0000201u);
  EXPECT_EQ(SockaddrIpText(v4->get()), "192.0.2.1");
  EXPECT_EQ(SockaddrPort(v4->get()), 5000);

  auto v6 = MakeIpSockaddr("fe80::1%7", 5001);
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  ASSERT_EQ(v6->family(), AF_INET6);
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&v6->storage);
  EXPECT_EQ(ntohs(sin6->sin6_port), 5001);
  EXPECT_EQ(sin6->sin6_scope_id, 7u);
  EXPECT_EQ(SockaddrIpText(v6->get()), "fe80::1%7");

  auto lo = MakeIpSockaddr("lo", 1);
  EXPECT_EQ(lo.status().code(), StatusCode::kInvalidArgument);
  auto bad_scope = MakeIpSockaddr("fe80::1%nosuchif0", 1);
  EXPECT_EQ(bad_scope.status().code(), StatusCode::kInvalidArgument);
}

TEST(IpSockaddr, Any) {
  SockAddr a6 = AnyIpv6(5000);
  EXPECT_EQ(a6.family(), AF_INET6);
  EXPECT_EQ(SockaddrPort(a6.get()), 5000);
  EXPECT_EQ(SockaddrIpText(a6.get()), "::");
  SockAddr a4 = AnyIpv4(5000);
  EXPECT_EQ(a4.family(), AF_INET);
  EXPECT_EQ(SockaddrIpText(a4.get()), "0.0.0.0");
}

TEST(PeerFromCmId, IbAndIp) {
  rdma_cm_id id;
  std::memset(&id, 0, sizeof(id));
  Gid gid = Gid::FromParts(0xfe80000000000000ull, 0x0011223344556677ull);
  SockAddr sa = MakeIbSockaddr(gid, 0x13F0001, 0x7fff);
  std::memcpy(&id.route.addr.dst_storage, &sa.storage, sizeof(sockaddr_ib));
  PeerInfo ib = PeerFromCmId(id, Address::Kind::kIb);
  EXPECT_EQ(ib.gid, gid);
  EXPECT_EQ(ib.port_guid, 0x0011223344556677ull);
  EXPECT_EQ(ib.pkey, 0x7fff);
  EXPECT_EQ(ib.ip, "");

  // An IB peer whose dst_addr is not a filled sockaddr_ib: GID from ibaddr.
  rdma_cm_id ipoib;
  std::memset(&ipoib, 0, sizeof(ipoib));
  std::memcpy(ipoib.route.addr.addr.ibaddr.dgid.raw, gid.raw.data(), 16);
  ipoib.route.addr.addr.ibaddr.pkey = htobe16(0x8001);
  PeerInfo from_ibaddr = PeerFromCmId(ipoib, Address::Kind::kIb);
  EXPECT_EQ(from_ibaddr.gid, gid);
  EXPECT_EQ(from_ibaddr.pkey, 0x8001);

  auto v4 = MakeIpSockaddr("198.51.100.9", 40000);
  ASSERT_TRUE(v4.ok());
  std::memcpy(&id.route.addr.dst_storage, &v4->storage, sizeof(sockaddr_in));
  PeerInfo ip = PeerFromCmId(id, Address::Kind::kIp);
  EXPECT_EQ(ip.ip, "198.51.100.9");
  EXPECT_EQ(ip.gid, Gid{});
}

}  // namespace
}  // namespace srp::fabric::verbs
