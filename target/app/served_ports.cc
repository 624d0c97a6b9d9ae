#include "target/app/served_ports.h"

#include <fmt/format.h>
#include <unistd.h>

#include <set>
#include <utility>

#include "lib/common/log.h"
#include "lib/fabric/soft/subnet_directory.h"

namespace srp::target {
namespace {

constexpr int kMaxDefaultPorts = 16;

// The subnet directory a soft fabric with `options` would use.
std::string SubnetDirFor(const fabric::soft::SoftFabricOptions& options) {
  if (!options.subnet_dir.empty()) return options.subnet_dir;
  return fabric::soft::DefaultSubnetDir();
}

}  // namespace

std::string DefaultSoftPortName(const std::function<bool(const std::string&)>& taken) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::snprintf(host, 5, "host");
  const std::string base = fmt::format("{}-srpt", host);
  for (int n = 1; n <= kMaxDefaultPorts; ++n) {
    std::string name = n == 1 ? base : fmt::format("{}-{}", base, n);
    if (!taken(name)) return name;
  }
  return base;  // all taken: opening it reports who holds it
}

namespace {

// DefaultSoftPortName() in the subnet `options` names.
std::string DefaultNameIn(const fabric::soft::SoftFabricOptions& options) {
  const std::string dir = SubnetDirFor(options);
  return DefaultSoftPortName([&dir](const std::string& name) {
    auto rec = fabric::soft::ReadPort(dir, name);
    return rec.ok() && fabric::soft::IsLive(*rec);
  });
}

}  // namespace

Result<std::unique_ptr<ServedPorts>> ServedPorts::Start(const ServedPortsOptions& options,
                                                        TargetConfig config) {
  std::vector<std::string> names = options.port_names;
  if (names.empty()) names.push_back("");
  std::set<std::string> seen;
  for (const std::string& n : names) {
    if (!seen.insert(n).second) return InvalidArgument("port name given twice: '" + n + "'");
  }
  const fabric::FabricKind kind = fabric::ResolveFabricKind(options.kind, options.fs);

  std::unique_ptr<ServedPorts> served(new ServedPorts());
  for (size_t i = 0; i < names.size(); ++i) {
    fabric::FabricSelection sel;
    sel.kind = kind;
    sel.device = names[i];
    sel.soft.port_name = names[i];
    if (kind == fabric::FabricKind::kSoft && names[i].empty()) {
      sel.soft.port_name = DefaultNameIn(sel.soft);
    }
    if (i == 0 && kind == fabric::FabricKind::kSoft) {
      sel.soft.node_guid = options.node_guid;
      sel.soft.port_guid = options.port_guid;
    }
    TargetConfig port_config = config;
    if (i > 0) port_config.rdma_cm_port = 0;  // one IP listener, on the first port
    if (port_config.rdma_cm_port != 0) sel.soft.ip_addresses = {"127.0.0.1"};

    Port port;
    auto fab = fabric::OpenFabric(sel, options.fs);
    // A default name taken between the check and the open (two targets starting at once):
    // the next free one.
    for (int retry = 0;
         names[i].empty() && kind == fabric::FabricKind::kSoft && !fab.ok() &&
         fab.status().code() == StatusCode::kAlreadyExists && retry < kMaxDefaultPorts;
         ++retry) {
      sel.soft.port_name = DefaultNameIn(sel.soft);
      fab = fabric::OpenFabric(sel, options.fs);
    }
    if (!fab.ok()) return fab.status().WithContext("opening the fabric '" + names[i] + "'");
    port.fabric = std::move(fab).value();
    if (options.configure_port) {
      Status st = options.configure_port(port.fabric->port(), port_config);
      if (!st.ok()) return st.WithContext("port '" + port.fabric->port().device_name + "'");
    }
    auto tgt = SrpTarget::Start(*port.fabric, port_config);
    if (!tgt.ok()) return tgt.status().WithContext("starting the target");
    port.target = std::move(tgt).value();
    if (i == 0) {
      // Every later port serves the same SRP target identity.
      config.id_ext = port.target->id_ext();
      config.ioc_guid = port.target->ioc_guid();
    }
    if (options.dm_agent) {
      DmIdentity identity =
          MakeDmIdentity(*port.fabric, port_config, port.target->id_ext(), port.target->ioc_guid());
      auto dm = DmService::Start(*port.fabric, identity);
      if (dm.ok()) {
        port.dm = std::move(dm).value();
      } else if (kind == fabric::FabricKind::kSoft) {
        port.target->Stop();
        return dm.status().WithContext("starting the DM agent");
      } else {
        SRP_LOG(kWarning, "{} port {}: serving without a DM agent: {}",
                port.fabric->port().device_name, port.fabric->port().port_num,
                dm.status().ToString());
      }
    }
    served->ports_.push_back(std::move(port));
  }
  return served;
}

ServedPorts::~ServedPorts() { Stop(); }

void ServedPorts::Stop() {
  for (Port& p : ports_) {
    if (p.dm) p.dm->Stop();
  }
  for (Port& p : ports_) p.target->Stop();
}

std::vector<std::string> ServedPorts::login_lines() const {
  std::vector<std::string> lines;
  for (const Port& p : ports_) {
    for (std::string& l : p.target->login_lines()) lines.push_back(std::move(l));
  }
  return lines;
}

}  // namespace srp::target
