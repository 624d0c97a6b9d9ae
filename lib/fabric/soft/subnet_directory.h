// The soft-subnet directory: where soft ports publish themselves.
//
// Layout (see docs/soft-fabric-protocol.md):
//   <dir>/ports/<name>.port   one text file per open port, key=value lines
//   <dir>/ports/<name>.sock   the port's unix stream socket (IB-form connections)
//   <dir>/lids/<lid as 4 hex> LID reservation (O_EXCL), contains "<pid> <name>"
// Port files are written to a temporary name and renamed into place, so a
// reader never sees a partial file. A file whose pid is dead (same host) is
// stale: readers skip it and ListPorts removes it.
//
// Readers: the soft MAD/SA emulation, srp-discover, tests. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/status.h"

namespace srp::fabric {
class Fabric;
}

namespace srp::fabric::soft {

struct PortRecord {
  std::string name;
  int pid = 0;
  std::string host;  // hostname of the owning process
  uint64_t node_guid = 0;
  uint64_t port_guid = 0;
  uint64_t subnet_prefix = 0xfe80000000000000ull;
  Gid gid;  // subnet_prefix || port_guid
  uint16_t lid = 0;
  uint16_t sm_lid = 0;
  uint32_t capability_mask = 0;
  std::vector<uint16_t> pkeys{0xffff};
  std::vector<std::string> ip_addresses;
  std::string socket_path;  // unix socket for IB-form connections
};

// The record as file text ("key=value\n" lines, '#' comments).
std::string FormatPortRecord(const PortRecord& record);
// Parses file text; unknown keys are ignored (forward compatible); name, pid,
// port_guid, gid, lid and socket are required.
Result<PortRecord> ParsePortRecord(std::string_view text);

// Fixed OUI of derived GUIDs ("SRP").
inline constexpr uint64_t kSoftOui = 0x535250;
// Deterministic GUIDs from a port name: OUI << 40 | 40-bit hash (node GUID has
// the low bit clear, port GUID = node GUID + 1).
uint64_t DeriveNodeGuid(std::string_view port_name);
uint64_t DerivePortGuid(std::string_view port_name);

// True if `record` belongs to a live process (or to another host, which cannot
// be checked and so counts as live).
bool IsLive(const PortRecord& record);

// All live ports, sorted by name. Stale files of dead processes are removed.
Result<std::vector<PortRecord>> ListPorts(const std::string& subnet_dir);
Result<PortRecord> ReadPort(const std::string& subnet_dir, std::string_view name);
Result<PortRecord> FindPortByGid(const std::string& subnet_dir, const Gid& gid);
Result<PortRecord> FindPortByLid(const std::string& subnet_dir, uint16_t lid);

// A published port; unpublishes (removes the port file, socket and LID
// reservation) on destruction.
class PortPublication {
 public:
  // Reserves the name and a LID (record.lid, or the lowest free one when 0),
  // then writes the port file. kAlreadyExists if the name or LID is taken by a
  // live process.
  static Result<std::unique_ptr<PortPublication>> Publish(const std::string& subnet_dir,
                                                          PortRecord record);
  ~PortPublication();
  // Rewrites the port file atomically.
  Status Update(const PortRecord& record);
  const PortRecord& record() const { return record_; }
  const std::string& subnet_dir() const { return dir_; }

 private:
  PortPublication(std::string dir, PortRecord record)
      : dir_(std::move(dir)), record_(std::move(record)) {}
  std::string dir_;
  PortRecord record_;
};

// Updates the capability mask of an open soft port: its PortAttributes and the
// published file (e.g. bit 19, IsDeviceManagementSupported, for a DM agent).
// kInvalidArgument if `fabric` is not a soft fabric.
Status SetCapabilityMask(Fabric& fabric, uint32_t capability_mask);
// The subnet directory an open soft fabric published its port in.
Result<std::string> SubnetDirectoryOf(Fabric& fabric);

}  // namespace srp::fabric::soft
