#include "ibsrpdm_compat/discover_cli.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>

#include "ibsrpdm_compat/discovery.h"
#include "ibsrpdm_compat/output.h"
#include "lib/common/ids.h"

namespace srp::discovery {
namespace {

constexpr uint32_t kIbSrpDefaultMaxImmData = 8192;

}  // namespace

// The max_it_iu_size inputs: /sys/module/ib_srp/parameters/{use_imm_data,max_imm_data}.
// Without the ib_srp module, its defaults (Y, 8192) are assumed: the lines are meant for
// an ib_srp-like initiator (ib_srp loaded later, or srp-login --userspace, which asks for
// the same 8260-byte IU), and a target with a smaller limit would reject it otherwise.
AddTargetOptions AddTargetOptionsFromSysfs(const FsRoot& sys, bool initiator_ext) {
  AddTargetOptions o;
  o.initiator_ext = initiator_ext;
  o.use_imm_data = true;
  o.max_imm_data = kIbSrpDefaultMaxImmData;
  if (!sys.Exists("/module/ib_srp")) return o;
  auto use = sys.ReadTrimmed("/module/ib_srp/parameters/use_imm_data");
  o.use_imm_data = use.ok() && (*use == "Y" || *use == "1");
  o.max_imm_data = 0;
  auto max = sys.ReadTrimmed("/module/ib_srp/parameters/max_imm_data");
  if (max.ok()) {
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(max->data(), max->data() + max->size(), v);
    if (ec == std::errc() && end == max->data() + max->size()) o.max_imm_data = v;
  }
  return o;
}

namespace {

// -k: keep only `pkey` (compared without the membership bit); drop targets without it.
void FilterPkey(DiscoveryResult& result, uint16_t pkey) {
  std::vector<DiscoveredTarget> kept;
  for (DiscoveredTarget& t : result.targets) {
    std::vector<uint16_t> pkeys;
    for (uint16_t p : t.pkeys) {
      if ((p & 0x7fff) == (pkey & 0x7fff)) pkeys.push_back(p);
    }
    if (pkeys.empty()) continue;
    t.pkeys = std::move(pkeys);
    kept.push_back(std::move(t));
  }
  result.targets = std::move(kept);
}

}  // namespace

int RunDiscover(const DiscoverCliOptions& options, std::ostream& out, std::ostream& err) {
  const FsRoot sys(options.sysfs_root);
  auto port = OpenDiscoveryPort(options.port, sys);
  if (!port.ok()) {
    err << "srp-discover: " << port.status().ToString() << "\n";
    return kExitFailure;
  }
  if (options.verbose) {
    const auto local = port->port->local_port();
    err << fmt::format("srp-discover: using {} (LID {:04x}, SM LID {:04x})\n", port->description,
                       local.lid, port->port->sm_lid());
  }
  DiscoveryOptions walk;
  walk.sa_timeout = options.timeout;
  walk.sa_retries = options.retries;
  walk.dm_timeout = options.timeout;
  walk.dm_retries = options.retries;
  walk.probe_all_ports = options.probe_all;
  walk.probe_timeout = options.probe_timeout;
  auto result = Discovery(*port->port, walk).Run();
  if (!result.ok()) {
    err << "srp-discover: " << result.status().ToString() << "\n";
    return kExitFailure;
  }
  if (options.pkey) FilterPkey(*result, *options.pkey);

  switch (options.format) {
    case OutputFormat::kAddTarget:
      for (const std::string& line : FormatAddTargetLines(
               result->targets, AddTargetOptionsFromSysfs(sys, options.initiator_ext))) {
        out << line << "\n";
      }
      break;
    case OutputFormat::kHuman:
      out << FormatHuman(result->targets, options.verbose);
      break;
    case OutputFormat::kJson:
      out << ToJson(*result).dump(2) << "\n";
      break;
  }
  out.flush();
  for (const PortError& e : result->errors) {
    err << fmt::format("srp-discover: port LID {:04x} GID {}: {}\n", e.lid, FormatGidHex(e.gid),
                       e.status.ToString());
  }
  if (options.verbose) {
    for (uint16_t lid : result->unanswered) {
      err << fmt::format("srp-discover: port LID {:04x}: no DM agent answered the probe\n", lid);
    }
  }
  return result->errors.empty() ? kExitOk : kExitPartial;
}

}  // namespace srp::discovery
