// GUID / GID / hex formatting and parsing, in the spellings the SRP tools use.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lib/common/status.h"

namespace srp {

// A 128-bit InfiniBand GID (network byte order): subnet prefix || interface id.
struct Gid {
  std::array<uint8_t, 16> raw{};

  static Gid FromParts(uint64_t subnet_prefix, uint64_t interface_id);
  uint64_t subnet_prefix() const;
  uint64_t interface_id() const;
  bool operator==(const Gid&) const = default;
};

// A GID on the wire: 16 bytes in network order. REQUIRES: 16 bytes at `p`.
Gid LoadGid(const std::byte* p);
void StoreGid(std::byte* p, const Gid& gid);

// "%016llx": 16 lower-case hex digits.
std::string FormatHex64(uint64_t v);
// "%04x".
std::string FormatHex16(uint16_t v);
// GUID as "xxxx:xxxx:xxxx:xxxx" (LIO port-GUID style).
std::string FormatGuidColon(uint64_t guid);
// GID as 32 lower-case hex digits (ibsrpdm's dgid= spelling).
std::string FormatGidHex(const Gid& gid);
// GID as eight 4-digit groups "fe80:0000:...:f34b" (SCST session-name / %pI6 style).
std::string FormatGidColon(const Gid& gid);
// Lower-case hex of arbitrary bytes, no separators.
std::string FormatHexBytes(std::span<const std::byte> bytes);
// Classic 16-bytes-per-line hex dump with offsets (for logs and test failures).
std::string HexDump(std::span<const std::byte> bytes);

// Parses 1..16 hex digits, optional "0x"/"0X" prefix. No sign, no spaces.
Result<uint64_t> ParseHexU64(std::string_view text);
// Parses 1..4 hex digits, optional "0x".
Result<uint16_t> ParseHexU16(std::string_view text);
// Parses a GUID: 16 hex digits, "0x"+16 hex, or "xxxx:xxxx:xxxx:xxxx".
Result<uint64_t> ParseGuid(std::string_view text);
// Parses a GID: exactly 32 hex digits, "0x"+32 hex, or any IPv6 text form
// (including the 8-group "fe80:0000:..." spelling and "::" compression).
Result<Gid> ParseGid(std::string_view text);
// Parses an even-length hex string into bytes.
Result<std::string> ParseHexBytes(std::string_view text);

}  // namespace srp
