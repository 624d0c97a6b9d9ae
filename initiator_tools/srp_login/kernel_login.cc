#include "initiator_tools/srp_login/kernel_login.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

#include "lib/common/ids.h"

namespace srp::login {

namespace {
constexpr const char* kSrpClass = "/class/infiniband_srp";
constexpr const char* kScsiHostClass = "/class/scsi_host";
constexpr int kErestartsys = 512;  // the kernel's ERESTARTSYS, seen when a write is interrupted
}  // namespace

std::string SrpHost::dir() const { return fmt::format("{}/srp-{}-{}", kSrpClass, hca, port); }
std::string SrpHost::add_target_path() const { return dir() + "/add_target"; }

Result<SrpHost> ParseSrpHostName(const std::string& name) {
  const size_t dash = name.rfind('-');
  if (name.rfind("srp-", 0) != 0 || dash == std::string::npos || dash <= 4 ||
      dash + 1 == name.size()) {
    return InvalidArgument("'" + name + "' is not srp-<hca>-<port>");
  }
  SrpHost h;
  h.hca = name.substr(4, dash - 4);
  const std::string p = name.substr(dash + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), h.port);
  if (ec != std::errc() || end != p.data() + p.size() || h.port < 1 || h.port > 255) {
    return InvalidArgument("'" + name + "': bad port number");
  }
  return h;
}

Result<SrpHost> FindSrpHost(const FsRoot& sys, const std::string& hca, int port) {
  if (!hca.empty() && port != 0) return SrpHost{hca, port};
  auto entries = sys.ListDir(kSrpClass);
  std::vector<SrpHost> found;
  if (entries.ok()) {
    for (const std::string& e : *entries) {
      auto h = ParseSrpHostName(e);
      if (!h.ok()) continue;
      if (!hca.empty() && h->hca != hca) continue;
      if (port != 0 && h->port != port) continue;
      found.push_back(*h);
    }
  }
  if (found.empty()) {
    return NotFound(
        fmt::format("no srp host under {} (is ib_srp loaded? name one with --hca and --port)",
                    sys.Resolve(kSrpClass)));
  }
  if (found.size() > 1) {
    std::string names;
    for (const SrpHost& h : found) names += fmt::format(" srp-{}-{}", h.hca, h.port);
    return InvalidArgument("several srp hosts:" + names + "; choose one with --hca/--port");
  }
  return found.front();
}

Result<SrpHost> DeriveSrpHost(const FsRoot& sys, const wire::TargetString& target) {
  auto cas = sys.ListDir("/class/infiniband");
  if (!cas.ok() || cas->empty()) return NotFound("no RDMA device under /sys/class/infiniband");
  std::vector<std::string> names = *cas;
  std::sort(names.begin(), names.end());
  std::optional<SrpHost> first_active;
  for (const std::string& ca : names) {
    const std::string ports_dir = "/class/infiniband/" + ca + "/ports";
    auto ports = sys.ListDir(ports_dir);
    if (!ports.ok()) continue;
    std::vector<int> numbers;
    for (const std::string& p : *ports) {
      int n = 0;
      auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
      if (ec == std::errc() && end == p.data() + p.size() && n >= 1 && n <= 255) {
        numbers.push_back(n);
      }
    }
    std::sort(numbers.begin(), numbers.end());
    for (int n : numbers) {
      const std::string d = fmt::format("{}/{}", ports_dir, n);
      auto state = sys.ReadTrimmed(d + "/state");
      auto link = sys.ReadTrimmed(d + "/link_layer");
      if (!state.ok() || state->find("ACTIVE") == std::string::npos) continue;
      if (link.ok() && *link != "InfiniBand") continue;
      if (!first_active) first_active = SrpHost{ca, n};
      auto gid_text = sys.ReadTrimmed(d + "/gids/0");
      if (!gid_text.ok() || !target.dgid) continue;
      auto gid = ParseGid(*gid_text);
      if (gid.ok() && gid->subnet_prefix() == target.dgid->subnet_prefix()) return SrpHost{ca, n};
    }
  }
  if (first_active) return *first_active;
  return NotFound("no ACTIVE InfiniBand port under /sys/class/infiniband");
}

namespace {

bool HexFieldEquals(const FsRoot& sys, const std::string& path, uint64_t want) {
  auto text = sys.ReadTrimmed(path);
  if (!text.ok()) return false;
  auto v = ParseHexU64(*text);
  return v.ok() && *v == want;
}

}  // namespace

bool AlreadyConnected(const FsRoot& sys, const SrpHost& host, const wire::TargetString& t) {
  auto hosts = sys.ListDir(kScsiHostClass);
  if (!hosts.ok()) return false;
  for (const std::string& name : *hosts) {
    const std::string d = std::string(kScsiHostClass) + "/" + name;
    auto dev = sys.ReadTrimmed(d + "/local_ib_device");
    auto port = sys.ReadTrimmed(d + "/local_ib_port");
    if (!dev.ok() || !port.ok() || *dev != host.hca || *port != std::to_string(host.port)) {
      continue;
    }
    if (!HexFieldEquals(sys, d + "/id_ext", t.id_ext)) continue;
    if (!HexFieldEquals(sys, d + "/ioc_guid", t.ioc_guid)) continue;
    if (t.uses_rdma_cm()) return true;
    if (!t.service_id || !HexFieldEquals(sys, d + "/service_id", *t.service_id)) continue;
    if (!t.pkey || !HexFieldEquals(sys, d + "/pkey", *t.pkey)) continue;
    auto dgid = sys.ReadTrimmed(d + "/orig_dgid");
    if (!dgid.ok()) dgid = sys.ReadTrimmed(d + "/dgid");
    if (!dgid.ok() || !t.dgid) continue;
    auto g = ParseGid(*dgid);
    if (g.ok() && *g == *t.dgid) return true;
  }
  return false;
}

std::string ExplainAddTargetErrno(int err) {
  switch (err) {
    case EINVAL:
      return "the kernel refused the line: unknown parameter, missing value or missing "
             "mandatory option (EINVAL)";
    case ECONNRESET:
      return "the target rejected the login (ECONNRESET: CM REJ or SRP_LOGIN_REJ)";
    case EHOSTUNREACH:
      return "no path to the target: the SA PathRecord query failed (EHOSTUNREACH)";
    case ENXIO:
      return "no route to the target (ENXIO)";
    case ENODEV:
      return "the IB CM connection failed (ENODEV)";
    case ENOMEM:
      return "the kernel is out of memory (ENOMEM)";
    case ETIMEDOUT:
      return "the login timed out (ETIMEDOUT)";
    case EINTR:
    case kErestartsys:
      return "the login was interrupted (EINTR)";
    case ENOENT:
      return "no such add_target file (ENOENT: wrong --hca/--port or ib_srp not loaded)";
    case EACCES:
    case EPERM:
      return fmt::format("not allowed to write add_target ({}: run as root)",
                         err == EACCES ? "EACCES" : "EPERM");
    default:
      return fmt::format("add_target write failed: {} (errno {})", std::strerror(err), err);
  }
}

WriteResult WriteAddTarget(const FsRoot& sys, const SrpHost& host, const std::string& line) {
  Status st = sys.WriteFile(host.add_target_path(), line);
  if (st.ok()) return {WriteOutcome::kConnected, ""};
  if (st.sys_errno() == EEXIST) return {WriteOutcome::kAlreadyConnected, "already connected"};
  if (st.sys_errno() != 0) return {WriteOutcome::kFailed, ExplainAddTargetErrno(st.sys_errno())};
  return {WriteOutcome::kFailed, st.ToString()};
}

std::string DryRunCommand(const std::string& sysfs_root, const SrpHost& host,
                          const std::string& line) {
  std::string root = sysfs_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return fmt::format("echo '{}' > {}{}", line, root, host.add_target_path());
}

}  // namespace srp::login
