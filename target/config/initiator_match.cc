#include "target/config/initiator_match.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>
#include <vector>

namespace srp::target::config {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::vector<std::string> SessionTexts(const SessionIdentity& s) {
  std::vector<std::string> texts;
  if (!s.session_name.empty()) texts.push_back(s.session_name);
  if (s.port_gid) {
    texts.push_back(FormatGidColon(*s.port_gid));
    texts.push_back(FormatGidHex(*s.port_gid));
    texts.push_back("0x" + FormatGidHex(*s.port_gid));
  }
  if (s.initiator_port_id) texts.push_back(FormatInitiatorPortId(*s.initiator_port_id));
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
    for (const std::string& text : SessionTexts(session)) {
      if (WildcardMatch(entry, text)) return true;
    }
    return false;
  }
  std::string entry_str(entry);
  in_addr v4{};
  if (inet_pton(AF_INET, entry_str.c_str(), &v4) == 1) {
    Result<IpAddress> ip = ParseIpAddress(entry);
    return session.ip && ip.ok() && *session.ip == *ip;
  }
  if (Result<Gid> gid = ParseGid(entry); gid.ok()) {
    if (session.port_gid && *session.port_gid == *gid) return true;
    if (session.initiator_port_id && *session.initiator_port_id == gid->raw) return true;
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
