// TargetConfig: every knob of the SRP target engine, with SCST parameter names where one
// exists (srp_max_message_size, srp_max_rdma_size, thread, trace_flag). See README.md for the
// reasoning behind each default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "target/engine/access_control.h"
#include "target/scsi/lun_map.h"

namespace srp::target {

// Default IB service id: inside RDMA CM's IB port space (0x00000000013Fxxxx, the only range
// a user-space AF_IB listener may bind), port 0x5352 = "SR".
inline constexpr uint64_t kDefaultServiceId = 0x00000000013F5352ull;

enum class PollMode : uint8_t {
  kEvent,  // block in epoll on the CQ / connection / mailbox fds when idle
  kBusy,   // spin on the CQ (lowest latency, one core per poll group)
};

struct TargetConfig {
  // ---- Listeners and identity ----
  uint64_t service_id = kDefaultServiceId;  // IB form listener (Address::Ib on the port GID)
  bool ib_listener = true;
  uint16_t rdma_cm_port = 0;  // RDMA CM (IP) listener on all addresses; 0 = off
  // id_ext / ioc_guid of the target port id (§2.1); nullopt = the fabric port's node GUID.
  std::optional<uint64_t> id_ext;
  std::optional<uint64_t> ioc_guid;
  // Also accept the io_class 0xFF00 (SRP rev10) swapped target_port_id layout.
  bool accept_rev10_port_id = true;

  // ---- SRP parameters ----
  // Largest I->T IU accepted (SCST srp_max_message_size, historical default 2116 =
  // 68 + 16 x 128). ib_srp asks for 8260 unless the target line carries max_it_iu_size.
  uint32_t srp_max_message_size = 2116;
  // Largest single RDMA READ/WRITE work request (SCST srp_max_rdma_size).
  uint32_t srp_max_rdma_size = 65536;
  // Receive ring per channel = initial credits (LOGIN_RSP req_lim_delta).
  uint32_t ring_size = 64;
  // Send queue work requests per channel.
  uint32_t send_queue_size = 256;
  // Largest data transfer of one command; larger -> CHECK CONDITION INVALID FIELD IN CDB.
  uint32_t max_transfer = 16u << 20;
  // Fetch indirect descriptor tables that do not fit in the SRP_CMD (RDMA READ).
  bool external_tables = true;
  uint32_t max_external_descriptors = 2048;
  // Grant immediate data when the initiator asks for it.
  bool immediate_data = true;
  // Channels over all sessions; a login beyond -> INSUFFICIENT_RESOURCES.
  uint32_t max_channels = 256;
  // Channels from one initiator (its fabric source: GID for IB CM, address for RDMA CM,
  // whatever port ids it logs in with); a login beyond -> CHANNEL_LIMIT_REACHED. 8 = the
  // largest ch_count ib_srp chooses by default.
  uint32_t max_channels_per_initiator = 8;

  // ---- Threads ----
  // SCST `thread`: 0 = SCSI execution inline in the poll group, 1 = on worker threads.
  int thread = 0;
  int worker_threads = 2;
  int poll_groups = 1;
  PollMode poll_mode = PollMode::kEvent;
  int cq_depth = 16384;  // per poll group

  // ---- Data buffers (per poll group, registered once) ----
  size_t pool_buffer_size = 256u << 10;
  size_t pool_buffers = 64;

  // ---- SCSI ----
  // Which LunMap each session sees (ACL groups) and whether logins are accepted. When null,
  // Start builds one from `luns` (every initiator sees it). One of the two is required.
  std::shared_ptr<AccessControl> access;
  // Compatibility form of `access`: LUNs seen by every initiator.
  std::shared_ptr<LunMap> luns;
  // The SCSI target port every task names (VPD 0x83): SCST rel_tgt_id of the TARGET and its
  // name (the TARGET name of the configuration, or empty).
  TargetPortInfo port_info;
};

}  // namespace srp::target
