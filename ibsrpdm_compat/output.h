// Presentation of a discovery result (docs/srp-reference.md §6): ibsrpdm's
// `-c` add_target lines, its human format (byte-exact), and JSON. Pure
// functions: no I/O.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ibsrpdm_compat/discovery.h"

namespace srp::discovery {

struct AddTargetOptions {
  // -n: append initiator_ext=<target port GUID>.
  bool initiator_ext = false;
  // max_it_iu_size rule inputs (/sys/module/ib_srp/parameters/use_imm_data,
  // max_imm_data): appended as send_size when use_imm_data and
  // max_imm_data > IOC send_size.
  bool use_imm_data = false;
  uint32_t max_imm_data = 0;
};

// One line per (target, controller, service entry named "SRP.T10:<id_ext>",
// shared P_Key), no trailing newline:
//   id_ext=<text>,ioc_guid=%016llx,dgid=%032x,pkey=%04x,service_id=%016llx
//     [,io_class=%04x if != 0x0100][,initiator_ext=%016llx][,max_it_iu_size=%d]
// id_ext is the service-name text after "SRP.T10:" copied verbatim (at most 16
// characters, up to the first white space, case kept); other entries are skipped.
std::vector<std::string> FormatAddTargetLines(const std::vector<DiscoveredTarget>& targets,
                                              const AddTargetOptions& options);

// ibsrpdm's human output for all targets; `verbose` adds the per-slot
// "controller[%3d]: <state>" lines (srp_daemon -v). vendor ID is printed as
// srp_daemon does (stored be32 >> 8, §10.4).
std::string FormatHuman(const std::vector<DiscoveredTarget>& targets, bool verbose);

// {"targets": [...], "errors": [...], "unanswered": [...]}; GUIDs/GIDs as hex strings.
nlohmann::json ToJson(const DiscoveryResult& result);
nlohmann::json ToJson(const DiscoveredTarget& target);

}  // namespace srp::discovery
