#include "lib/srp/target_string.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

namespace srp::wire {
namespace {

enum class Key : uint8_t {
  kIdExt,
  kIocGuid,
  kDgid,
  kPkey,
  kServiceId,
  kDest,
  kSrc,
  kIoClass,
  kInitiatorExt,
  kMaxItIuSize,
  kMaxCmdPerLun,
  kQueueSize,
  kMaxSect,
  kCmdSgEntries,
  kAllowExtSg,
  kSgTablesize,
  kCompVector,
  kTlRetryCount,
  kTargetCanQueue,
  kChCount,
};

struct KeyInfo {
  std::string_view name;
  Key key;
};

// Optional options are listed in ibsrpdm's output order (§6): io_class, initiator_ext,
// tl_retry_count, the rule options, max_it_iu_size; then the rest.
constexpr std::array<KeyInfo, 20> kKeys = {{
    {"id_ext", Key::kIdExt},
    {"ioc_guid", Key::kIocGuid},
    {"dgid", Key::kDgid},
    {"pkey", Key::kPkey},
    {"service_id", Key::kServiceId},
    {"dest", Key::kDest},
    {"io_class", Key::kIoClass},
    {"initiator_ext", Key::kInitiatorExt},
    {"tl_retry_count", Key::kTlRetryCount},
    {"allow_ext_sg", Key::kAllowExtSg},
    {"ch_count", Key::kChCount},
    {"cmd_sg_entries", Key::kCmdSgEntries},
    {"comp_vector", Key::kCompVector},
    {"max_cmd_per_lun", Key::kMaxCmdPerLun},
    {"max_sect", Key::kMaxSect},
    {"queue_size", Key::kQueueSize},
    {"sg_tablesize", Key::kSgTablesize},
    {"max_it_iu_size", Key::kMaxItIuSize},
    {"target_can_queue", Key::kTargetCanQueue},
    {"src", Key::kSrc},
}};
constexpr size_t kFirstOptional = 6;  // index of io_class in kKeys

bool IsPositional(Key k) { return static_cast<uint8_t>(k) <= static_cast<uint8_t>(Key::kDest); }

std::optional<Key> LookupKey(std::string_view name) {
  for (const KeyInfo& k : kKeys) {
    if (k.name == name) return k.key;
  }
  return std::nullopt;
}

// Decimal options: field, inclusive range.
struct IntOption {
  Key key;
  std::optional<uint32_t> TargetString::*field;
  uint32_t min;
  uint32_t max;
};
constexpr uint32_t kIntMax = std::numeric_limits<int32_t>::max();  // kernel match_int
const std::array<IntOption, 11> kIntOptions = {{
    {Key::kMaxItIuSize, &TargetString::max_it_iu_size, 0, kIntMax},
    {Key::kMaxCmdPerLun, &TargetString::max_cmd_per_lun, 1, kIntMax},
    {Key::kQueueSize, &TargetString::queue_size, 1, kIntMax},
    {Key::kMaxSect, &TargetString::max_sect, 0, kIntMax},
    {Key::kCmdSgEntries, &TargetString::cmd_sg_entries, 1, 255},
    {Key::kAllowExtSg, &TargetString::allow_ext_sg, 0, kIntMax},
    {Key::kSgTablesize, &TargetString::sg_tablesize, 1, 2048},
    {Key::kCompVector, &TargetString::comp_vector, 0, kIntMax},
    {Key::kTlRetryCount, &TargetString::tl_retry_count, 2, 7},
    {Key::kTargetCanQueue, &TargetString::target_can_queue, 1, kIntMax},
    {Key::kChCount, &TargetString::ch_count, 1, kIntMax},
}};

const IntOption* FindIntOption(Key k) {
  for (const IntOption& o : kIntOptions) {
    if (o.key == k) return &o;
  }
  return nullptr;
}

Status BadValue(std::string_view name, std::string_view value, std::string_view why) {
  return InvalidArgument(fmt::format("bad {} parameter '{}': {}", name, value, why));
}

Result<uint32_t> ParseDecimal(std::string_view name, std::string_view value, uint32_t min,
                              uint32_t max) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v, 10);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    return BadValue(name, value, "not a non-negative decimal integer");
  }
  if (v < min || v > max) {
    return BadValue(name, value, fmt::format("must be in {}..{}", min, max));
  }
  return static_cast<uint32_t>(v);
}

Result<uint64_t> ParseHex(std::string_view name, std::string_view value) {
  auto r = ParseHexU64(value);
  if (!r.ok()) return BadValue(name, value, "not a 64-bit hex number");
  return *r;
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

Result<Gid> ParseDgid(std::string_view value) {
  if (value.size() != 32 || !std::all_of(value.begin(), value.end(), IsHexDigit)) {
    return BadValue("dgid", value, "must be exactly 32 hex digits");
  }
  auto hi = ParseHexU64(value.substr(0, 16));
  auto lo = ParseHexU64(value.substr(16));
  if (!hi.ok() || !lo.ok()) return BadValue("dgid", value, "must be exactly 32 hex digits");
  return Gid::FromParts(*hi, *lo);
}

bool ValidScope(std::string_view s) {
  return !s.empty() && s.size() < 16 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '-' || c == '.';
  });
}

// Validates an address without port: IPv4, IPv6, IPv6%scope, optionally in brackets.
Result<DestAddress> ParseHost(std::string_view text) {
  DestAddress d;
  std::string_view host = text;
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return InvalidArgument("unbalanced '['");
    host = host.substr(1, host.size() - 2);
  }
  if (host.find(':') != std::string_view::npos) {
    d.ipv6 = true;
    if (size_t pct = host.find('%'); pct != std::string_view::npos) {
      d.scope = std::string(host.substr(pct + 1));
      host = host.substr(0, pct);
      if (!ValidScope(d.scope)) return InvalidArgument("bad IPv6 scope");
    }
  }
  d.host = std::string(host);
  std::array<unsigned char, 16> buf{};
  if (inet_pton(d.ipv6 ? AF_INET6 : AF_INET, d.host.c_str(), buf.data()) != 1) {
    return InvalidArgument(
        fmt::format("'{}' is not an IP{} address", d.host, d.ipv6 ? "v6" : "v4"));
  }
  return d;
}

template <typename T>
Status SetOnce(std::optional<T>& field, T value, std::string_view name) {
  if (field.has_value()) return InvalidArgument(fmt::format("duplicate parameter '{}'", name));
  field = std::move(value);
  return Status::Ok();
}

Status ApplyOption(TargetString& t, Key key, std::string_view name, std::string_view value,
                   bool& seen_id_ext, bool& seen_ioc_guid) {
  if (const IntOption* io = FindIntOption(key)) {
    SRP_ASSIGN_OR_RETURN(uint32_t v, ParseDecimal(name, value, io->min, io->max));
    return SetOnce(t.*(io->field), v, name);
  }
  switch (key) {
    case Key::kIdExt: {
      if (seen_id_ext) return InvalidArgument("duplicate parameter 'id_ext'");
      SRP_ASSIGN_OR_RETURN(t.id_ext, ParseHex(name, value));
      t.id_ext_text = std::string(value);
      seen_id_ext = true;
      return Status::Ok();
    }
    case Key::kIocGuid: {
      if (seen_ioc_guid) return InvalidArgument("duplicate parameter 'ioc_guid'");
      SRP_ASSIGN_OR_RETURN(t.ioc_guid, ParseHex(name, value));
      seen_ioc_guid = true;
      return Status::Ok();
    }
    case Key::kDgid: {
      SRP_ASSIGN_OR_RETURN(Gid g, ParseDgid(value));
      return SetOnce(t.dgid, g, name);
    }
    case Key::kPkey: {
      auto p = ParseHexU16(value);
      if (!p.ok()) return BadValue(name, value, "not a 16-bit hex number");
      return SetOnce(t.pkey, *p, name);
    }
    case Key::kServiceId: {
      SRP_ASSIGN_OR_RETURN(uint64_t v, ParseHex(name, value));
      return SetOnce(t.service_id, v, name);
    }
    case Key::kInitiatorExt: {
      SRP_ASSIGN_OR_RETURN(uint64_t v, ParseHex(name, value));
      return SetOnce(t.initiator_ext, v, name);
    }
    case Key::kIoClass: {
      auto c = ParseHexU16(value);
      if (!c.ok() || (*c != 0xff00 && *c != 0x0100)) {
        return BadValue(name, value, "must be ff00 (SRP rev10) or 0100 (SRP rev16a)");
      }
      return SetOnce(t.io_class, *c, name);
    }
    case Key::kDest: {
      auto d = ParseDestAddress(value);
      if (!d.ok()) return BadValue(name, value, d.status().message());
      return SetOnce(t.dest, *d, name);
    }
    case Key::kSrc: {
      auto h = ParseHost(value);
      if (!h.ok()) return BadValue(name, value, h.status().message());
      return SetOnce(t.src, std::string(value), name);
    }
    default:
      return Internal("unhandled target-string key");
  }
}

bool IsSet(const TargetString& t, Key key) {
  if (const IntOption* io = FindIntOption(key)) return (t.*(io->field)).has_value();
  switch (key) {
    case Key::kSrc:
      return t.src.has_value();
    case Key::kIoClass:
      return t.io_class.has_value();
    case Key::kInitiatorExt:
      return t.initiator_ext.has_value();
    default:
      return false;
  }
}

std::string FormatOptional(const TargetString& t, Key key, std::string_view name) {
  if (const IntOption* io = FindIntOption(key)) {
    return fmt::format(",{}={}", name, *(t.*(io->field)));
  }
  switch (key) {
    case Key::kSrc:
      return fmt::format(",src={}", *t.src);
    case Key::kIoClass:
      return fmt::format(",io_class={:04x}", *t.io_class);
    case Key::kInitiatorExt:
      return fmt::format(",initiator_ext={:016x}", *t.initiator_ext);
    default:
      return {};
  }
}

}  // namespace

Result<DestAddress> ParseDestAddress(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument("missing ':port' (the port is mandatory)");
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  // "[v6]" without a port: the last ':' is inside the brackets.
  if (!host.empty() && host.front() == '[' && host.back() != ']') {
    return InvalidArgument("missing ':port' after ']' (the port is mandatory)");
  }
  uint32_t port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port, 10);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    return InvalidArgument(fmt::format("bad port '{}' (must be 1..65535)", port_text));
  }
  SRP_ASSIGN_OR_RETURN(DestAddress d, ParseHost(host));
  d.port = static_cast<uint16_t>(port);
  return d;
}

std::string FormatDestAddress(const DestAddress& dest) {
  if (!dest.ipv6) return fmt::format("{}:{}", dest.host, dest.port);
  if (dest.scope.empty()) return fmt::format("[{}]:{}", dest.host, dest.port);
  return fmt::format("[{}%{}]:{}", dest.host, dest.scope, dest.port);
}

Result<TargetString> ParseTargetString(std::string_view text) {
  TargetString t;
  bool seen_id_ext = false;
  bool seen_ioc_guid = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of(",\n", pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view opt = text.substr(pos, end - pos);
    pos = end + 1;
    if (opt.empty()) continue;
    const size_t eq = opt.find('=');
    const std::optional<Key> key =
        eq == std::string_view::npos ? std::nullopt : LookupKey(opt.substr(0, eq));
    if (!key || eq + 1 == opt.size()) {
      return InvalidArgument(fmt::format("unknown parameter or missing value '{}'", opt));
    }
    const std::string_view name = opt.substr(0, eq);
    SRP_RETURN_IF_ERROR(ApplyOption(t, *key, name, opt.substr(eq + 1), seen_id_ext, seen_ioc_guid));
    if (!IsPositional(*key)) t.option_order.emplace_back(name);
  }
  const bool ib_set = t.dgid && t.pkey && t.service_id;
  if (!seen_id_ext || !seen_ioc_guid || (!ib_set && !t.dest)) {
    std::string missing;
    auto need = [&missing](bool have, std::string_view n) {
      if (have) return;
      if (!missing.empty()) missing += ',';
      missing += n;
    };
    need(seen_id_ext, "id_ext");
    need(seen_ioc_guid, "ioc_guid");
    if (!t.dest) {
      need(t.dgid.has_value(), "dgid");
      need(t.pkey.has_value(), "pkey");
      need(t.service_id.has_value(), "service_id");
    }
    return InvalidArgument(fmt::format(
        "missing mandatory parameter(s) {} (need id_ext,ioc_guid,dgid,pkey,service_id or "
        "id_ext,ioc_guid,dest)",
        missing));
  }
  return t;
}

std::string FormatTargetString(const TargetString& t) {
  std::string out = "id_ext=";
  out += t.id_ext_text.empty() ? fmt::format("{:016x}", t.id_ext) : t.id_ext_text;
  out += fmt::format(",ioc_guid={:016x}", t.ioc_guid);
  if (t.dgid) out += ",dgid=" + FormatGidHex(*t.dgid);
  if (t.pkey) out += fmt::format(",pkey={:04x}", *t.pkey);
  if (t.service_id) out += fmt::format(",service_id={:016x}", *t.service_id);
  if (t.dest) out += ",dest=" + FormatDestAddress(*t.dest);

  std::vector<Key> done;
  for (const std::string& name : t.option_order) {
    const std::optional<Key> key = LookupKey(name);
    if (!key || IsPositional(*key) || !IsSet(t, *key)) continue;
    if (std::find(done.begin(), done.end(), *key) != done.end()) continue;
    done.push_back(*key);
    out += FormatOptional(t, *key, name);
  }
  for (size_t i = kFirstOptional; i < kKeys.size(); ++i) {
    const KeyInfo& k = kKeys[i];
    if (!IsSet(t, k.key) || std::find(done.begin(), done.end(), k.key) != done.end()) continue;
    out += FormatOptional(t, k.key, k.name);
  }
  return out;
}

}  // namespace srp::wire
