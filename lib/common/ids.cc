#include "lib/common/ids.h"

#include <arpa/inet.h>
#include <fmt/format.h>

namespace srp {

Gid Gid::FromParts(uint64_t subnet_prefix, uint64_t interface_id) {
  Gid g;
  for (int i = 0; i < 8; ++i) {
    g.raw[i] = static_cast<uint8_t>(subnet_prefix >> (56 - 8 * i));
    g.raw[8 + i] = static_cast<uint8_t>(interface_id >> (56 - 8 * i));
  }
  return g;
}

uint64_t Gid::subnet_prefix() const {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | raw[i];
  return v;
}

uint64_t Gid::interface_id() const {
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | raw[i];
  return v;
}

Gid LoadGid(const std::byte* p) {
  Gid gid;
  for (size_t i = 0; i < gid.raw.size(); ++i) gid.raw[i] = static_cast<uint8_t>(p[i]);
  return gid;
}

void StoreGid(std::byte* p, const Gid& gid) {
  for (size_t i = 0; i < gid.raw.size(); ++i) p[i] = static_cast<std::byte>(gid.raw[i]);
}

std::string FormatHex64(uint64_t v) { return fmt::format("{:016x}", v); }
std::string FormatHex16(uint16_t v) { return fmt::format("{:04x}", v); }

std::string FormatGuidColon(uint64_t guid) {
  return fmt::format("{:04x}:{:04x}:{:04x}:{:04x}", (guid >> 48) & 0xffff, (guid >> 32) & 0xffff,
                     (guid >> 16) & 0xffff, guid & 0xffff);
}

std::string FormatGidHex(const Gid& gid) {
  return FormatHex64(gid.subnet_prefix()) + FormatHex64(gid.interface_id());
}

std::string FormatGidColon(const Gid& gid) {
  std::string out;
  out.reserve(39);
  for (int i = 0; i < 16; i += 2) {
    if (i) out += ':';
    out += fmt::format("{:02x}{:02x}", gid.raw[i], gid.raw[i + 1]);
  }
  return out;
}

std::string FormatHexBytes(std::span<const std::byte> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::byte b : bytes) out += fmt::format("{:02x}", static_cast<unsigned>(b));
  return out;
}

std::string HexDump(std::span<const std::byte> bytes) {
  std::string out;
  for (size_t off = 0; off < bytes.size(); off += 16) {
    out += fmt::format("{:04x}:", off);
    for (size_t i = off; i < off + 16 && i < bytes.size(); ++i)
      out += fmt::format(" {:02x}", static_cast<unsigned>(bytes[i]));
    out += '\n';
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view StripHexPrefix(std::string_view t) {
  if (t.size() >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t.remove_prefix(2);
  return t;
}

Result<uint64_t> ParseHexDigits(std::string_view original, std::string_view digits,
                                size_t max_digits) {
  if (digits.empty() || digits.size() > max_digits)
    return InvalidArgument(fmt::format("'{}': expected 1 to {} hex digits", original, max_digits));
  uint64_t v = 0;
  for (char c : digits) {
    int d = HexValue(c);
    if (d < 0) return InvalidArgument(fmt::format("'{}': '{}' is not a hex digit", original, c));
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}
}  // namespace

Result<uint64_t> ParseHexU64(std::string_view text) {
  return ParseHexDigits(text, StripHexPrefix(text), 16);
}

Result<uint16_t> ParseHexU16(std::string_view text) {
  SRP_ASSIGN_OR_RETURN(uint64_t v, ParseHexDigits(text, StripHexPrefix(text), 4));
  return static_cast<uint16_t>(v);
}

Result<uint64_t> ParseGuid(std::string_view text) {
  if (text.size() == 19 && text[4] == ':' && text[9] == ':' && text[14] == ':') {
    std::string digits;
    for (char c : text)
      if (c != ':') digits += c;
    return ParseHexDigits(text, digits, 16);
  }
  std::string_view digits = StripHexPrefix(text);
  if (digits.size() != 16)
    return InvalidArgument(fmt::format("'{}': a GUID has 16 hex digits", text));
  return ParseHexDigits(text, digits, 16);
}

Result<Gid> ParseGid(std::string_view text) {
  std::string_view digits = StripHexPrefix(text);
  Gid gid;
  if (digits.size() == 32 && digits.find(':') == std::string_view::npos) {
    for (size_t i = 0; i < 16; ++i) {
      int hi = HexValue(digits[2 * i]), lo = HexValue(digits[2 * i + 1]);
      if (hi < 0 || lo < 0) return InvalidArgument(fmt::format("'{}': not a hex GID", text));
      gid.raw[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return gid;
  }
  std::string buf(text);
  in6_addr addr{};
  if (buf.find(':') == std::string::npos || inet_pton(AF_INET6, buf.c_str(), &addr) != 1)
    return InvalidArgument(
        fmt::format("'{}': a GID is 32 hex digits or an IPv6-style address", text));
  for (size_t i = 0; i < 16; ++i) gid.raw[i] = addr.s6_addr[i];
  return gid;
}

Result<std::string> ParseHexBytes(std::string_view text) {
  if (text.size() % 2 != 0) return InvalidArgument("hex string has an odd number of digits");
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = HexValue(text[i]), lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument(fmt::format("'{}': not hex", text));
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace srp
