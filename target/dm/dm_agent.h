// The target's Device Management (DM) agent: answers the DM class (0x06) GETs
// that ibsrpdm / srp_daemon / srp-discover send (docs/srp-reference.md §5),
// as LIO and SCST ib_srpt do, for one I/O controller in slot 1.
//
//   ClassPortInfo        base 1, class 1, resp_time 20, everything else 0
//   IOUnitInfo           change_id 1, max_controllers 16, slot 1 present
//   IOControllerProfile  slot 1 (the §5.2 values, see MakeProfile below)
//   ServiceEntries       slot 1, one entry "SRP.T10:<id_ext %016llx>" + service id
//
// Status codes (§5.1): 0x0008 for a method other than GET/SET; 0x000C for any
// SET and for unknown attributes; 0x001C for slot 0 or slot > 16; 0x0100 for
// slots 2..16 (no IOC there) and for a ServiceEntries range with first > last
// or last > 0. Unlike LIO/SCST we do not answer a profile for slot 2 (their
// quirk, §5.2): slot 2 is reported "not installed" in IOUnitInfo, so it gets 0x0100.
//
// Dropped without an answer (HandleMad returns nullopt): MADs of another
// management class, base version or class version (a GSI agent registered for
// DM class version 1 never sees those on IB; answering them would be a
// guess), and responses (method bit 7), which must never be answered.
//
// Vendor ID: stored as LIO/SCST do, be32 with the 24-bit OUI in the low 24
// bits (0x0002c9 -> bytes 00 00 02 c9). srp_daemon reads the field as a
// 24-bit value in the top 3 bytes (be32 >> 8) and so prints "000002" for it;
// that is its bug (§10.4), kept for compatibility with both sides.
//
// Thread-safety: HandleMad is const and pure. Run() starts one thread that
// owns the MadPort until Stop(); do not use the port elsewhere meanwhile.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "lib/common/status.h"
#include "lib/mad/dm_codec.h"
#include "lib/mad/mad.h"
#include "lib/mad/mad_port.h"

namespace srp::fabric {
class Fabric;
}

namespace srp::target {

struct DmIdentity {
  uint64_t ioc_guid = 0;
  uint64_t id_ext = 0;
  uint64_t service_id = 0;
  uint32_t vendor_id = 0;  // OUI in the low 24 bits (LIO/SCST placement)
  uint32_t device_id = 0;
  uint16_t device_version = 0;
  uint32_t send_size = 0;  // srp_max_message_size (largest IU we accept)
  uint32_t rdma_size = 0;  // largest RDMA transfer
  uint16_t send_queue_depth = 0;
  std::string id_string = "srp-toolkit SRP target";
};

inline constexpr int kDmMaxControllers = 16;
inline constexpr int kDmControllerSlot = 1;
inline constexpr uint8_t kDmRespTimeValue = 20;
inline constexpr uint8_t kDmRdmaReadDepth = 4;

class DmAgent {
 public:
  DmAgent(mad::MadPort& port, DmIdentity identity);
  ~DmAgent();  // Stop()
  DmAgent(const DmAgent&) = delete;
  DmAgent& operator=(const DmAgent&) = delete;

  // The answer to `request`, or nullopt when it must be dropped (see above).
  std::optional<mad::Mad> HandleMad(const mad::Mad& request) const;

  // Starts the agent thread: Receive (bounded by `poll`) -> HandleMad -> Send
  // back to the source address. kAlreadyExists if already running.
  Status Run(std::chrono::milliseconds poll = std::chrono::milliseconds(50));
  // Stops and joins the thread; returns within about one `poll` interval.
  void Stop();
  bool running() const { return thread_.joinable(); }
  // MADs answered / dropped by the thread so far.
  uint64_t answered() const { return answered_.load(); }
  uint64_t dropped() const { return dropped_.load(); }

  const DmIdentity& identity() const { return identity_; }
  // The IOControllerProfile this agent reports for slot 1.
  mad::IoControllerProfile MakeProfile() const;

 private:
  void Loop(std::chrono::milliseconds poll);

  mad::MadPort& port_;
  DmIdentity identity_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> answered_{0};
  std::atomic<uint64_t> dropped_{0};
};

// Sets PortInfo:CapabilityMask bit 19 (IsDeviceManagementSupported) on an open
// soft port, so SA cap-mask queries (and stock ibsrpdm) find the agent. On a
// verbs fabric this is a logged no-op returning OK: user space cannot set the
// bit (§5.3); srp-discover's probe of all ports covers that case.
Status EnableDeviceManagementBit(fabric::Fabric& fabric);

}  // namespace srp::target
