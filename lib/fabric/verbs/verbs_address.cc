#include "lib/fabric/verbs/verbs_address.h"

#include <arpa/inet.h>
#include <endian.h>
#include <fmt/format.h>
#include <net/if.h>

#include <cstring>

namespace srp::fabric::verbs {

rdma_port_space PortSpaceFor(Address::Kind kind) {
  return kind == Address::Kind::kIb ? RDMA_PS_IB : RDMA_PS_TCP;
}

Status ValidateListenServiceId(uint64_t service_id) {
  if ((service_id & RDMA_IB_IP_PS_MASK) == RDMA_IB_PS_IB) return Status::Ok();
  return InvalidArgument(fmt::format(
      "cannot listen on service id 0x{:016x}: from user space only RDMA CM's IB port space "
      "(0x00000000013Fxxxx, i.e. 0x{:016x} | port) can be used; advertise such an id in the "
      "ServiceEntries (ib_srp accepts any service id)",
      service_id, static_cast<uint64_t>(RDMA_IB_PS_IB)));
}

SockAddr MakeIbSockaddr(const Gid& gid, uint64_t service_id, uint16_t pkey) {
  SockAddr sa;
  auto* sib = reinterpret_cast<sockaddr_ib*>(&sa.storage);
  sib->sib_family = AF_IB;
  sib->sib_pkey = htobe16(pkey);
  std::memcpy(sib->sib_addr.sib_raw, gid.raw.data(), gid.raw.size());
  sib->sib_sid = htobe64(service_id);
  sib->sib_sid_mask = htobe64(~0ull);
  return sa;
}

Result<SockAddr> MakeIpSockaddr(const std::string& host, uint16_t port) {
  SockAddr sa;
  auto* sin = reinterpret_cast<sockaddr_in*>(&sa.storage);
  if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    return sa;
  }
  std::string literal = host;
  std::string scope;
  if (size_t pct = host.find('%'); pct != std::string::npos) {
    literal = host.substr(0, pct);
    scope = host.substr(pct + 1);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&sa.storage);
  if (inet_pton(AF_INET6, literal.c_str(), &sin6->sin6_addr) != 1)
    return InvalidArgument(fmt::format("'{}' is not an IPv4 or IPv6 address literal", host));
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  if (!scope.empty()) {
    unsigned index = if_nametoindex(scope.c_str());
    if (index == 0) {
      char* end = nullptr;
      unsigned long numeric = std::strtoul(scope.c_str(), &end, 10);
      if (end == scope.c_str() || *end != '\0' || numeric == 0)
        return InvalidArgument(fmt::format("unknown IPv6 scope '{}' in '{}'", scope, host));
      index = static_cast<unsigned>(numeric);
    }
    sin6->sin6_scope_id = index;
  }
  return sa;
}

SockAddr AnyIpv6(uint16_t port) {
  SockAddr sa;
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&sa.storage);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_addr = in6addr_any;
  sin6->sin6_port = htons(port);
  return sa;
}

SockAddr AnyIpv4(uint16_t port) {
  SockAddr sa;
  auto* sin = reinterpret_cast<sockaddr_in*>(&sa.storage);
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl(INADDR_ANY);
  sin->sin_port = htons(port);
  return sa;
}

uint16_t SockaddrPort(const sockaddr* addr) {
  switch (addr->sa_family) {
    case AF_INET:
      return ntohs(reinterpret_cast<const sockaddr_in*>(addr)->sin_port);
    case AF_INET6:
      return ntohs(reinterpret_cast<const sockaddr_in6*>(addr)->sin6_port);
    default:
      return 0;
  }
}

uint64_t SockaddrServiceId(const sockaddr* addr) {
  if (addr->sa_family != AF_IB) return 0;
  return be64toh(reinterpret_cast<const sockaddr_ib*>(addr)->sib_sid);
}

std::string SockaddrIpText(const sockaddr* addr) {
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof(text));
    return text;
  }
  if (addr->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
    std::string s = text;
    if (sin6->sin6_scope_id != 0) s += fmt::format("%{}", sin6->sin6_scope_id);
    return s;
  }
  return "";
}

PeerInfo PeerFromCmId(const rdma_cm_id& id, Address::Kind kind) {
  PeerInfo peer;
  const sockaddr* dst = &id.route.addr.dst_addr;
  if (kind == Address::Kind::kIp) {
    peer.ip = SockaddrIpText(dst);
    return peer;
  }
  const auto* sib = reinterpret_cast<const sockaddr_ib*>(dst);
  if (dst->sa_family == AF_IB && !ib_addr_any(&sib->sib_addr)) {
    std::memcpy(peer.gid.raw.data(), sib->sib_addr.sib_raw, peer.gid.raw.size());
    peer.pkey = be16toh(sib->sib_pkey);
  } else {  // IPoIB-resolved ids (and AF_IB ids without a filled sockaddr) keep it in ibaddr
    std::memcpy(peer.gid.raw.data(), id.route.addr.addr.ibaddr.dgid.raw, peer.gid.raw.size());
    peer.pkey = be16toh(id.route.addr.addr.ibaddr.pkey);
  }
  peer.port_guid = peer.gid.interface_id();
  return peer;
}

}  // namespace srp::fabric::verbs
