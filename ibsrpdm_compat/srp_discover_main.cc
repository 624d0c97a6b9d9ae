// srp-discover: find SRP targets through the IB Device Management class, with
// ibsrpdm's interface (docs/srp-reference.md §6) and srp_daemon's one-shot extras.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "ibsrpdm_compat/discover_cli.h"
#include "lib/common/ids.h"
#include "lib/common/log.h"

namespace {

constexpr const char* kFooter =
    R"(Port selection: -d names a umad device; --soft-port a soft-subnet port
(published for the run if nobody has it). With neither, the default umad CA port is used when an
RDMA device exists, else the soft subnet ($SRP_SOFT_FABRIC) through a port of our own.

Targets are the ports whose PortInfo:CapabilityMask has bit 19 (IsDeviceManagementSupported), as
ibsrpdm finds them. --probe-all also sends DM queries to every other CA port of the subnet
(--probe-timeout each, no retry): a user-space target on real IB cannot set bit 19.

-c appends max_it_iu_size=<IOC send size> when ib_srp's use_imm_data is Y and its max_imm_data
exceeds that size (<sysfs>/module/ib_srp/parameters); without the ib_srp module its defaults
(Y, 8192) are assumed.

Exit status: 0 discovery ran (also with no targets); 1 usage error, no port, or SA failure;
2 some bit-19 port did not answer its DM queries (named on stderr; ibsrpdm would exit 0).

Examples:
  # add_target lines, as ibsrpdm -c (pipe into srp-login)
  srp-discover -c | srp-login
  # human-readable, from the soft subnet in /tmp/subnet, with the per-slot lines
  SRP_SOFT_FABRIC=/tmp/subnet srp-discover -v
  # second HCA port, add initiator_ext=, only P_Key 0x8001, JSON
  srp-discover -d /dev/infiniband/umad1 -n -k 8001 --json
  # also find targets whose port does not advertise bit 19, 2 s per MAD, 1 retry
  srp-discover -c --probe-all -t 2000 -r 1)";

}  // namespace

int main(int argc, char** argv) {
  using namespace srp::discovery;
  DiscoverCliOptions o;
  bool add_target = false;
  bool json = false;
  std::string pkey_text;
  int timeout_ms = static_cast<int>(o.timeout.count());
  int probe_timeout_ms = static_cast<int>(o.probe_timeout.count());
  CLI::App app{"srp-discover: list SRP targets (ibsrpdm-compatible)"};
  app.footer(kFooter);
  app.add_flag("-c", add_target, "print one add_target line per target and shared P_Key");
  app.add_flag("--json", json, "print the result as JSON (targets, errors, unanswered ports)");
  app.add_option("-d", o.port.umad_device, "umad device to use, e.g. /dev/infiniband/umad0");
  app.add_option("--soft-port", o.port.soft_port, "soft-subnet port name to discover from");
  app.add_flag("-v", o.verbose, "verbose: per-slot controller lines, port in use, debug log");
  app.add_flag("-n", o.initiator_ext, "append initiator_ext=<target port GUID> to -c lines");
  app.add_option("-k", pkey_text, "only targets reachable with this P_Key (hex)");
  app.add_option("-t", timeout_ms, "MAD timeout in ms per attempt (default 1000)")
      ->check(CLI::Range(1, 600000));
  app.add_option("-r", o.retries, "MAD retries (default 2)")->check(CLI::Range(0, 20));
  app.add_flag("--probe-all", o.probe_all, "also probe CA ports without capability bit 19");
  app.add_option("--probe-timeout", probe_timeout_ms, "ms per --probe-all probe (default 200)")
      ->check(CLI::Range(1, 600000));
  app.add_option("--sysfs-root", o.sysfs_root, "directory standing in for /sys");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitFailure;
  }
  if (add_target && json) {
    std::cerr << "srp-discover: -c and --json exclude each other\n";
    return kExitFailure;
  }
  if (!pkey_text.empty()) {
    auto pkey = srp::ParseHexU16(pkey_text);
    if (!pkey.ok() || (*pkey & 0x7fff) == 0) {
      std::cerr << "srp-discover: -k: '" << pkey_text << "' is not a valid P_Key\n";
      return kExitFailure;
    }
    o.pkey = *pkey;
  }
  o.format =
      add_target ? OutputFormat::kAddTarget : (json ? OutputFormat::kJson : OutputFormat::kHuman);
  o.timeout = std::chrono::milliseconds(timeout_ms);
  o.probe_timeout = std::chrono::milliseconds(probe_timeout_ms);
  srp::SetLogLevel(o.verbose ? srp::LogLevel::kDebug : srp::LogLevel::kWarning);
  return RunDiscover(o, std::cout, std::cerr);
}
