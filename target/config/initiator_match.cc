#include "target/config/initiator_match.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <vector>

namespace srp::target::config {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool HasHexPrefix(std::string_view s) {
  return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

// "0x" + exactly 32 hex digits: the SRP initiator port id form.
std::optional<std::array<uint8_t, 16>> ParsePortIdEntry(std::string_view entry) {
  if (!HasHexPrefix(entry) || entry.size() != 34) return std::nullopt;
  Result<Gid> parsed = ParseGid(entry);  // 0x + 32 hex: the same 16 bytes, in order
  if (!parsed.ok()) return std::nullopt;
  return parsed->raw;
}

// The fabric-reported names a wildcard without "0x" runs over.
std::vector<std::string> FabricTexts(const SessionIdentity& s) {
  std::vector<std::string> texts;
  if (!s.session_name.empty()) texts.push_back(s.session_name);
  if (s.port_gid) {
    texts.push_back(FormatGidColon(*s.port_gid));
    texts.push_back(FormatGidHex(*s.port_gid));
  }
  return texts;
}

}  // namespace

std::string FormatInitiatorPortId(const std::array<uint8_t, 16>& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "0x";
  for (uint8_t b : id) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

Result<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::string s(text.substr(0, text.find('%')));
  IpAddress out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return InvalidArgument("'" + std::string(text) + "' is not an IP address");
}

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative glob with single-star backtracking: O(|p| * |t|) worst case.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || Lower(pattern[p]) == Lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool InitiatorMatches(std::string_view entry, const SessionIdentity& session) {
  if (entry.find_first_of("*?") != std::string_view::npos) {
    if (HasHexPrefix(entry)) {
      return session.initiator_port_id &&
             WildcardMatch(entry, FormatInitiatorPortId(*session.initiator_port_id));
    }
    for (const std::string& text : FabricTexts(session)) {
      if (WildcardMatch(entry, text)) return true;
    }
    return false;
  }
  if (auto port_id = ParsePortIdEntry(entry)) {
    return session.initiator_port_id && *session.initiator_port_id == *port_id;
  }
  std::string entry_str(entry);
  in_addr v4{};
  if (inet_pton(AF_INET, entry_str.c_str(), &v4) == 1) {
    Result<IpAddress> ip = ParseIpAddress(entry);
    return session.ip && ip.ok() && *session.ip == *ip;
  }
  if (Result<Gid> gid = ParseGid(entry); gid.ok()) {
    if (session.port_gid && *session.port_gid == *gid) return true;
    // IPv6 text names an RDMA CM source address too ("::ffff:10.0.0.1" an IPv4 one).
    return session.ip && *session.ip == gid->raw;
  }
  if (Result<uint64_t> guid = ParseGuid(entry); guid.ok()) {
    return session.port_gid && session.port_gid->interface_id() == *guid;
  }
  return entry == session.session_name;
}

bool InitiatorEntryCanMatch(std::string_view entry) {
  if (entry.find_first_of("*?") != std::string_view::npos) return true;
  if (ParseIpAddress(entry).ok()) return true;
  if (ParseGid(entry).ok()) return true;
  return ParseGuid(entry).ok();
}

}  // namespace srp::target::config
