// Discovery: the ibsrpdm walk (docs/srp-reference.md §5.4), protocol only —
// no printing (output.h formats the result).
//
//   1. SA ClassPortInfo GET. If IsPortInfoCapMaskMatchSupported (bit 13):
//      PortInfoRecord GetTable, attr_mod 0x80000000, CapabilityMask bit 19 match,
//      then NodeRecord GET by LID -> port GUID.
//      Else: NodeRecord GetTable (all) and a PortInfoRecord GET per LID; only
//      bit-19 ports are kept.
//   2. Shared P_Keys: PathRecord GET (SLID, DLID, P_Key) for every non-zero
//      local P_Key; the SA MAD status IS checked (§11.3): "no records" means
//      not shared, so no DM probes go out with that P_Key.
//   3. DM (DmClient, with the first shared P_Key's index): IOUnitInfo ->
//      IOControllerProfile per present slot -> ServiceEntries in chunks of 4.
//
// `probe_all_ports` additionally probes every port without bit 19 (real IB:
// a user-space target cannot set it, §5.3) with `probe_timeout` and no retry;
// a port that does not answer is listed in `unanswered`, not as an error.
// With probe_all_ports the candidate list always comes from the NodeRecord
// table (the cap-mask match would hide exactly the ports it is for).
// Failures of a bit-19 port (its NodeRecord/PathRecord queries or its DM
// queries) are reported per port in `errors` (§11.2: never silent); the walk
// goes on with the next port. A failure of the candidate-list SA queries
// (ClassPortInfo, the tables, PortInfoRecord per LID) fails Run().
// Ports are probed one after the other (one MadPort, one thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/status.h"
#include "lib/mad/dm_codec.h"
#include "lib/mad/mad_port.h"

namespace srp::discovery {

struct DiscoveredController {
  int slot = 0;  // 1-based
  mad::IoControllerProfile profile;
  std::vector<mad::ServiceEntry> services;
  bool operator==(const DiscoveredController&) const = default;
};

struct DiscoveredTarget {
  uint16_t lid = 0;
  Gid gid;  // subnet prefix || port GUID (the dgid of the -c line)
  uint32_t capability_mask = 0;
  mad::IoUnitInfo io_unit;
  std::vector<DiscoveredController> controllers;  // present slots, ascending
  std::vector<uint16_t> pkeys;                    // shared P_Keys, local table order
  bool operator==(const DiscoveredTarget&) const = default;
};

struct PortError {
  uint16_t lid = 0;
  Gid gid;
  Status status;
};

struct DiscoveryOptions {
  std::chrono::milliseconds sa_timeout{1000};
  int sa_retries = 2;
  std::chrono::milliseconds dm_timeout{1000};
  int dm_retries = 2;
  bool probe_all_ports = false;
  std::chrono::milliseconds probe_timeout{200};  // ports without bit 19, no retry
  // The discovering port itself is skipped unless set (on the soft fabric its
  // MadPort is ours, so no agent can answer there; on IB a kernel agent could).
  bool include_local_port = false;
};

struct DiscoveryResult {
  std::vector<DiscoveredTarget> targets;  // ascending LID
  std::vector<PortError> errors;          // bit-19 ports whose walk failed
  std::vector<uint16_t> unanswered;       // probe_all_ports: silent non-bit-19 ports
};

class Discovery {
 public:
  Discovery(mad::MadPort& port, DiscoveryOptions options) : port_(port), options_(options) {}
  // The whole walk; fails only if the SA cannot be queried.
  Result<DiscoveryResult> Run();

 private:
  struct Candidate {
    uint16_t lid = 0;
    uint64_t subnet_prefix = 0;
    uint64_t port_guid = 0;
    uint32_t capability_mask = 0;
  };
  Result<mad::Mad> SaQuery(uint8_t method, uint16_t attr_id, uint32_t attr_mod, uint64_t comp_mask,
                           std::span<const std::byte> record);
  Result<std::vector<Candidate>> Candidates();
  Result<uint64_t> PortGuidOf(uint16_t lid);
  Result<std::vector<uint16_t>> SharedPkeys(uint16_t dlid);
  Result<DiscoveredTarget> Probe(const Candidate& c, const std::vector<uint16_t>& pkeys,
                                 bool probe_only);

  mad::MadPort& port_;
  DiscoveryOptions options_;
};

}  // namespace srp::discovery
