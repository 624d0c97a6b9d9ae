#include "target/app/reload.h"

#include <cstdio>

#include "lib/common/log.h"

namespace srp::target {

Result<std::unique_ptr<control::ControlServer>> StartControlSocket(const std::string& run_dir,
                                                                   LiveConfig* live,
                                                                   SessionSource sessions) {
  auto server = control::ControlServer::Start(
      run_dir, [live, sessions = std::move(sessions)](const control::ControlRequest& request) {
        return HandleControlRequest(request, live, sessions);
      });
  if (server.ok()) SRP_LOG(kInfo, "control socket {}", (*server)->path());
  return server;
}

void ReloadOnSignal(LiveConfig* live) {
  if (live == nullptr) {
    SRP_LOG(kWarning, "SIGHUP: no --config file to reload");
    return;
  }
  auto report = live->Reload();
  if (!report.ok()) {
    SRP_LOG(kError, "SIGHUP: reload refused, nothing changed: {}", report.status().message());
    return;
  }
  SRP_LOG(kInfo, "SIGHUP: reloaded {}: {} change(s), {} needing a restart", live->path(),
          report->applied.size(), report->needs_restart.size());
}

int RunReloadCommand(const std::string& run_dir, const std::string& socket) {
  std::string path = socket;
  if (path.empty()) {
    auto found = control::FindControlSocket(control::ResolveRunDir(run_dir));
    if (!found.ok()) {
      std::fprintf(stderr, "srp-target reload: %s\n", found.status().message().c_str());
      return 3;
    }
    path = *found;
  }
  control::ControlRequest request;
  request.op = control::ControlOp::kReload;
  auto response = control::SendControlRequest(path, request);
  if (!response.ok()) {
    std::fprintf(stderr, "srp-target reload: %s: %s\n", path.c_str(),
                 response.status().ToString().c_str());
    return 3;
  }
  if (!response->ok) {
    std::fprintf(stderr, "srp-target reload: refused, nothing changed: %s\n",
                 response->error.c_str());
    return 1;
  }
  const nlohmann::json& r = response->result;
  size_t n = 0;
  for (const char* key : {"applied", "needs_restart", "warnings"}) {
    if (!r.contains(key)) continue;
    for (const auto& line : r[key]) {
      ++n;
      std::printf("%s%s\n",
                  std::string(key) == "applied"         ? ""
                  : std::string(key) == "needs_restart" ? "needs restart: "
                                                        : "warning: ",
                  line.get<std::string>().c_str());
    }
  }
  if (n == 0) std::printf("no change\n");
  return 0;
}

}  // namespace srp::target
