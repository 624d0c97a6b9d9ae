// Does a session match an INITIATOR line of a GROUP?
//
// Trust rule: what the initiator writes into its SRP_LOGIN_REQ (the 16-byte initiator port
// id) is chosen freely by the client; the source GID (IB CM) and the source address (RDMA CM)
// are reported by the fabric. Each entry form is compared with exactly one of them, so an
// entry written as a GID or an IP address can never be matched by a forged port id.
//
// An entry is compared by value when it parses as an identifier, so spelling does not matter:
// - "0x" + 32 hex digits (SCST ib_srpt's session name, `0x<initiator_ext><port GUID>`): the
//   SRP initiator port id of the login, and nothing else;
// - a GID: 32 hex digits without "0x", or IPv6 text (the 8-group "fe80:0000:..." form or
//   "::"-compressed): the fabric-reported source GID of an IB CM login, or the source address
//   of an RDMA CM login over IPv6;
// - a port GUID: 16 hex digits, "0x" + 16 hex, or "xxxx:xxxx:xxxx:xxxx": the interface id
//   (low 64 bits) of the fabric-reported source GID;
// - an IPv4 address: the connection's source address (IPv4, or IPv4-mapped IPv6).
// An entry with '*' or '?' is a wildcard pattern ('*' any run, '?' one character,
// case-insensitive). A pattern that starts with "0x" runs over the port id's "0x" + 32 hex
// spelling only; any other pattern runs over the fabric-reported names only: the session
// name, the GID's 8-group colon form and its 32 hex digits.
// Anything else must equal the session name exactly.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/common/ids.h"
#include "lib/common/status.h"

namespace srp::target::config {

// An IP address as 16 bytes; IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d).
using IpAddress = std::array<uint8_t, 16>;

// IPv4 dotted quad or IPv6 text (optionally in [brackets], "%scope" dropped).
Result<IpAddress> ParseIpAddress(std::string_view text);

struct SessionIdentity {
  std::optional<Gid> port_gid;  // fabric-reported source GID (IB CM login)
  std::optional<IpAddress> ip;  // fabric-reported source address (RDMA CM login)
  std::string session_name;     // the name listings show: the GID colon form or the IP text
  // SRP_LOGIN_REQ initiator_port_id, wire order: chosen by the client, matched only by the
  // "0x" + 32 hex entry form.
  std::optional<std::array<uint8_t, 16>> initiator_port_id;
};

// "0x" + 32 lower-case hex digits of an initiator port id (SCST's session name form).
std::string FormatInitiatorPortId(const std::array<uint8_t, 16>& id);

bool InitiatorMatches(std::string_view entry, const SessionIdentity& session);

// False when no session can ever match `entry`: it is no wildcard and parses as none of the
// identifier forms above (sessions are always named by a GID, an IP address or an initiator
// port id), e.g. a typo such as "fe80:0000:0000". Used to warn at load time.
bool InitiatorEntryCanMatch(std::string_view entry);

// '*' matches any run (also empty), '?' one character; ASCII case-insensitive.
bool WildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace srp::target::config
