// Turns a parsed scst.conf (target/config) into what the engine runs for one TARGET: its ACL
// table (default LUN set and GROUPs, access_control.h) and the driver parameters
// (srp_max_message_size, srp_max_rdma_size, thread, rdma_cm_port, trace_flag).
//
// Every handler of device_factory.h is served. Nothing is half-applied: every device is opened
// before anything is returned. The LiveConfig behind the result (live_config.h) is what later
// reloads and admin edits change.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/status.h"
#include "target/config/config_model.h"
#include "target/scsi/lun_map.h"

namespace srp::target {

class AccessControl;
class LiveConfig;

// Driver attributes of `TARGET_DRIVER ib_srpt { ... }`; unset when the file does not give them.
struct DriverParameters {
  std::optional<uint32_t> srp_max_message_size;  // also accepted as srp_max_req_size
  std::optional<uint32_t> srp_max_rdma_size;
  std::optional<int> thread;
  std::optional<uint16_t> rdma_cm_port;
  std::optional<uint32_t> trace_flag;
  // Soft-port identity, so a restarted target is the same target: port names (one served
  // port each; `port_name a b`), and the first port's node/port GUID (0 = derived from the name).
  std::vector<std::string> port_names;
  uint64_t node_guid = 0;
  uint64_t port_guid = 0;
};

// Reads the driver attributes; an unusable number is an error naming its line, an unknown
// attribute a warning.
Status ReadDriverParameters(const config::TargetDriver& driver, DriverParameters* out);

struct ConfiguredTarget {
  std::string name;              // the TARGET name as written
  std::shared_ptr<LunMap> luns;  // its default LUN set
  std::shared_ptr<AccessControl> access;
  uint16_t rel_tgt_id = 1;
  DriverParameters parameters;
  std::shared_ptr<LiveConfig> live;  // the whole running configuration
};

// The TARGET served when the process serves one port: the only TARGET of ib_srpt (several
// TARGETs are served per port, see LiveConfig::TargetForPort; then the first is returned here
// and the others are served only by ports named after them).
// Errors: no ib_srpt TARGET, a device that cannot be opened. A TARGET with `enabled 0` is
// built; its AccessControl refuses logins.
// REQUIRES: `config` passed CheckConfiguration.
Result<ConfiguredTarget> BuildConfiguredTarget(const config::Configuration& config,
                                               uint32_t default_queue_depth);

// LoadScstConfig + ValidateConfiguration (backing files under "/") + BuildConfiguredTarget;
// the LiveConfig remembers `path` for reloads.
Result<ConfiguredTarget> LoadConfiguredTarget(const std::string& path,
                                              uint32_t default_queue_depth);

}  // namespace srp::target
