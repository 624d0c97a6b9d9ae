// The /etc/scst.conf configuration model: handlers with their devices, target
// drivers with their targets, LUN sets and ACL groups (reference §8).
//
// The model is plain data. Every element remembers where it was written
// (file:line) so that later checks and the target can point at the line.
// Locations are metadata, not part of the value: two models compare equal
// when they describe the same configuration, wherever it was written, so a
// round trip parse(write(c)) == c holds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/status.h"

namespace srp::target::config {

// Handler names. vdisk_memory is our extension: a RAM-backed disk sized by
// the `size` attribute (bytes), the user-space stand-in for /dev/ram0.
inline constexpr std::string_view kHandlerNullio = "vdisk_nullio";
inline constexpr std::string_view kHandlerFileio = "vdisk_fileio";
inline constexpr std::string_view kHandlerBlockio = "vdisk_blockio";
inline constexpr std::string_view kHandlerDevDisk = "dev_disk";
inline constexpr std::string_view kHandlerMemory = "vdisk_memory";
inline constexpr std::string_view kDriverIbSrpt = "ib_srpt";

// SCST's largest LUN (flat addressing limit, SCST_MAX_LUN = 16383).
inline constexpr uint64_t kMaxLun = 16383;

bool IsKnownHandler(std::string_view name);

struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based; 0 = not from a file

  // "<file>:<line>" (or "<unknown>" when line is 0).
  std::string ToString() const;
  // Always true: see the file comment.
  friend bool operator==(const SourceLocation&, const SourceLocation&) { return true; }
};

// Builds "<file>:<line>: <what>" as a kInvalidArgument Status; just "<what>" for an element
// with no location (made by an admin edit, not read from a file).
Status ErrorAt(const SourceLocation& where, std::string_view what);

struct Attribute {
  std::string key;
  std::string value;
  SourceLocation where;
  bool operator==(const Attribute&) const = default;
};

// Attributes in the order they were written; keys are unique per element.
using AttributeList = std::vector<Attribute>;

struct Device {
  std::string name;
  AttributeList attributes;  // filename, nv_cache, blocksize, t10_vend_id ...
  SourceLocation where;      // the DEVICE line
  bool operator==(const Device&) const = default;
};

struct Handler {
  std::string name;  // one of the kHandler* names
  AttributeList attributes;
  std::vector<Device> devices;
  SourceLocation where;
  bool operator==(const Handler&) const = default;
};

struct LunAssignment {
  uint64_t lun = 0;
  std::string device;
  AttributeList attributes;  // e.g. read_only, from a `LUN 0 disk01 { ... }` block
  SourceLocation where;
  bool operator==(const LunAssignment&) const = default;
};

struct InitiatorEntry {
  std::string name;  // as written: GID, GUID, IP address or a wildcard pattern
  SourceLocation where;
  bool operator==(const InitiatorEntry&) const = default;
};

struct Group {
  std::string name;
  AttributeList attributes;
  std::vector<LunAssignment> luns;
  std::vector<InitiatorEntry> initiators;
  SourceLocation where;
  bool operator==(const Group&) const = default;
};

struct Target {
  std::string name;                         // e.g. a local port GID "fe80:0000:...:f34f"
  AttributeList attributes;                 // enabled, rel_tgt_id ...
  std::vector<LunAssignment> default_luns;  // seen by initiators in no group
  std::vector<Group> groups;
  SourceLocation where;
  bool operator==(const Target&) const = default;
};

struct TargetDriver {
  std::string name;          // "ib_srpt"
  AttributeList attributes;  // srp_max_message_size, thread, rdma_cm_port ...
  std::vector<Target> targets;
  SourceLocation where;
  bool operator==(const TargetDriver&) const = default;
};

struct Configuration {
  std::vector<Handler> handlers;
  std::vector<TargetDriver> drivers;
  bool operator==(const Configuration&) const = default;
};

// Lookups; nullptr when absent.
const Attribute* FindAttribute(const AttributeList& attrs, std::string_view key);
const Device* FindDevice(const Configuration& config, std::string_view name);
// The handler that owns device `name`.
const Handler* FindHandlerOfDevice(const Configuration& config, std::string_view name);
const Handler* FindHandler(const Configuration& config, std::string_view name);
const TargetDriver* FindDriver(const Configuration& config, std::string_view name);
const Target* FindTarget(const TargetDriver& driver, std::string_view name);
const Group* FindGroup(const Target& target, std::string_view name);

// Sets `key` to `value` (replacing in place, or appending).
void SetAttribute(AttributeList& attrs, std::string_view key, std::string_view value);

// Typed getters: the default when the key is absent, an error naming the
// attribute's file:line when the value does not parse.
// Numbers: decimal or 0x-hex, no sign.
Result<uint64_t> ParseUint(std::string_view text);
Result<uint64_t> GetUint(const AttributeList& attrs, std::string_view key, uint64_t fallback);
// Booleans: 0/1, yes/no, true/false, on/off (case-insensitive).
Result<bool> ParseBool(std::string_view text);
Result<bool> GetBool(const AttributeList& attrs, std::string_view key, bool fallback);
std::string GetString(const AttributeList& attrs, std::string_view key,
                      std::string_view fallback = {});

}  // namespace srp::target::config
