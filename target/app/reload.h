// The administration side of `srp-target serve` and the `srp-target reload` subcommand:
// the control socket of a running target, SIGHUP, and the client that asks for a reload.
#pragma once

#include <memory>
#include <string>

#include "lib/common/status.h"
#include "target/app/control_service.h"
#include "target/app/live_config.h"
#include "target/control/control_socket.h"

namespace srp::target {

// Starts the control socket in `run_dir` (control::ResolveRunDir applied by the caller),
// answering with HandleControlRequest(live, sessions). `live` may be null; it must outlive the
// server, as must whatever `sessions` reads.
Result<std::unique_ptr<control::ControlServer>> StartControlSocket(const std::string& run_dir,
                                                                   LiveConfig* live,
                                                                   SessionSource sessions);

// SIGHUP: re-reads the --config file and applies it; logs what changed, or the error (with
// file:line) when the file is bad, in which case nothing changes.
void ReloadOnSignal(LiveConfig* live);

// `srp-target reload`: sends "reload" to the one running target (or `socket`) and prints what
// changed. Exit code 0 applied, 1 refused (the error is printed; nothing changed), 3 no target.
int RunReloadCommand(const std::string& run_dir, const std::string& socket);

}  // namespace srp::target
