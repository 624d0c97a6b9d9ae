// SrpChannel: one RDMA channel (RC queue pair) of an SRP session: receive ring, request
// contexts (each with its own response buffer), send-queue accounting, credits, and the IU
// dispatcher.
//
// State machine (log lines at debug level):
//   kConnecting --established event--> kLive --Disconnect()/peer DREQ/error--> kDisconnecting
//   --QP flushed--> kDraining --drain markers seen, all requests done--> kDisconnected
// IUs received while kConnecting (the initiator may send as soon as it has the REP) are
// queued and dispatched when the channel turns live.
//
// Credits: the LOGIN_RSP grants ring_size credits; every SRP_RSP carries req_lim_delta =
// 1 + the credits of IUs that got no response (aborted commands, ignored IUs).
// Receive slots and request contexts are decoupled (LIO/SCST receive vs send contexts): a
// request is taken from a free list when an IU arrives and records the receive slot holding
// its IU; it reposts that slot when execution ends, before its SRP_RSP is queued, but stays
// busy (its response buffer in use) until the SEND completes. The pool holds 2 x ring_size
// contexts, so the initiator can refill a reposted slot while earlier responses are still in
// flight. If every context is busy anyway, the IU is parked (FIFO of receive slots, its buffer
// not reposted) and bound when a request finishes: never dropped, never rejected.
// Doorbells: work requests and receive reposts queued while handling completions are posted
// by FlushDoorbell(), once per poll iteration (one PostRecv + one PostSend).
//
// Threading: owned by one poll group thread; nothing here is thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/srp/descriptors.h"
#include "target/engine/buffer_pool.h"
#include "target/engine/engine_config.h"
#include "target/engine/scsi_executor.h"
#include "target/engine/srp_request.h"
#include "target/engine/srp_session.h"

namespace srp::target {

enum class ChannelState : uint8_t { kConnecting, kLive, kDisconnecting, kDraining, kDisconnected };
const char* ChannelStateName(ChannelState state);

// Resources shared by the channels of one poll group.
struct GroupResources {
  BufferPool* pool = nullptr;
  std::deque<SrpRequest*> buffer_waiters;  // requests waiting for a pool buffer, FIFO
  ScsiExecutor* executor = nullptr;
  ScsiDoneSink* sink = nullptr;
  std::thread::id owner;  // the poll group thread
};

struct ChannelParams {
  uint64_t id = 0;
  uint32_t ring_size = 64;
  uint32_t send_queue_size = 256;
  uint32_t max_it_iu_len = 2116;  // receive buffer size (srp_max_message_size)
  uint32_t max_ti_iu_len = 256;   // the initiator's receive size (its req_it_iu_len)
  bool immediate_data = false;
  uint32_t imm_data_offset = 0;
  std::shared_ptr<SrpSession> session;
  std::shared_ptr<const LunMap> luns;
};

class SrpChannel {
 public:
  // Registers the receive ring and the request contexts' response buffers. `conn` is
  // kConnecting (not accepted).
  static Result<std::unique_ptr<SrpChannel>> Create(fabric::Fabric& fabric,
                                                    std::unique_ptr<fabric::Connection> conn,
                                                    const TargetConfig& config,
                                                    ChannelParams params, GroupResources* group);
  ~SrpChannel();
  SrpChannel(const SrpChannel&) = delete;
  SrpChannel& operator=(const SrpChannel&) = delete;

  // Posts the whole receive ring (one doorbell). Call before accepting the connection.
  Status Start();
  // One completion of this channel's queue pair.
  void HandleCompletion(const fabric::Completion& c);
  // Drains the connection's pending events (established, disconnected, error).
  void PollEvents();
  void HandleEvent(const fabric::ConnectionEvent& ev);
  // Posts what the last iteration queued: receive reposts, then work requests.
  void FlushDoorbell();
  // Starts an orderly teardown (I_LOGOUT, SINGLE login, protocol error, shutdown).
  void Disconnect(const std::string& why);
  // Shutdown: SRP_T_LOGOUT on a live channel, then Disconnect once it was sent.
  void SendTargetLogout();
  // kDisconnected: every request finished, nothing of ours is posted; safe to destroy.
  bool finished() const { return state_ == ChannelState::kDisconnected; }

  ChannelState state() const { return state_; }
  uint64_t id() const { return params_.id; }
  fabric::Connection& connection() { return *conn_; }
  SrpSession& session() { return *params_.session; }
  const std::shared_ptr<SrpSession>& session_ptr() const { return params_.session; }
  uint32_t pending_credits() const { return pending_credits_; }
  uint32_t active_requests() const { return active_; }
  // Request contexts per channel for a ring of `ring_size` receive slots.
  static constexpr uint32_t RequestContextsFor(uint32_t ring_size) { return 2 * ring_size; }
  uint32_t request_count() const { return static_cast<uint32_t>(requests_.size()); }
  SrpRequest& request(uint32_t index) { return *requests_[index]; }
  // The active request with `tag` (any kind), or nullptr. Linear; for tests and diagnostics.
  SrpRequest* FindRequest(uint64_t tag);
  // Received IUs waiting for a free request context.
  uint32_t parked_ius() const { return static_cast<uint32_t>(parked_count_); }
  std::span<std::byte> RecvSlot(uint32_t index);
  int event_fd() const { return conn_->event_fd(); }
  uint32_t qp_num() const { return conn_->qp_num(); }

  // ---- Request services (called by SrpRequest) ----
  const TargetConfig& config() const { return config_; }
  const wire::DescriptorLimits& limits() const { return limits_; }
  const LunMap& luns() const { return *params_.luns; }
  uint64_t nexus_id() const { return params_.session->nexus_id(); }
  ScsiExecutor& executor() { return *group_->executor; }
  ScsiDoneSink& sink() { return *group_->sink; }
  bool OnOwnerThread() const { return std::this_thread::get_id() == group_->owner; }
  bool closing() const { return state_ >= ChannelState::kDisconnecting; }
  uint32_t max_ti_iu_len() const { return params_.max_ti_iu_len; }
  bool TagInFlight(uint64_t tag, const SrpRequest* self) const;
  // Executes a task management function on this channel's commands; returns data[3].
  wire::TmfResponse ExecuteTmf(const wire::TaskManagement& tmf, SrpRequest* self);
  // Pool buffer or slow-path buffer; when the pool is empty `waiter` is parked.
  bool AcquireBuffer(size_t size, DataBuffer* out, SrpRequest* waiter, Status* error);
  void ReleaseBuffer(DataBuffer* buf);
  uint32_t SqAvailable() const { return sq_free_; }
  void ConsumeSq(uint32_t n) { sq_free_ -= n; }
  void WaitForSq(SrpRequest* waiter);
  // Removes `req` from every wait list.
  void CancelWaits(SrpRequest* req);
  void QueueWr(fabric::WrOpcode op, uint64_t wr_id, const fabric::Sge& sge, uint64_t remote_addr,
               uint32_t rkey, bool signaled);
  // req_lim_delta for the next SRP_RSP: 1 + credits pending.
  uint32_t TakeCredits();
  void AddPendingCredit() { ++pending_credits_; }
  void RepostRecv(uint32_t slot);
  // Response buffer of request context `index`; index request_count() is the control slot.
  std::span<std::byte> RspSlot(uint32_t index);
  uint32_t rsp_lkey() const { return rsp_mr_->lkey(); }
  void OnRequestFinished(SrpRequest* req);

 private:
  SrpChannel(std::unique_ptr<fabric::Connection> conn, const TargetConfig& config,
             ChannelParams params, GroupResources* group);
  void SetState(ChannelState next);
  // A receive completed: dispatch it, or park it when no request context is free.
  void ReceiveIu(uint32_t slot, uint32_t len);
  // Binds parked IUs to free request contexts, oldest first. Never called from inside a
  // request's Process() (the context just freed may be the caller).
  void DispatchParked();
  // Decodes the IU in `slot` and starts a request. REQUIRES: a free request context.
  void HandleIu(uint32_t slot, uint32_t len);
  SrpRequest& TakeRequest();
  void BeginDrain();
  void MaybeFinishDrain();
  void ResumeSqWaiters();

  struct ParkedIu {
    uint32_t slot;
    uint32_t len;
  };
  struct PendingWr {
    fabric::WorkRequest wr;
    fabric::Sge sge;
  };

  std::unique_ptr<fabric::Connection> conn_;
  const TargetConfig& config_;
  const ChannelParams params_;
  GroupResources* const group_;
  wire::DescriptorLimits limits_;
  ChannelState state_ = ChannelState::kConnecting;

  std::unique_ptr<std::byte[]> recv_slab_;
  std::unique_ptr<fabric::MemoryRegion> recv_mr_;
  std::unique_ptr<std::byte[]> rsp_slab_;  // one response buffer per request + control slot
  std::unique_ptr<fabric::MemoryRegion> rsp_mr_;
  std::vector<std::unique_ptr<SrpRequest>> requests_;  // the request context pool
  std::vector<SrpRequest*> free_requests_;             // LIFO
  uint32_t active_ = 0;
  // IUs waiting for a request context: a FIFO ring of receive slots, capacity ring_size.
  std::vector<ParkedIu> parked_;
  size_t parked_head_ = 0;
  size_t parked_count_ = 0;

  uint32_t sq_free_ = 0;
  uint32_t pending_credits_ = 0;
  std::deque<SrpRequest*> sq_waiters_;
  std::vector<std::pair<uint32_t, uint32_t>> early_ius_;  // (slot, bytes) before kLive

  std::vector<PendingWr> pending_wrs_;
  std::vector<fabric::WorkRequest> post_wrs_;
  std::vector<uint32_t> pending_recvs_;
  std::vector<fabric::RecvRequest> post_recvs_;
  std::vector<fabric::Sge> recv_sges_;

  bool logout_queued_ = false;
  bool drain_send_done_ = false;
  bool drain_recv_done_ = false;
  bool drained_ = false;
  bool error_logged_ = false;
};

}  // namespace srp::target
