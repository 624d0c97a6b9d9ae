// srp-discover's run: open the port, walk, print. The CLI parsing lives in
// srp_discover_main.cc; this part is what the tests call in-process.
//
// Exit codes: 0 = the walk ran (also with no targets; ibsrpdm's 0);
// 1 = usage error, no port to discover from, or the SA could not be queried
// (ibsrpdm's 1); 2 = targets were printed but the walk of at least one
// bit-19 port failed (ibsrpdm says 0 there and stays silent, §11.2; every
// failure is also named on stderr).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "ibsrpdm_compat/discovery_port.h"
#include "ibsrpdm_compat/output.h"

namespace srp::discovery {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitPartial = 2;

enum class OutputFormat { kHuman, kAddTarget, kJson };

struct DiscoverCliOptions {
  PortSelection port;
  OutputFormat format = OutputFormat::kHuman;
  bool verbose = false;
  bool initiator_ext = false;               // -n
  std::optional<uint16_t> pkey;             // -k: only this P_Key (membership bit ignored)
  std::chrono::milliseconds timeout{1000};  // -t, per MAD attempt (SA and DM)
  int retries = 2;                          // -r
  bool probe_all = false;                   // --probe-all
  std::chrono::milliseconds probe_timeout{200};
  std::string sysfs_root = "/sys";  // stands in for /sys (ib_srp parameters, umad)
};

int RunDiscover(const DiscoverCliOptions& options, std::ostream& out, std::ostream& err);

// How -c lines end: initiator_ext (-n) and max_it_iu_size from ib_srp's module parameters
// under `sys` (/module/ib_srp/parameters/{use_imm_data,max_imm_data}; its defaults without
// the module). srp-daemon formats its lines the same way.
AddTargetOptions AddTargetOptionsFromSysfs(const FsRoot& sys, bool initiator_ext);

}  // namespace srp::discovery
