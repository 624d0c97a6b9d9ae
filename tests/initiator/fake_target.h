// A tiny in-process SRP target for the initiator unit tests: one soft-fabric port, one
// channel at a time, a RAM disk of 512-byte blocks. It answers LOGIN (accept or a
// configured reject), SRP_CMD (READ/WRITE 10/16 through every descriptor format, including
// external tables; anything else GOOD without data) and SRP_TSK_MGMT (configured code),
// records every IU it receives, and can hold responses or inject IUs (CRED_REQ, AER_REQ,
// T_LOGOUT).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/srp/constants.h"

namespace srp::initiator::testing {

struct FakeTargetConfig {
  uint32_t req_lim = 16;
  uint32_t max_it_iu_len = 8260;
  uint32_t max_ti_iu_len = 256;
  uint8_t rsp_flags = wire::kRspFlagImmedSupported;
  std::optional<wire::LoginRejectReason> reject;
  bool listen_ip = false;  // RDMA CM form on 127.0.0.1 instead of an IB service id
  uint32_t rsp_delta = 1;  // req_lim_delta in every SRP_RSP
  wire::TmfResponse tmf_code = wire::TmfResponse::kComplete;
  bool hold_commands = false;  // keep SRP_CMDs unanswered until ReleaseHeld()
  size_t disk_bytes = 4u << 20;
};

class FakeTarget {
 public:
  static constexpr uint64_t kIdExt = 0x0002c90300a0b1c2ull;
  static constexpr uint64_t kServiceId = 0x00000000013f0042ull;

  explicit FakeTarget(FakeTargetConfig config);
  ~FakeTarget();
  // Opens the port (subnet dir from $SRP_SOFT_FABRIC) and starts the thread.
  Status Start();
  // A target string that reaches this target.
  std::string TargetString() const;

  // Everything below is thread-safe.
  std::vector<std::vector<std::byte>> ReceivedIus();
  std::vector<std::byte> LastLoginPrivateData();
  size_t logins() const { return logins_; }
  void ReleaseHeld();
  void SetHold(bool hold) { hold_ = hold; }
  // Sends `iu` on the current channel (from the target thread).
  void Inject(std::vector<std::byte> iu);
  std::vector<std::byte> Disk();
  void SetDisk(size_t offset, std::span<const std::byte> data);

 private:
  void Loop();
  void AcceptOne(fabric::ConnectRequest& req);
  void HandleIu(std::span<const std::byte> iu);
  void HandleCmd(std::span<const std::byte> iu);
  Status Rdma(bool write_to_initiator, size_t disk_off, uint64_t va, uint32_t rkey, uint32_t len);
  Status Send(std::span<const std::byte> iu);
  void Respond(uint64_t tag, uint8_t status);

  FakeTargetConfig config_;
  std::unique_ptr<fabric::Fabric> fabric_;
  std::unique_ptr<fabric::Listener> listener_;
  std::unique_ptr<fabric::CompletionQueue> send_cq_, recv_cq_;
  std::unique_ptr<fabric::Connection> conn_;
  std::vector<std::byte> recv_mem_, send_mem_, disk_, scratch_;
  std::unique_ptr<fabric::MemoryRegion> recv_mr_, send_mr_, disk_mr_, scratch_mr_;
  static constexpr uint32_t kRing = 64;

  std::mutex mu_;
  std::vector<std::vector<std::byte>> ius_;
  std::vector<std::byte> login_pd_;
  std::deque<std::vector<std::byte>> inject_;
  std::vector<std::vector<std::byte>> held_;
  std::atomic<bool> release_{false};
  std::atomic<bool> hold_{false};
  std::atomic<size_t> logins_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace srp::initiator::testing
