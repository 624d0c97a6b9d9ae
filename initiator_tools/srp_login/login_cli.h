// srp-login's run, apart from option parsing (srp_login_main.cc) so tests can
// call it in-process with a fake sysfs (an FsRoot whose WriteFile is scripted).
//
// Streams: stdout carries results only (per line "connected: <line>", the
// `echo ... > .../add_target` commands with --dry-run, or the lsscsi lines
// with --userspace); notes (denied, skipped, already connected) and errors go
// to stderr.
// Exit codes: 0 every line was written, found already connected, skipped or
// denied; 1 usage/setup error (rules file, no srp host, fabric); 2 at least one
// line was invalid or failed (the others are still processed).
#pragma once

#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "lib/common/fs_root.h"

namespace srp::login {

inline constexpr int kExitOk = 0;
inline constexpr int kExitSetup = 1;
inline constexpr int kExitLineFailed = 2;

struct LoginCliOptions {
  std::vector<std::string> targets;  // target lines given as arguments; empty = read stdin
  std::string rules_file;            // -f; "" = none
  std::string hca;                   // --hca ("" = auto-detect)
  int port = 0;                      // --port (0 = auto-detect)
  std::string sysfs_root = "/sys";   // --sysfs-root: stands in for /sys
  bool dry_run = false;
  bool all = false;  // -a: also targets already connected
  bool userspace = false;
  bool hold = false;            // --userspace: keep the sessions until `wait_for_stop`
  std::string fabric = "auto";  // --userspace: auto | soft | verbs
  std::string port_name;        // --userspace: soft port / verbs device
};

// `wait_for_stop` is called once with --hold, after every session is up and
// printed; it returns when the sessions shall be logged out.
int RunLogin(const LoginCliOptions& options, std::istream& in, std::ostream& out, std::ostream& err,
             const FsRoot& sys, const std::function<void()>& wait_for_stop);

}  // namespace srp::login
