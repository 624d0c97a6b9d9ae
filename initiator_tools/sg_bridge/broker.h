// The srp-sg broker: serves SCSI commands and resets from the preload library (sg_wire.h)
// over a Unix socket, executing each on one logged-in user-space initiator Session.
//
// Contract: Serve() runs on one thread, which alone uses the Session until Serve returns;
// Stop() may be called from any thread. Commands run one at a time in arrival order per
// connection; status and sense travel back as the target sent them (no retries). A lost
// session is re-established (Session::Reconnect) before the next command.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "initiator_tools/initiator/io_buffer.h"
#include "initiator_tools/initiator/session.h"
#include "initiator_tools/sg_bridge/sg_wire.h"
#include "lib/common/status.h"

namespace srp::sg_bridge {

class Broker {
 public:
  // Listens on `socket_path` (created, mode 0600). `luns[i]` is the LUN of /dev/srp-sgI.
  static Result<std::unique_ptr<Broker>> Create(initiator::Session& session,
                                                std::vector<uint32_t> luns,
                                                std::string socket_path);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  const std::string& socket_path() const { return socket_path_; }
  // What the Linux SCSI scan does before sg devices appear: TEST UNIT READY on every LUN,
  // consuming the power-on UNIT ATTENTION each LUN reports to a new I_T nexus. Call before
  // Serve(); LUNs that do not answer GOOD are logged, not fatal.
  void ScanLuns();
  // Serves until Stop(); returns OK then, or the error that ended serving.
  Status Serve();
  void Stop();

  // Runs one request (exposed for tests). `data_out` holds the request's data-out bytes;
  // `data_in` receives data-in bytes (response.data_in_len of them).
  SrpSgResponse Handle(const SrpSgRequest& request, std::span<const std::byte> data_out,
                       std::vector<std::byte>& data_in);

 private:
  Broker(initiator::Session& session, std::vector<uint32_t> luns, std::string socket_path)
      : session_(session), luns_(std::move(luns)), socket_path_(std::move(socket_path)) {}
  // Reads one request from `fd` and answers it; false when the peer is gone or misbehaved.
  bool ServeOne(int fd);
  SrpSgResponse RunScsi(const SrpSgRequest& request, std::span<const std::byte> data_out,
                        std::vector<std::byte>& data_in);
  SrpSgResponse RunReset(const SrpSgRequest& request);
  Status EnsureLoggedIn();
  Result<initiator::IoBuffer*> BufferOfSize(size_t size);

  initiator::Session& session_;
  std::vector<uint32_t> luns_;
  std::string socket_path_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;                             // eventfd
  std::unique_ptr<initiator::IoBuffer> buffer_;  // grows to the largest transfer seen
};

}  // namespace srp::sg_bridge
