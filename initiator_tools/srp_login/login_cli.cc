#include "initiator_tools/srp_login/login_cli.h"

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/initiator/session_options.h"
#include "initiator_tools/srp_login/kernel_login.h"
#include "initiator_tools/srp_login/login_line.h"
#include "initiator_tools/srp_login/rules.h"
#include "initiator_tools/srp_login/userspace_scan.h"
#include "lib/fabric/select.h"

namespace srp::login {
namespace {

std::vector<std::string> InputLines(const LoginCliOptions& o, std::istream& in) {
  if (!o.targets.empty()) return o.targets;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    lines.push_back(line.substr(b));
  }
  return lines;
}

Result<LoginRules> LoadRules(const std::string& path) {
  if (path.empty()) return LoginRules();
  std::ifstream f(path);
  if (!f) return NotFound("cannot read rules file " + path);
  std::stringstream text;
  text << f.rdbuf();
  return LoginRules::Parse(text.str(), path);
}

// The lines that survive validation and rules; reports the others.
std::vector<PreparedLine> Prepare(const std::vector<std::string>& lines, const LoginRules& rules,
                                  const std::string& rules_file, std::ostream& err,
                                  bool* any_failed) {
  std::vector<PreparedLine> out;
  for (const std::string& line : lines) {
    auto p = PrepareLine(line, rules);
    if (!p.ok()) {
      err << "srp-login: invalid target line '" << line << "': " << p.status().message() << "\n";
      *any_failed = true;
      continue;
    }
    if (!p->allowed) {
      err << fmt::format("srp-login: denied by {}:{}: {}\n", rules_file, p->rule_line, p->text);
      continue;
    }
    out.push_back(std::move(p).value());
  }
  return out;
}

// --dry-run on a host without an srp host (ib_srp not loaded): each line's host is the one
// srp_daemon would derive from the port it discovered through (DeriveSrpHost; on a soft
// subnet, srp-<--port-name or "soft">-1); the commands are printed and the missing hosts named.
int DryRunWithoutHost(const LoginCliOptions& o, const std::vector<PreparedLine>& lines,
                      std::ostream& out, std::ostream& err, const FsRoot& sys, bool any_failed) {
  std::set<std::string> missing;
  for (const PreparedLine& p : lines) {
    auto derived = DeriveSrpHost(sys, p.target);
    const SrpHost host =
        derived.ok() ? *derived : SrpHost{o.port_name.empty() ? "soft" : o.port_name, 1};
    out << DryRunCommand(o.sysfs_root, host, p.text) << "\n";
    if (!sys.Exists(host.dir())) missing.insert(sys.Resolve(host.dir()));
  }
  for (const std::string& dir : missing) {
    err << fmt::format(
        "srp-login: note: {} does not exist here (ib_srp is not loaded); the commands above "
        "are what would be written once it is\n",
        dir);
  }
  return any_failed ? kExitLineFailed : kExitOk;
}

int RunKernel(const LoginCliOptions& o, const std::vector<PreparedLine>& lines, std::ostream& out,
              std::ostream& err, const FsRoot& sys, bool any_failed) {
  auto host = FindSrpHost(sys, o.hca, o.port);
  if (!host.ok() && host.status().code() == StatusCode::kNotFound && o.dry_run) {
    return DryRunWithoutHost(o, lines, out, err, sys, any_failed);
  }
  if (!host.ok()) {
    err << "srp-login: " << host.status().message() << "\n";
    return kExitSetup;
  }
  for (const PreparedLine& p : lines) {
    if (!o.all && AlreadyConnected(sys, *host, p.target)) {
      err << "srp-login: skipped, already connected: " << p.text << "\n";
      continue;
    }
    if (o.dry_run) {
      out << DryRunCommand(o.sysfs_root, *host, p.text) << "\n";
      continue;
    }
    const WriteResult r = WriteAddTarget(sys, *host, p.text);
    switch (r.outcome) {
      case WriteOutcome::kConnected:
        out << "connected: " << p.text << "\n";
        break;
      case WriteOutcome::kAlreadyConnected:
        err << "srp-login: already connected: " << p.text << "\n";
        break;
      case WriteOutcome::kFailed:
        err << "srp-login: " << p.text << ": " << r.message << "\n";
        any_failed = true;
        break;
    }
  }
  return any_failed ? kExitLineFailed : kExitOk;
}

int RunUserspace(const LoginCliOptions& o, const std::vector<PreparedLine>& lines,
                 std::ostream& out, std::ostream& err, bool any_failed,
                 const std::function<void()>& wait_for_stop) {
  auto kind = fabric::ParseFabricKind(o.fabric);
  if (!kind.ok()) {
    err << "srp-login: --fabric: " << kind.status().message() << "\n";
    return kExitSetup;
  }
  fabric::FabricSelection sel;
  sel.kind = *kind;
  sel.device = o.port_name;
  sel.soft.port_name = o.port_name;
  auto fab = fabric::OpenFabric(sel);
  if (!fab.ok()) {
    err << "srp-login: opening the fabric: " << fab.status().ToString() << "\n";
    return kExitSetup;
  }
  std::vector<std::unique_ptr<initiator::Session>> sessions;
  int host = 0;
  for (const PreparedLine& p : lines) {
    auto options = initiator::OptionsFromTargetString(p.target);
    if (!options.ok()) {
      err << "srp-login: " << p.text << ": " << options.status().message() << "\n";
      any_failed = true;
      continue;
    }
    auto session = initiator::Session::Login(**fab, *options);
    if (!session.ok()) {
      err << "srp-login: " << p.text << ": login failed: " << session.status().ToString() << "\n";
      any_failed = true;
      continue;
    }
    auto scanned = ScanLuns(**session, host++);
    if (!scanned.ok()) {
      err << "srp-login: " << p.text << ": " << scanned.status().ToString() << "\n";
      any_failed = true;
    } else {
      for (const std::string& l : *scanned) out << l << "\n";
    }
    out.flush();
    if (o.hold) {
      sessions.push_back(std::move(session).value());
    } else {
      (void)(*session)->Logout(true);
    }
  }
  if (o.hold && !sessions.empty()) {
    err << fmt::format("srp-login: holding {} session(s) until SIGINT\n", sessions.size());
    wait_for_stop();
    for (auto& s : sessions) (void)s->Logout(true);
  }
  return any_failed ? kExitLineFailed : kExitOk;
}

}  // namespace

int RunLogin(const LoginCliOptions& o, std::istream& in, std::ostream& out, std::ostream& err,
             const FsRoot& sys, const std::function<void()>& wait_for_stop) {
  auto rules = LoadRules(o.rules_file);
  if (!rules.ok()) {
    err << "srp-login: " << rules.status().message() << "\n";
    return kExitSetup;
  }
  bool any_failed = false;
  const std::vector<PreparedLine> lines =
      Prepare(InputLines(o, in), *rules, o.rules_file, err, &any_failed);
  if (o.userspace) return RunUserspace(o, lines, out, err, any_failed, wait_for_stop);
  return RunKernel(o, lines, out, err, sys, any_failed);
}

}  // namespace srp::login
