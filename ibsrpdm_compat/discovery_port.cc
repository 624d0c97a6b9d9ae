#include "ibsrpdm_compat/discovery_port.h"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "lib/fabric/soft/soft_fabric.h"
#include "lib/mad/soft/soft_mad_port.h"
#include "lib/mad/umad/umad_mad_port.h"

namespace srp::discovery {

Result<std::pair<std::string, int>> ResolveUmadDevice(const FsRoot& sys,
                                                      const std::string& device) {
  std::string name = device;
  const size_t slash = name.rfind('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  if (name.rfind("umad", 0) != 0 || name.size() == 4) {
    return InvalidArgument("'" + device + "' is not a umad device (/dev/infiniband/umadN)");
  }
  const std::string dir = "/class/infiniband_mad/" + name;
  auto ibdev = sys.ReadTrimmed(dir + "/ibdev");
  if (!ibdev.ok()) return ibdev.status().WithContext("umad device " + device);
  auto port_text = sys.ReadTrimmed(dir + "/port");
  if (!port_text.ok()) return port_text.status().WithContext("umad device " + device);
  int port = 0;
  auto [end, ec] = std::from_chars(port_text->data(), port_text->data() + port_text->size(), port);
  if (ec != std::errc() || end != port_text->data() + port_text->size() || port < 1 || port > 255) {
    return InvalidArgument("umad device " + device + ": bad port '" + *port_text + "'");
  }
  return std::make_pair(*ibdev, port);
}

namespace {

std::string SubnetDir(const PortSelection& s) {
  if (!s.subnet_dir.empty()) return s.subnet_dir;
  const char* env = std::getenv("SRP_SOFT_FABRIC");
  if (env != nullptr && *env != '\0') return env;
  return fabric::soft::DefaultSubnetDir();
}

Result<DiscoveryPort> OpenSoft(const PortSelection& s) {
  const std::string dir = SubnetDir(s);
  DiscoveryPort out;
  if (!s.soft_port.empty()) {
    auto existing = mad::OpenSoftMadPort(dir, s.soft_port);
    if (existing.ok()) {
      out.port = std::move(existing).value();
      out.description = "soft port " + s.soft_port;
      return out;
    }
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  }
  fabric::soft::SoftFabricOptions options;
  options.subnet_dir = dir;
  options.port_name = s.soft_port;  // "" = generated
  auto fab = fabric::soft::OpenSoftFabric(options);
  if (!fab.ok()) return fab.status().WithContext("soft subnet " + dir);
  out.soft_fabric = std::move(fab).value();
  auto port = mad::OpenSoftMadPort(dir, out.soft_fabric->port().device_name);
  if (!port.ok()) return port.status();
  out.port = std::move(port).value();
  out.description = "soft port " + out.soft_fabric->port().device_name;
  return out;
}

Result<DiscoveryPort> OpenUmad(const std::string& ca, int port_num) {
  auto port = mad::umad::OpenUmadMadPort(ca, port_num);
  if (!port.ok()) return port.status();
  DiscoveryPort out;
  out.port = std::move(port).value();
  out.description = "umad " + out.port->local_port().name;
  return out;
}

}  // namespace

Result<DiscoveryPort> OpenDiscoveryPort(const PortSelection& selection, const FsRoot& sys) {
  if (!selection.umad_device.empty() && !selection.soft_port.empty()) {
    return InvalidArgument("-d and --soft-port exclude each other");
  }
  if (!selection.umad_device.empty()) {
    auto dev = ResolveUmadDevice(sys, selection.umad_device);
    if (!dev.ok()) return dev.status();
    return OpenUmad(dev->first, dev->second);
  }
  if (!selection.ca.empty()) {
    if (!selection.soft_port.empty())
      return InvalidArgument("-i and --soft-port exclude each other");
    return OpenUmad(selection.ca, selection.ca_port == 0 ? 1 : selection.ca_port);
  }
  if (!selection.soft_port.empty()) return OpenSoft(selection);
  auto devices = sys.ListDir("/class/infiniband");
  if (devices.ok() && !devices->empty()) return OpenUmad("", 0);
  std::error_code ec;
  const std::string dir = SubnetDir(selection);
  if (!std::filesystem::is_directory(dir, ec)) {
    return NotFound("no umad device (nothing under /sys/class/infiniband) and no soft subnet at " +
                    dir + " (set SRP_SOFT_FABRIC)");
  }
  return OpenSoft(selection);
}

}  // namespace srp::discovery
