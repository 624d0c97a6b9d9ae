#include "initiator_tools/srp_daemon/daemon.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "ibsrpdm_compat/discover_cli.h"
#include "ibsrpdm_compat/discovery.h"
#include "ibsrpdm_compat/output.h"
#include "initiator_tools/initiator/session_options.h"
#include "initiator_tools/srp_login/login_line.h"
#include "lib/common/ids.h"
#include "lib/common/log.h"
#include "lib/fabric/select.h"

namespace srp::daemon {
namespace {

Result<login::LoginRules> LoadRules(const std::string& path) {
  if (path.empty()) return login::LoginRules();
  std::ifstream f(path);
  if (!f) return NotFound("cannot read rules file " + path);
  std::stringstream text;
  text << f.rdbuf();
  return login::LoginRules::Parse(text.str(), path);
}

// "<port>|<id_ext>,<ioc_guid>,<initiator_ext>": what ib_srp calls one connection per host.
std::string KeyOf(const std::string& port, const wire::TargetString& t) {
  return fmt::format("{}|{:016x},{:016x},{:016x}", port, t.id_ext, t.ioc_guid,
                     t.initiator_ext.value_or(0));
}

std::string DefaultSoftPortName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "srp-daemon";
  return fmt::format("{}-srp-daemon", host);
}

}  // namespace

const char* TargetStateName(TargetState state) {
  switch (state) {
    case TargetState::kSeen:
      return "seen";
    case TargetState::kDenied:
      return "denied";
    case TargetState::kConnected:
      return "connected";
    case TargetState::kAlreadyConnected:
      return "already-connected";
    case TargetState::kWouldConnect:
      return "would-connect";
    case TargetState::kFailed:
      return "failed";
    case TargetState::kSession:
      return "session";
  }
  return "unknown";
}

Result<std::unique_ptr<SrpDaemon>> SrpDaemon::Create(const DaemonOptions& options,
                                                     std::ostream& out) {
  std::unique_ptr<SrpDaemon> d(new SrpDaemon(options, out));
  d->sys_ = FsRoot(options.sysfs_root);
  SRP_ASSIGN_OR_RETURN(d->rules_, LoadRules(options.rules_file));
  if (options.userspace) SRP_RETURN_IF_ERROR(options.timeouts.Validate());
  SRP_RETURN_IF_ERROR(d->OpenPorts());
  return d;
}

SrpDaemon::~SrpDaemon() { Shutdown(); }

Status SrpDaemon::OpenPort(const discovery::PortSelection& selection, login::SrpHost host) {
  auto dp = discovery::OpenDiscoveryPort(selection, sys_);
  if (!dp.ok()) return dp.status();
  auto port = std::make_unique<LocalPort>();
  port->discovery = std::move(dp).value();
  port->name = port->discovery.description;
  if (port->discovery.soft_fabric) {
    // srp_daemon's srp-<ca>-<port>: a soft port is its own CA with port 1.
    host = login::SrpHost{port->discovery.soft_fabric->port().device_name, 1};
    port->fabric = port->discovery.soft_fabric.get();
  } else if (o_.userspace && !selection.soft_port.empty()) {
    return InvalidArgument("soft port " + selection.soft_port +
                           " belongs to another process; --userspace needs a port of its own");
  } else if (o_.userspace) {
    fabric::FabricSelection sel;
    sel.kind = fabric::FabricKind::kVerbs;
    sel.device = host.hca;
    sel.port = static_cast<uint8_t>(host.port);
    auto f = fabric::OpenFabric(sel);
    if (!f.ok()) return f.status().WithContext("opening " + port->name + " for sessions");
    port->session_fabric = std::move(f).value();
    port->fabric = port->session_fabric.get();
  }
  port->host = host;
  SRP_LOG(kInfo, "srp-daemon: discovering through {} (srp host srp-{}-{})", port->name, host.hca,
          host.port);
  ports_.push_back(std::move(port));
  return Status::Ok();
}

Status SrpDaemon::OpenPorts() {
  const discovery::PortSelection& s = o_.port;
  if (!s.umad_device.empty()) {
    SRP_ASSIGN_OR_RETURN(auto dev, discovery::ResolveUmadDevice(sys_, s.umad_device));
    return OpenPort(s, login::SrpHost{dev.first, dev.second});
  }
  if (!s.ca.empty()) return OpenPort(s, login::SrpHost{s.ca, s.ca_port == 0 ? 1 : s.ca_port});
  if (!s.soft_port.empty()) return OpenPort(s, login::SrpHost{s.soft_port, 1});
  // Every ACTIVE InfiniBand port of every CA; else the soft subnet.
  auto cas = sys_.ListDir("/class/infiniband");
  if (cas.ok() && !cas->empty()) {
    for (const std::string& ca : *cas) {
      auto ports = sys_.ListDir("/class/infiniband/" + ca + "/ports");
      if (!ports.ok()) continue;
      for (const std::string& p : *ports) {
        const std::string dir = "/class/infiniband/" + ca + "/ports/" + p;
        auto state = sys_.ReadTrimmed(dir + "/state");
        auto link = sys_.ReadTrimmed(dir + "/link_layer");
        int n = 0;
        std::from_chars(p.data(), p.data() + p.size(), n);
        if (n < 1 || !state.ok() || state->find("ACTIVE") == std::string::npos) continue;
        if (link.ok() && *link != "InfiniBand") continue;
        discovery::PortSelection sel = s;
        sel.ca = ca;
        sel.ca_port = n;
        Status st = OpenPort(sel, login::SrpHost{ca, n});
        if (!st.ok()) SRP_LOG(kWarning, "srp-daemon: {} port {}: {}", ca, n, st.ToString());
      }
    }
    if (ports_.empty()) return NotFound("no usable ACTIVE InfiniBand port");
    return Status::Ok();
  }
  discovery::PortSelection sel = s;
  sel.soft_port = DefaultSoftPortName();
  return OpenPort(sel, login::SrpHost{sel.soft_port, 1});
}

Status SrpDaemon::ReloadRules() {
  auto rules = LoadRules(o_.rules_file);
  if (!rules.ok()) return rules.status();
  rules_ = std::move(rules).value();
  SRP_LOG(kWarning, "srp-daemon: rules reloaded from {} ({} rules)", o_.rules_file,
          rules_.rules().size());
  return Status::Ok();
}

Status SrpDaemon::Scan() {
  ++scans_;
  last_scan_ = std::chrono::system_clock::now();
  discovery::DiscoveryOptions walk;
  walk.sa_timeout = walk.dm_timeout = o_.mad_timeout;
  walk.sa_retries = walk.dm_retries = o_.mad_retries;
  const discovery::AddTargetOptions format =
      discovery::AddTargetOptionsFromSysfs(sys_, o_.initiator_ext);
  Status first_error = Status::Ok();
  for (auto& port : ports_) {
    auto result = discovery::Discovery(*port->discovery.port, walk).Run();
    if (!result.ok()) {
      SRP_LOG(kWarning, "srp-daemon: {}: {}", port->name, result.status().ToString());
      if (first_error.ok()) first_error = result.status().WithContext(port->name);
      continue;
    }
    for (const discovery::PortError& e : result->errors) {
      SRP_LOG(kWarning, "srp-daemon: {}: port LID {:04x}: {}", port->name, e.lid,
              e.status.ToString());
    }
    for (const std::string& line : discovery::FormatAddTargetLines(result->targets, format)) {
      Handle(*port, line);
    }
  }
  out_.flush();
  return first_error;
}

void SrpDaemon::Handle(LocalPort& port, const std::string& line) {
  auto prepared = login::PrepareLine(line, rules_);
  if (!prepared.ok()) {
    SRP_LOG(kWarning, "srp-daemon: invalid target line '{}': {}", line,
            prepared.status().message());
    return;
  }
  const std::string key = KeyOf(port.name, prepared->target);
  TargetEntry& e = targets_[key];
  const bool first_time = e.last_scan == 0;
  e.last_scan = scans_;
  e.line = prepared->text;
  e.port = port.name;
  e.host = fmt::format("srp-{}-{}", port.host.hca, port.host.port);
  e.rule_line = prepared->rule_line;
  if (!prepared->allowed) {
    if (e.state != TargetState::kDenied) {
      SRP_LOG(kWarning, "srp-daemon: denied by {}:{}: {}", o_.rules_file, prepared->rule_line,
              prepared->text);
    }
    e.state = TargetState::kDenied;
    return;
  }
  if (!o_.execute) {
    if (o_.print && (first_time || e.state == TargetState::kDenied)) out_ << e.line << "\n";
    e.state = TargetState::kSeen;
    return;
  }
  if (o_.userspace) {
    LogInUserspace(port, e, prepared->target);
  } else {
    LogInKernel(port, e, prepared->target);
  }
}

void SrpDaemon::LogInKernel(LocalPort& port, TargetEntry& e, const wire::TargetString& target) {
  if (!o_.all && login::AlreadyConnected(sys_, port.host, target)) {
    if (e.state != TargetState::kAlreadyConnected && e.state != TargetState::kConnected) {
      SRP_LOG(kInfo, "srp-daemon: already connected: {}", e.line);
    }
    if (e.state != TargetState::kConnected) e.state = TargetState::kAlreadyConnected;
    return;
  }
  if (o_.print) out_ << e.line << "\n";
  if (o_.dry_run) {
    if (e.state != TargetState::kWouldConnect) {
      out_ << login::DryRunCommand(o_.sysfs_root, port.host, e.line) << "\n";
    }
    e.state = TargetState::kWouldConnect;
    return;
  }
  const login::WriteResult r = login::WriteAddTarget(sys_, port.host, e.line);
  switch (r.outcome) {
    case login::WriteOutcome::kConnected:
      ++e.logins;
      e.state = TargetState::kConnected;
      e.last_error.clear();
      SRP_LOG(kWarning, "srp-daemon: connected through {}: {}", e.host, e.line);
      break;
    case login::WriteOutcome::kAlreadyConnected:
      e.state = TargetState::kAlreadyConnected;
      break;
    case login::WriteOutcome::kFailed:
      e.state = TargetState::kFailed;
      e.last_error = r.message;
      SRP_LOG(kWarning, "srp-daemon: {}: {}", e.line, r.message);
      break;
  }
}

void SrpDaemon::LogInUserspace(LocalPort& port, TargetEntry& e, const wire::TargetString& target) {
  if (e.session && e.session->state() != initiator::PortState::kLost) return;  // EEXIST
  if (e.session) {
    SRP_LOG(kWarning, "srp-daemon: {} is back after its session was lost; logging in again",
            e.line);
    e.session.reset();
  }
  auto options = initiator::OptionsFromTargetString(target);
  if (!options.ok()) {
    e.state = TargetState::kFailed;
    e.last_error = options.status().ToString();
    return;
  }
  options->login_timeout = o_.login_timeout;
  if (o_.print) out_ << e.line << "\n";
  auto session = initiator::RemotePort::Connect(*port.fabric, *options, o_.timeouts);
  if (!session.ok()) {
    e.state = TargetState::kFailed;
    e.last_error = session.status().ToString();
    SRP_LOG(kWarning, "srp-daemon: login to {} failed: {}", e.line, e.last_error);
    return;
  }
  e.session = std::move(session).value();
  e.state = TargetState::kSession;
  e.last_error.clear();
  ++e.logins;
  SRP_LOG(kWarning, "srp-daemon: logged in (user space) through {}: {}", port.name, e.line);
}

bool SrpDaemon::Progress() {
  bool changed = false;
  for (auto& [key, e] : targets_) {
    if (!e.session) continue;
    e.session->Progress();
    const initiator::PortState st = e.session->state();
    auto [it, inserted] = last_states_.try_emplace(key, st);
    if (!inserted && it->second != st) {
      if (st == initiator::PortState::kRunning) ++e.logins;  // a reconnect is a login
      it->second = st;
      changed = true;
    }
  }
  return changed;
}

void SrpDaemon::ArmWait(std::vector<int>* fds, std::chrono::steady_clock::time_point* deadline) {
  for (auto& [key, e] : targets_) {
    if (e.session) e.session->ArmWait(fds, deadline);
  }
}

void SrpDaemon::AckWait() {
  for (auto& [key, e] : targets_) {
    if (e.session) e.session->AckWait();
  }
}

void SrpDaemon::Shutdown() {
  for (auto& [key, e] : targets_) {
    if (e.session) e.session->Close();
    e.session.reset();
  }
}

nlohmann::json SrpDaemon::StatusJson() const {
  nlohmann::json ports = nlohmann::json::array();
  for (const auto& p : ports_) {
    ports.push_back(
        {{"name", p->name}, {"srp_host", fmt::format("srp-{}-{}", p->host.hca, p->host.port)}});
  }
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& [key, e] : targets_) {
    nlohmann::json t = {{"target", e.line},           {"port", e.port},
                        {"srp_host", e.host},         {"state", TargetStateName(e.state)},
                        {"logins", e.logins},         {"rule_line", e.rule_line},
                        {"last_error", e.last_error}, {"last_scan", e.last_scan}};
    if (e.session) {
      const initiator::PortSnapshot s = e.session->Snapshot();
      t["state"] = initiator::PortStateName(s.state);
      t["reconnects"] = s.reconnects;
      t["failed_reconnects"] = s.failed_reconnects;
      if (!s.last_error.empty()) t["last_error"] = s.last_error;
    }
    targets.push_back(t);
  }
  auto epoch = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  return {{"pid", getpid()},
          {"mode", o_.userspace ? "userspace" : "kernel"},
          {"execute", o_.execute},
          {"rules_file", o_.rules_file},
          {"rescan_seconds", o_.rescan_seconds},
          {"started", epoch(started_)},
          {"scans", scans_},
          {"last_scan", epoch(last_scan_)},
          {"ports", ports},
          {"targets", targets}};
}

}  // namespace srp::daemon
