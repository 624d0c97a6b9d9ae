// srp-login: target lines (srp-discover -c, ibsrpdm -c) -> the kernel's
// ib_srp add_target, or a login with the user-space initiator (--userspace).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "initiator_tools/srp_login/login_cli.h"
#include "lib/common/log.h"

namespace {

constexpr const char* kFooter =
    R"(Input: one target line per argument, or per stdin line ('#' lines and blank lines skipped),
validated against ib_srp's keys and values. Rules (-f, srp_daemon.conf format): 'a'/'d' lines,
first match wins; an allow rule's options are appended in rule order, max_it_iu_size stays last.
Targets already connected (a /sys/class/scsi_host/* entry with the same ids on this srp host)
are skipped unless -a. EEXIST from add_target means "already connected" and is no failure.
--dry-run without ib_srp (no srp host here) prints the commands for the host srp_daemon would
use -- srp-<ca>-<port> of the local port it discovers through (the first ACTIVE InfiniBand port,
preferring the target's subnet; srp-<--port-name or soft>-1 on a soft subnet) -- says that host
does not exist here, and exits 0.

Exit status: 0 all lines done (written, already connected, skipped or denied); 1 setup error
(rules file, no srp host, fabric); 2 some line was invalid or its login failed.

Examples:
  srp-discover -c | srp-login
  srp-discover -c | srp-login -f /etc/srp_daemon.conf --dry-run
  srp-login --hca mlx5_0 --port 1 'id_ext=...,ioc_guid=...,dgid=...,pkey=ffff,service_id=...'
  # user-space initiator on the soft subnet: login, list the LUNs, log out
  SRP_SOFT_FABRIC=/tmp/subnet srp-discover -c | srp-login --userspace
  # test tree instead of /sys (add_target files must exist)
  srp-login --sysfs-root /tmp/fakesys < targets.txt)";

}  // namespace

int main(int argc, char** argv) {
  using namespace srp::login;
  LoginCliOptions o;
  CLI::App app{"srp-login: log in to SRP targets from add_target lines"};
  app.footer(kFooter);
  app.add_option("targets", o.targets, "target lines (default: read stdin)");
  app.add_option("-f", o.rules_file, "srp_daemon.conf-style rules file");
  app.add_option("--hca", o.hca, "HCA of the srp host (default: the single srp-* host)");
  app.add_option("--port", o.port, "HCA port of the srp host")->check(CLI::Range(1, 255));
  app.add_option("--sysfs-root", o.sysfs_root, "directory standing in for /sys");
  app.add_flag("--dry-run", o.dry_run, "print the echo '...' > .../add_target commands only");
  app.add_flag("-a", o.all, "also log in to targets that are already connected");
  app.add_flag("--userspace", o.userspace,
               "log in with the user-space initiator, list the LUNs lsscsi-style, log out");
  app.add_flag("--hold", o.hold, "--userspace: keep the sessions until SIGINT/SIGTERM");
  app.add_option("--fabric", o.fabric, "--userspace: auto | soft | verbs")
      ->check(CLI::IsMember({"auto", "soft", "verbs"}));
  app.add_option("--port-name", o.port_name,
                 "--userspace: soft port name / verbs device; --dry-run on a soft subnet: the "
                 "local soft port");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitSetup;
  }
  if (o.hold && !o.userspace) {
    std::cerr << "srp-login: --hold needs --userspace\n";
    return kExitSetup;
  }
  srp::SetLogLevel(srp::LogLevel::kWarning);
  // --hold: SIGINT/SIGTERM are taken by sigwait; threads started later inherit the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  if (o.hold) pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  const srp::FsRoot sys(o.sysfs_root);
  return RunLogin(o, std::cin, std::cout, std::cerr, sys, [&sigs] {
    int sig = 0;
    sigwait(&sigs, &sig);
  });
}
