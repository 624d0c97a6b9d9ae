// Address <-> sockaddr translation for RDMA CM (AF_IB and AF_INET/AF_INET6),
// and the user-space service-id rule for AF_IB listeners.
#pragma once

#include <infiniband/ib.h>
#include <netinet/in.h>
#include <rdma/rdma_cma.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"

namespace srp::fabric::verbs {

// Large enough for sockaddr_ib (48 bytes), sockaddr_in and sockaddr_in6.
struct SockAddr {
  sockaddr_storage storage{};
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
};
static_assert(sizeof(sockaddr_storage) >= sizeof(sockaddr_ib));

// RDMA_PS_IB for kIb (AF_IB), RDMA_PS_TCP for kIp (what ib_srp's dest= uses).
rdma_port_space PortSpaceFor(Address::Kind kind);

// OK iff `service_id` lies in RDMA CM's IB port space 0x00000000013Fxxxx. The
// kernel (cma_select_ib_ps) refuses any other AF_IB bind; and with libibcm /
// ib_ucm gone there is no other user-space listener (srp-reference.md §2.4).
Status ValidateListenServiceId(uint64_t service_id);

// AF_IB address: sib_addr = gid, sib_sid = service_id with an all-ones
// sib_sid_mask, sib_pkey = pkey (all big-endian as the kernel expects).
SockAddr MakeIbSockaddr(const Gid& gid, uint64_t service_id, uint16_t pkey);

// AF_INET / AF_INET6 from a literal ("192.0.2.1", "::1", "fe80::1%eth0" or
// "fe80::1%2"). No name resolution.
Result<SockAddr> MakeIpSockaddr(const std::string& host, uint16_t port);
SockAddr AnyIpv6(uint16_t port);
SockAddr AnyIpv4(uint16_t port);

// Readers for addresses filled in by librdmacm (route.addr.src/dst_addr).
// Port (kIp) or service id (kIb) of `addr`; 0 for other families.
uint16_t SockaddrPort(const sockaddr* addr);
uint64_t SockaddrServiceId(const sockaddr* addr);
// Numeric text of an AF_INET/AF_INET6 address (with %scope for link-local), else "".
std::string SockaddrIpText(const sockaddr* addr);

// Who is at the remote end of `id` (route.addr.dst_addr / ibaddr), as the
// seam describes peers: kIb -> GID, port GUID (= GID interface id) and P_Key;
// kIp -> IP text only (gid zero, as fabric.h documents). The CM does not tell
// us the remote node GUID; it stays 0.
PeerInfo PeerFromCmId(const rdma_cm_id& id, Address::Kind kind);

}  // namespace srp::fabric::verbs
