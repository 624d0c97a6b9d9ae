// The control socket of a running srp-target: a Unix stream socket, mode 0600, in a run
// directory (default /run/srp-target; SRP_TARGET_RUN_DIR or --run-dir override it), named
// srp-target.<pid>.sock so several targets can run; a client finds "the" target without flags
// when exactly one live socket is there.
//
// Server: one thread accepts connections one at a time; each carries one request line and gets
// one response line (control_protocol.h). A client that sends nothing within 5 s, or more than
// kMaxControlLine bytes, is answered with an error and closed.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lib/common/status.h"
#include "target/control/control_protocol.h"

namespace srp::target::control {

inline constexpr const char* kDefaultRunDir = "/run/srp-target";
inline constexpr const char* kRunDirEnv = "SRP_TARGET_RUN_DIR";

// `flag` when not empty, else $SRP_TARGET_RUN_DIR when set, else kDefaultRunDir.
std::string ResolveRunDir(const std::string& flag);

using ControlHandler = std::function<ControlResponse(const ControlRequest&)>;

class ControlServer {
 public:
  // Creates `run_dir` (mode 0755) when missing, binds <run_dir>/srp-target.<pid>.sock with mode
  // 0600 (a stale socket of that name is replaced) and starts serving with `handler` (called
  // on the server thread, one request at a time).
  static Result<std::unique_ptr<ControlServer>> Start(const std::string& run_dir,
                                                      ControlHandler handler);
  ~ControlServer();  // stops the thread and removes the socket file
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& path() const { return path_; }

 private:
  ControlServer() = default;
  void Loop();
  void Serve(int fd);

  ControlHandler handler_;
  std::string path_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

// The live control sockets in `run_dir` (those that accept a connection), sorted.
std::vector<std::string> ListControlSockets(const std::string& run_dir);
// The one live socket; kNotFound when none, kInvalidArgument naming them when several.
Result<std::string> FindControlSocket(const std::string& run_dir);

// Sends one request and waits (up to `timeout_ms`) for the response.
Result<ControlResponse> SendControlRequest(const std::string& socket_path,
                                           const ControlRequest& request, int timeout_ms = 30000);

}  // namespace srp::target::control
