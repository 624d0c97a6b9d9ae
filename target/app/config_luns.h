// Turns a parsed scst.conf (target/config) into what the engine runs: the LUN map of the one
// ib_srpt TARGET and the driver parameters (srp_max_message_size, srp_max_rdma_size, thread,
// rdma_cm_port, trace_flag).
//
// Step 2 scope: handlers vdisk_nullio and vdisk_memory; the other handlers (vdisk_fileio,
// vdisk_blockio, dev_disk), several TARGETs and ACL GROUPs arrive with step 3 and are refused
// with the file:line of the line that asks for them. Nothing is half-applied: every LUN is
// built before anything is returned.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lib/common/status.h"
#include "target/config/config_model.h"
#include "target/scsi/lun_map.h"

namespace srp::target {

// Driver attributes of `TARGET_DRIVER ib_srpt { ... }`; unset when the file does not give them.
struct DriverParameters {
  std::optional<uint32_t> srp_max_message_size;  // also accepted as srp_max_req_size
  std::optional<uint32_t> srp_max_rdma_size;
  std::optional<int> thread;
  std::optional<uint16_t> rdma_cm_port;
  std::optional<uint32_t> trace_flag;
};

struct ConfiguredTarget {
  std::string name;  // the TARGET name as written
  std::shared_ptr<LunMap> luns;
  DriverParameters parameters;
};

// REQUIRES: `config` passed ValidateConfiguration.
Result<ConfiguredTarget> BuildConfiguredTarget(const config::Configuration& config,
                                               uint32_t default_queue_depth);

// LoadScstConfig + ValidateConfiguration (backing files under "/") + BuildConfiguredTarget.
Result<ConfiguredTarget> LoadConfiguredTarget(const std::string& path,
                                              uint32_t default_queue_depth);

}  // namespace srp::target
