// Does a session match an INITIATOR line of a GROUP, as SCST decides it?
//
// An INITIATOR entry is compared by value when it parses as an identifier,
// so spelling does not matter:
// - a GID: 32 hex digits, "0x" + 32 hex, or IPv6 text (the 8-group
//   "fe80:0000:..." session-name form or "::"-compressed) — equal as a
//   128-bit value to the session's port GID (or to its IPv6 source address
//   for an RDMA CM login);
// - a port GUID: 16 hex digits, "0x" + 16 hex, or "xxxx:xxxx:xxxx:xxxx" —
//   equal to the interface id (low 64 bits) of the session's port GID;
// - an IPv4 address — equal to the session's source address (IPv4, or
//   IPv4-mapped IPv6).
// An entry with '*' or '?' is a wildcard pattern ('*' any run, '?' one
// character, case-insensitive) over the session's textual names: the SCST
// session name and the GID's spellings (8-group colon form, 32 hex, 0x+32 hex).
// The SRP initiator port id (initiator_ext + port GUID, the name SCST ib_srpt gives a
// session: "0x" + 32 hex) is a 128-bit identity too: a GID-shaped entry (32 hex, 0x + 32 hex)
// also matches when it equals the session's initiator port id, and wildcards also run over its
// "0x" + 32 hex spelling, so INITIATOR lines can tell apart two initiators that share a port
// but log in with different initiator_ext values.
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
  std::optional<Gid> port_gid;  // initiator port GID (IB CM login)
  std::optional<IpAddress> ip;  // source address (RDMA CM login over IP)
  std::string session_name;     // the name SCST shows for the session
  std::optional<std::array<uint8_t, 16>> initiator_port_id;  // SRP_LOGIN_REQ field, wire order
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
