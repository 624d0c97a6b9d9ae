// Login parameters of a user-space SRP session and how they derive from an ib_srp target
// string (docs/srp-reference.md §7: queue_size, cmd_sg_entries, allow_ext_sg,
// max_it_iu_size, io_class, initiator_ext; `dest=` switches to the RDMA CM form).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/srp/constants.h"
#include "lib/srp/target_string.h"

namespace srp::initiator {

// Defaults follow ib_srp (§7): queue_size 62 (rings 64), cmd_sg_entries 12,
// use_imm_data=Y with max_imm_data 8192, allow_ext_sg=N.
inline constexpr uint32_t kDefaultQueueSize = 62;
inline constexpr uint32_t kDefaultCmdSgEntries = 12;
inline constexpr uint32_t kDefaultMaxImmData = 8192;
inline constexpr uint32_t kDefaultSgTablesize = 256;
// ib_srp's immediate data offset: 48 (SRP_CMD) + 16 (additional CDB room) + 4 (srp_imm_buf).
inline constexpr uint32_t kImmDataOffset = 68;

struct SessionOptions {
  // Identity of the target port (target_port_id) and where to connect.
  uint64_t id_ext = 0;
  uint64_t ioc_guid = 0;
  fabric::Address destination;  // kIb (dgid/service_id/pkey) or kIp (dest=)
  wire::IoClass io_class = wire::IoClass::kSrpRev16a;
  uint64_t initiator_ext = 0;

  uint32_t queue_size = kDefaultQueueSize;  // can_queue; rings hold queue_size + 2
  uint32_t cmd_sg_entries = kDefaultCmdSgEntries;
  bool allow_ext_sg = false;
  uint32_t sg_tablesize = kDefaultSgTablesize;  // most segments one command may have
  bool use_imm_data = true;                     // request immediate data at login
  uint32_t max_imm_data = kDefaultMaxImmData;
  uint32_t max_it_iu_size = 0;  // 0 = no cap on the requested IT IU length
  uint8_t multichannel = wire::kMultiChanSingle;

  std::chrono::milliseconds login_timeout{5000};
  std::chrono::milliseconds command_timeout{30000};

  bool uses_rdma_cm() const { return destination.kind == fabric::Address::Kind::kIp; }
};

// Builds options from a parsed target string: address from dgid/pkey/service_id or dest,
// and the optional options this library honours (others are accepted and ignored).
Result<SessionOptions> OptionsFromTargetString(const wire::TargetString& target);
// Parses `text` then calls the above. Errors name the bad option.
Result<SessionOptions> OptionsFromTargetString(std::string_view text);

// ib_srp's requested IT IU length (§7): max(48 + 16 + 20 + 16 x cmd_sg_entries,
// 68 + max_imm_data when use_imm_data), capped by max_it_iu_size when non-zero.
uint32_t ComputeReqItIuLen(const SessionOptions& options);

}  // namespace srp::initiator
