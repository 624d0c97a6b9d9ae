#include "target/config/config_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace srp::target::config {

bool IsKnownHandler(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kHandlers = {
      kHandlerNullio, kHandlerFileio, kHandlerBlockio, kHandlerDevDisk, kHandlerMemory};
  return std::find(kHandlers.begin(), kHandlers.end(), name) != kHandlers.end();
}

std::string SourceLocation::ToString() const {
  if (line == 0) return file.empty() ? "<unknown>" : file;
  return fmt::format("{}:{}", file, line);
}

Status ErrorAt(const SourceLocation& where, std::string_view what) {
  // Elements made by admin edits have no location: the message stands alone.
  if (where.line == 0 && where.file.empty()) return InvalidArgument(std::string(what));
  return InvalidArgument(fmt::format("{}: {}", where.ToString(), what));
}

const Attribute* FindAttribute(const AttributeList& attrs, std::string_view key) {
  for (const Attribute& a : attrs) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

const Device* FindDevice(const Configuration& config, std::string_view name) {
  for (const Handler& h : config.handlers) {
    for (const Device& d : h.devices) {
      if (d.name == name) return &d;
    }
  }
  return nullptr;
}

const Handler* FindHandlerOfDevice(const Configuration& config, std::string_view name) {
  for (const Handler& h : config.handlers) {
    for (const Device& d : h.devices) {
      if (d.name == name) return &h;
    }
  }
  return nullptr;
}

const Handler* FindHandler(const Configuration& config, std::string_view name) {
  for (const Handler& h : config.handlers) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

const TargetDriver* FindDriver(const Configuration& config, std::string_view name) {
  for (const TargetDriver& d : config.drivers) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const Target* FindTarget(const TargetDriver& driver, std::string_view name) {
  for (const Target& t : driver.targets) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const Group* FindGroup(const Target& target, std::string_view name) {
  for (const Group& g : target.groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

void SetAttribute(AttributeList& attrs, std::string_view key, std::string_view value) {
  for (Attribute& a : attrs) {
    if (a.key == key) {
      a.value = std::string(value);
      return;
    }
  }
  attrs.push_back(Attribute{std::string(key), std::string(value), {}});
}

Result<uint64_t> ParseUint(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return InvalidArgument("empty number");
  uint64_t v = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return InvalidArgument(fmt::format("'{}' is not a number", text));
    }
    if (v > (UINT64_MAX - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) {
      return InvalidArgument(fmt::format("'{}' is too large", text));
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
  }
  return v;
}

Result<bool> ParseBool(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "1" || lower == "yes" || lower == "true" || lower == "on") return true;
  if (lower == "0" || lower == "no" || lower == "false" || lower == "off") return false;
  return InvalidArgument(fmt::format("'{}' is not a boolean (0/1, yes/no)", text));
}

Result<uint64_t> GetUint(const AttributeList& attrs, std::string_view key, uint64_t fallback) {
  const Attribute* a = FindAttribute(attrs, key);
  if (a == nullptr) return fallback;
  Result<uint64_t> v = ParseUint(a->value);
  if (!v.ok()) return ErrorAt(a->where, fmt::format("{}: {}", key, v.status().message()));
  return v;
}

Result<bool> GetBool(const AttributeList& attrs, std::string_view key, bool fallback) {
  const Attribute* a = FindAttribute(attrs, key);
  if (a == nullptr) return fallback;
  Result<bool> v = ParseBool(a->value);
  if (!v.ok()) return ErrorAt(a->where, fmt::format("{}: {}", key, v.status().message()));
  return v;
}

std::string GetString(const AttributeList& attrs, std::string_view key, std::string_view fallback) {
  const Attribute* a = FindAttribute(attrs, key);
  return a == nullptr ? std::string(fallback) : a->value;
}

}  // namespace srp::target::config
