// srp-target: the user-space SRP target daemon.
//
//   srp-target serve [--fabric auto|soft|verbs] [--port-name NAME] [--rdma-cm-port N] ...
//
// Prints one target line per listener (paste into srp-io / srp-login), then "ready", and
// serves until SIGINT/SIGTERM: then SRP_T_LOGOUT + disconnect on every channel, drain, exit 0.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/log.h"
#include "lib/fabric/select.h"
#include "target/app/config_luns.h"
#include "target/app/default_luns.h"
#include "target/app/live_config.h"
#include "target/app/reload.h"
#include "target/app/served_ports.h"
#include "target/engine/srp_target.h"

namespace {

constexpr const char* kFooter = R"(Examples:
  # soft fabric, IB-form listener only, default LUNs (0: null0 nullio, 1: mem1 64 MiB RAM disk)
  SRP_SOFT_FABRIC=/tmp/subnet srp-target serve --fabric soft --port-name tgt0
  # one target on two soft ports, each with a DM agent (srp-discover lists both)
  SRP_SOFT_FABRIC=/tmp/subnet srp-target serve --fabric soft --port-name p1 --port-name p2
  # also listen for RDMA CM (dest=) logins on port 5000, SCSI on 2 worker threads
  srp-target serve --fabric soft --rdma-cm-port 5000 --thread 1 --worker-threads 2
  # accept the 8260-byte IUs ib_srp asks for without max_it_iu_size=
  srp-target serve --srp-max-message-size 8260
  # LUNs and parameters from an scst.conf-style file
  srp-target serve --config /etc/srp-target.conf
  # a pinned identity (also: TARGET_DRIVER ib_srpt { port_name tgt0; node_guid ...; port_guid ... })
  srp-target serve --port-name tgt0 --node-guid 0002c90300a0b1c2 --port-guid 0002c90300a0b1c3

Identity: a soft port keeps its name (default <hostname>-srpt, -2, -3 ... while others hold
it), its GUIDs (derived from the name unless given) and so its GID across restarts, so an
initiator's reconnect after a restart reaches the same target.

Output: one line per listener, e.g.
  id_ext=...,ioc_guid=...,dgid=...,pkey=ffff,service_id=00000000013f5352
  id_ext=...,ioc_guid=...,dest=127.0.0.1:5000
then "ready". Stop with SIGINT or SIGTERM.)";

struct ServeOptions {
  std::string fabric = "auto";
  std::vector<std::string> port_names;  // one served port each (empty = one, generated)
  bool no_dm = false;
  std::string config_file;
  std::string run_dir;  // control socket directory (target/control/control_socket.h)
  std::string service_id;
  std::string id_ext;
  std::string ioc_guid;
  std::string node_guid;
  std::string port_guid;
  std::string log_level = "info";
  std::string poll_mode = "event";
  uint32_t trace_flag = 0;
  uint32_t lun_queue_depth = 64;
  uint64_t mem_size = 64u << 20;
  bool no_external_tables = false;
  bool no_immediate_data = false;
};

int Fail(const std::string& what, const srp::Status& st) {
  std::fprintf(stderr, "srp-target: %s: %s\n", what.c_str(), st.ToString().c_str());
  return 1;
}

// `given(flag)` says whether a flag was on the command line (it then beats the config file).
int Serve(const ServeOptions& o, srp::target::TargetConfig cfg,
          const std::function<bool(const char*)>& given) {
  using namespace srp;
  LogLevel level;
  if (!ParseLogLevel(o.log_level, &level)) return Fail("--log-level", InvalidArgument(o.log_level));
  SetLogLevel(level);
  uint32_t trace_flag = o.trace_flag;
  std::optional<target::ConfiguredTarget> configured;
  if (!o.config_file.empty()) {
    auto loaded = target::LoadConfiguredTarget(o.config_file, o.lun_queue_depth);
    if (!loaded.ok()) return Fail("--config", loaded.status());
    configured = std::move(loaded).value();
    const target::DriverParameters& p = configured->parameters;
    if (p.srp_max_message_size && !given("--srp-max-message-size"))
      cfg.srp_max_message_size = *p.srp_max_message_size;
    if (p.srp_max_rdma_size && !given("--srp-max-rdma-size"))
      cfg.srp_max_rdma_size = *p.srp_max_rdma_size;
    if (p.thread && !given("--thread")) cfg.thread = *p.thread;
    if (p.rdma_cm_port && !given("--rdma-cm-port")) cfg.rdma_cm_port = *p.rdma_cm_port;
    if (p.trace_flag && !given("--trace-flag")) trace_flag = *p.trace_flag;
    SRP_LOG(kInfo, "config {}: target {} with {} LUN(s)", o.config_file, configured->name,
            configured->luns->Luns().size());
  }
  SetTraceMask(trace_flag);
  if (trace_flag != 0 && level < LogLevel::kTrace) SetLogLevel(LogLevel::kTrace);
  if (!o.service_id.empty()) {
    auto v = ParseHexU64(o.service_id);
    if (!v.ok()) return Fail("--service-id", v.status());
    cfg.service_id = *v;
  }
  if (!o.id_ext.empty()) {
    auto v = ParseGuid(o.id_ext);
    if (!v.ok()) return Fail("--id-ext", v.status());
    cfg.id_ext = *v;
  }
  if (!o.ioc_guid.empty()) {
    auto v = ParseGuid(o.ioc_guid);
    if (!v.ok()) return Fail("--ioc-guid", v.status());
    cfg.ioc_guid = *v;
  }
  cfg.poll_mode = o.poll_mode == "busy" ? target::PollMode::kBusy : target::PollMode::kEvent;
  cfg.external_tables = !o.no_external_tables;
  cfg.immediate_data = !o.no_immediate_data;
  if (configured) {
    cfg.luns = configured->luns;
    cfg.access = configured->access;  // ACL groups; reload/admin edits change it in place
    cfg.port_info.relative_port_id = configured->rel_tgt_id;
    cfg.port_info.name = configured->name;
  } else {
    target::DefaultLunOptions lun_opts;
    lun_opts.queue_depth = o.lun_queue_depth;
    lun_opts.memory_bytes = o.mem_size;
    auto luns = target::MakeDefaultLuns(lun_opts);
    if (!luns.ok()) return Fail("default LUNs", luns.status());
    cfg.luns = *luns;
  }
  if (Status st = target::ValidateTargetConfig(cfg); !st.ok()) return Fail("configuration", st);

  auto kind = fabric::ParseFabricKind(o.fabric);
  if (!kind.ok()) return Fail("--fabric", kind.status());
  target::ServedPortsOptions served_opts;
  served_opts.kind = *kind;
  served_opts.port_names = o.port_names;
  // Identity: the command line beats the config file; unnamed soft ports get a stable name.
  if (configured && o.port_names.empty())
    served_opts.port_names = configured->parameters.port_names;
  if (configured) {
    served_opts.node_guid = configured->parameters.node_guid;
    served_opts.port_guid = configured->parameters.port_guid;
  }
  for (auto [flag, text, out] : {std::tuple{"--node-guid", &o.node_guid, &served_opts.node_guid},
                                 std::tuple{"--port-guid", &o.port_guid, &served_opts.port_guid}}) {
    if (text->empty()) continue;
    auto v = ParseGuid(*text);
    if (!v.ok() || *v == 0) return Fail(flag, v.ok() ? InvalidArgument(*text) : v.status());
    *out = *v;
  }
  served_opts.dm_agent = !o.no_dm;
  if (configured) {
    // Several TARGETs: each port serves the TARGET named after it (GID or soft port name);
    // with one TARGET every port serves it (LiveConfig::TargetForPort).
    std::shared_ptr<target::LiveConfig> live = configured->live;
    served_opts.configure_port = [live](const fabric::PortAttributes& port,
                                        target::TargetConfig& port_cfg) -> Status {
      auto name = live->TargetForPort(port.gid, port.device_name);
      if (!name.ok()) return name.status();
      port_cfg.access = live->Access(*name);
      if (!port_cfg.access) return NotFound("no access table for TARGET " + *name);
      port_cfg.luns = port_cfg.access->Snapshot().default_luns;
      port_cfg.port_info.relative_port_id = live->RelativeTargetId(*name);
      port_cfg.port_info.name = *name;
      live->MarkServed(*name);
      return Status::Ok();
    };
  }

  // Signals are taken by sigwait below; every thread started from here inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);  // reload --config (target/app/reload.h)
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  // Fabric(s) -> SrpTarget(s) -> DM agent(s), see target/app/served_ports.h.
  auto served = target::ServedPorts::Start(served_opts, cfg);
  if (!served.ok()) return Fail("starting the target", served.status());
  for (const std::string& line : (*served)->login_lines()) {
    std::printf("target: %s\n", line.c_str());
  }
  target::LiveConfig* live = configured ? configured->live.get() : nullptr;
  const std::string target_name = configured ? configured->name : "default";
  target::ServedPorts* ports = served->get();
  auto control_socket = target::StartControlSocket(
      target::control::ResolveRunDir(o.run_dir), live, [ports, target_name] {
        std::vector<target::TargetSessions> all;
        for (size_t i = 0; i < ports->size(); ++i)
          all.push_back({target_name, ports->target(i).sessions()});
        return all;
      });
  if (!control_socket.ok()) {
    SRP_LOG(kWarning, "no control socket (srp-admin cannot reach this target): {}",
            control_socket.status().ToString());
  }
  std::printf("ready\n");
  std::fflush(stdout);

  int sig = 0;
  while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP) target::ReloadOnSignal(live);
  SRP_LOG(kInfo, "signal {}: shutting down", sig);
  if (control_socket.ok()) control_socket->reset();
  (*served)->Stop();
  served->reset();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ServeOptions o;
  srp::target::TargetConfig cfg;
  CLI::App app{"srp-target: user-space SCSI RDMA Protocol target"};
  app.require_subcommand(1);
  CLI::App* serve = app.add_subcommand("serve", "run the target until SIGINT/SIGTERM");
  serve->footer(kFooter);
  serve->add_option("--fabric", o.fabric, "auto | soft | verbs (default auto)")
      ->check(CLI::IsMember({"auto", "soft", "verbs"}));
  serve->add_option("--port-name", o.port_names,
                    "soft fabric port name (default: config port_name, else <hostname>-srpt) or "
                    "verbs device; repeat for one target with several ports (same "
                    "id_ext/ioc_guid)");
  serve->add_option("--node-guid", o.node_guid,
                    "soft: the first port's node GUID (default: config node_guid, else derived "
                    "from the port name)");
  serve->add_option("--port-guid", o.port_guid,
                    "soft: the first port's port GUID and so its GID (default: config port_guid, "
                    "else node GUID + 1)");
  serve->add_flag("--no-dm", o.no_dm,
                  "no Device Management agent (srp-discover/ibsrpdm will not find the target)");
  serve->add_option(
      "--config", o.config_file,
      "scst.conf-style file: HANDLER vdisk_nullio / vdisk_memory devices, one TARGET_DRIVER "
      "ib_srpt TARGET with LUN lines and driver parameters; flags given here override it");
  serve->add_option("--rdma-cm-port", cfg.rdma_cm_port,
                    "also listen for RDMA CM logins on this port, all addresses (0 = off)");
  serve->add_option("--service-id", o.service_id,
                    "IB service id in hex (default 00000000013f5352)");
  serve->add_option("--id-ext", o.id_ext, "target port id_ext (default: node GUID)");
  serve->add_option("--ioc-guid", o.ioc_guid, "target port ioc_guid (default: node GUID)");
  serve->add_option("--thread", cfg.thread, "0 = SCSI inline in the poller, 1 = worker threads")
      ->check(CLI::Range(0, 1));
  serve->add_option("--worker-threads", cfg.worker_threads, "workers for --thread 1 (default 2)")
      ->check(CLI::Range(1, 256));
  serve->add_option("--poll-groups", cfg.poll_groups, "poller threads (default 1)")
      ->check(CLI::Range(1, 256));
  serve->add_option("--poll-mode", o.poll_mode, "event | busy (default event)")
      ->check(CLI::IsMember({"event", "busy"}));
  serve->add_option("--srp-max-message-size", cfg.srp_max_message_size,
                    "largest I->T IU accepted (default 2116; ib_srp wants 8260)");
  serve->add_option("--srp-max-rdma-size", cfg.srp_max_rdma_size,
                    "largest RDMA READ/WRITE work request (default 65536)");
  serve->add_option("--ring-size", cfg.ring_size, "receive ring = credits per channel (64)");
  serve->add_option("--max-transfer", cfg.max_transfer, "largest command transfer (16 MiB)");
  serve
      ->add_option("--max-channels-per-initiator", cfg.max_channels_per_initiator,
                   "channels one initiator (source GID or IP address) may hold; a login "
                   "beyond gets CHANNEL_LIMIT_REACHED (default 8)")
      ->check(CLI::Range(1u, 65535u));
  serve->add_option("--lun-queue-depth", o.lun_queue_depth, "commands per LUN (64)")
      ->check(CLI::Range(1u, 65535u));
  serve->add_option("--mem-size", o.mem_size, "bytes of the default memory LUN 1 (64 MiB)");
  serve->add_flag("--no-external-tables", o.no_external_tables,
                  "refuse indirect tables that need an RDMA READ");
  serve->add_flag("--no-immediate-data", o.no_immediate_data, "never grant immediate data");
  serve->add_option("--trace-flag", o.trace_flag,
                    "trace category bits: 1 fabric, 2 login, 4 IU, 8 SCSI, 16 RDMA");
  serve->add_option("--log-level", o.log_level, "error | warning | info | debug | trace");
  serve->add_option("--run-dir", o.run_dir,
                    "directory of the control socket srp-admin uses (default $SRP_TARGET_RUN_DIR "
                    "or /run/srp-target)");
  std::string reload_socket;
  CLI::App* reload = app.add_subcommand(
      "reload", "make the running target re-read its --config file (as SIGHUP does)");
  reload->add_option("--run-dir", o.run_dir, "control socket directory (default as serve)");
  reload->add_option("--socket", reload_socket, "this control socket (when several targets run)");
  reload->footer(R"(Examples:
  srp-target reload                      # the one target running
  srp-target reload --run-dir /tmp/run   # a target started with that --run-dir
Prints the changes made; exit 0 applied, 1 refused (bad file: file:line, nothing changed),
3 no running target found.)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (reload->parsed()) return srp::target::RunReloadCommand(o.run_dir, reload_socket);
  return Serve(o, cfg, [serve](const char* flag) { return serve->count(flag) > 0; });
}
