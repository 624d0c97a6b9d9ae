// PollGroup: one thread that owns a set of channels and their completion queue (SPDK poll
// group). A channel never leaves its group. Other threads talk to it only through its
// mailbox (new channels, disconnect requests, SCSI completions from workers, shutdown),
// which wakes the thread through an eventfd.
//
// Loop: mailbox -> CQ poll -> connection events -> one doorbell per channel -> reap finished
// channels -> (event mode) arm the CQ and sleep in poll() on the CQ, mailbox and connection
// fds; (busy mode) spin.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "target/engine/buffer_pool.h"
#include "target/engine/engine_config.h"
#include "target/engine/scsi_executor.h"
#include "target/engine/srp_channel.h"

namespace srp::target {

// Told (on the poll group thread) right before a finished channel is destroyed.
class ChannelObserver {
 public:
  virtual ~ChannelObserver() = default;
  virtual void OnChannelClosed(const SrpChannel& channel) = 0;
};

class PollGroup final : public ScsiDoneSink {
 public:
  // A channel to adopt: the group posts its receive ring, then accepts `request` with
  // `login_rsp` on `listener`.
  struct NewChannel {
    std::unique_ptr<SrpChannel> channel;
    std::unique_ptr<fabric::ConnectRequest> request;
    fabric::Listener* listener = nullptr;
    std::vector<std::byte> login_rsp;
  };

  static Result<std::unique_ptr<PollGroup>> Create(fabric::Fabric& fabric,
                                                   const TargetConfig& config,
                                                   ScsiExecutor* executor,
                                                   ChannelObserver* observer, int index);
  // Stops (Shutdown) and joins.
  ~PollGroup() override;

  void Start();
  fabric::CompletionQueue& cq() { return *cq_; }
  GroupResources* resources() { return &resources_; }
  int index() const { return index_; }
  size_t channel_count() const { return channel_count_.load(std::memory_order_relaxed); }

  // ---- Thread-safe ----
  void Adopt(NewChannel nc);
  void RequestDisconnect(uint64_t channel_id, std::string why);
  // SRP_T_LOGOUT + disconnect on every channel, wait until all are drained, join.
  void Shutdown();
  void PostScsiDone(SrpRequest* request) override;

 private:
  PollGroup(const TargetConfig& config, ScsiExecutor* executor, ChannelObserver* observer,
            int index);
  void Run();
  bool DrainMailbox();
  void AdoptOnThread(NewChannel nc);
  void ReapFinished();
  void WaitForWork();
  void Wake();

  const TargetConfig& config_;
  ChannelObserver* const observer_;
  const int index_;
  std::unique_ptr<fabric::CompletionQueue> cq_;
  std::unique_ptr<BufferPool> pool_;
  GroupResources resources_;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<size_t> channel_count_{0};

  std::mutex mu_;
  std::vector<NewChannel> new_channels_;                       // GUARDED_BY(mu_)
  std::vector<std::pair<uint64_t, std::string>> disconnects_;  // GUARDED_BY(mu_)
  std::vector<SrpRequest*> scsi_done_;                         // GUARDED_BY(mu_)
  bool shutdown_requested_ = false;                            // GUARDED_BY(mu_)
  std::atomic<bool> mailbox_dirty_{false};

  // Owned by the group thread.
  std::vector<std::unique_ptr<SrpChannel>> channels_;
  std::unordered_map<uint32_t, SrpChannel*> by_qp_;
  bool shutting_down_ = false;
  std::chrono::steady_clock::time_point shutdown_start_;
  bool forced_disconnect_ = false;
};

}  // namespace srp::target
