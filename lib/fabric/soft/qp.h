// QpCore: one emulated RC queue pair over one stream socket.
//
// Both roles live here: the requester (our send queue: SEND/WRITE/READ, ACK/NAK
// processing) and the responder (the peer's requests against our receive queue
// and memory keys). Outbound frames go through a queue flushed with
// non-blocking sendmsg, first by the posting thread, then by the engine on
// EPOLLOUT, so no thread ever blocks on a slow peer. Inbound frames are parsed
// on the engine thread; payloads are read straight into their destination.
//
// Locking: mu_ (QP state, queues, events) -> out_mu_ (outbound queue, fd) ->
// CQ and KeyTable locks. Members marked "engine thread" are touched only by the
// engine thread (or after the engine is joined).
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/context.h"
#include "lib/fabric/soft/cq.h"
#include "lib/fabric/soft/frame.h"

namespace srp::fabric::soft {

class ListenerCore;

// A piece of local memory an SGE resolved to.
struct MemSeg {
  std::byte* ptr = nullptr;
  uint64_t len = 0;
};

class QpCore final : public Pollable, public std::enable_shared_from_this<QpCore> {
 public:
  enum class Phase : uint8_t {
    kAwaitRequest,    // passive: socket accepted, no REQ yet
    kRequestPending,  // passive: REQ queued on a listener
    kReplied,         // passive: REP sent, waiting for RTU (posting allowed)
    kActive,          // RTU exchanged
    kRejected,        // passive: REJ sent
  };

  // Passive side: an accepted socket. `ip_listener` is the TCP listener it came
  // from (empty for the fabric's unix socket: the REQ's service id picks one).
  static std::shared_ptr<QpCore> CreatePassive(std::shared_ptr<FabricContext> ctx, int fd,
                                               std::weak_ptr<ListenerCore> ip_listener);
  // Active side after a successful REQ/REP exchange on `fd`: registers with the
  // engine and sends RTU.
  static Result<std::shared_ptr<QpCore>> CreateActive(std::shared_ptr<FabricContext> ctx, int fd,
                                                      const QpOptions& options, uint32_t qp_num,
                                                      PeerInfo peer, uint8_t peer_rnr_retry);
  ~QpCore() override;
  // Adds the socket to the engine.
  Status Register();

  // ---- Connection API (see fabric.h).
  Status PostRecv(std::span<const RecvRequest> batch);
  Status PostSend(std::span<const WorkRequest> batch, size_t* posted);
  Status Disconnect();
  int event_fd() const { return event_fd_; }
  std::optional<ConnectionEvent> NextEvent();
  ConnectionState state() const;
  uint32_t qp_num() const { return qp_num_; }
  const PeerInfo& peer() const { return peer_; }

  // ---- Passive CM (Listener).
  Status Configure(const QpOptions& options);  // CreateConnection
  Status Accept(std::span<const std::byte> private_data);
  Status Reject(std::span<const std::byte> private_data, RejectReason reason);
  // The ConnectRequest was dropped unanswered: reject if still pending.
  void AbandonRequest();
  // The Connection handle is gone: never touch the CQs again; disconnect.
  void Release();
  // Cuts the connection as a cable pull would (fault injection).
  void Drop();

  void OnEvents(uint32_t events) override;
  void OnEngineShutdown() override;

 private:
  struct SendWr {
    uint64_t seq = 0;
    uint64_t wr_id = 0;
    WrOpcode opcode = WrOpcode::kSend;
    bool signaled = false;
    std::optional<WcStatus> local_error;  // not transmitted; completes with this
    uint64_t length = 0;
    std::vector<MemSeg> read_dest;  // RDMA READ destination
    uint64_t read_done = 0;
  };
  struct RecvWr {
    uint64_t wr_id = 0;
    std::vector<MemSeg> segs;
    uint64_t capacity = 0;
    bool bad_key = false;
  };
  struct OutItem {
    HeaderBytes hdr{};
    std::vector<std::byte> owned;  // payload owned by the item (sent first)
    std::vector<iovec> ext;        // payload in application memory (zero copy)
    size_t total = 0;              // header + payload bytes
    size_t sent = 0;
    bool droppable = false;  // a data frame: dropped when the QP fails
  };
  // Where the payload of the inbound frame being parsed goes.
  struct Dest {
    enum class Kind : uint8_t { kDiscard, kOwned, kMemory, kRecv, kReadResponse };
    Kind kind = Kind::kDiscard;
    bool defer = false;  // kOwned: append to deferred_ when complete
    std::byte* mem = nullptr;
    std::vector<std::byte> owned;
    SendWr* read_wr = nullptr;
    uint64_t gen = 0;       // flush_gen_ when chosen
    uint64_t base_off = 0;  // kRecv / kReadResponse: offset of this frame's first byte
  };
  struct DeferredFrame {
    FrameHeader hdr;
    std::vector<std::byte> payload;
  };

  QpCore(std::shared_ptr<FabricContext> ctx, int fd, int event_fd);

  // ---- qp.cc: state, completions, outbound.
  void PushEventLocked(ConnectionEventType type, Status detail);
  void CompleteSendLocked(const SendWr& wr, WcStatus status);
  void CompleteRecvLocked(const RecvWr& wr, WcStatus status, uint32_t byte_len);
  // Flushes every queued WR (a local_error entry completes with its own status;
  // the front entry with `front_status` if given), purges the outbound queue
  // and moves to `to` with an event. No-op transition if already disconnected.
  void FailLocked(ConnectionState to, Status detail, std::optional<WcStatus> front_status);
  // Completes front entries the peer has acknowledged (seq <= upto) and then
  // any local_error entry that has reached the front.
  Status AckUpToLocked(uint64_t upto, bool inclusive);
  void DrainLocalErrorsLocked();
  void Enqueue(OutItem item);
  void EnqueueFrame(const FrameHeader& h, std::vector<std::byte> payload = {},
                    bool droppable = false);
  void FlushOutLocked();  // REQUIRES: out_mu_ held
  void PurgeOutLocked();  // REQUIRES: out_mu_ held
  void CloseAfterFlush();
  void CloseSocket();  // engine thread (or after join)
  void TransmitLocked(const SendWr& wr, const WorkRequest& req, std::span<const MemSeg> src);
  Status ValidateWrLocked(const WorkRequest& wr) const;

  // ---- qp_inbound.cc: inbound parsing and frame handling (engine thread).
  void ReadSome();
  void OnPeerGone(Status why);
  void ProtocolFail(Status why);
  Dest BeginFrame(const FrameHeader& h, bool from_deferred, bool* stall);
  Result<Dest> BeginResponderFrameLocked(const FrameHeader& h, bool from_deferred, bool* stall);
  Result<Dest> BeginRequesterFrameLocked(const FrameHeader& h);
  // Copies `data` to / reads from the socket into the frame's destination.
  void PlacePayload(Dest& d, const FrameHeader& h, uint64_t offset, const std::byte* data,
                    size_t len);
  ssize_t ReadDirect(Dest& d, const FrameHeader& h, uint64_t offset, size_t len);
  void EndFrame(const FrameHeader& h, Dest& d);
  void HandleCm(const FrameHeader& h, std::span<const std::byte> payload);
  void HandleReadRequestLocked(const FrameHeader& h);
  void ResponderErrorLocked(uint64_t seq, NakSyndrome syndrome, Status why);
  bool Closed() const { return read_closed_; }
  void SendAckIfDue();
  void ProcessDeferred();
  void StartRnrTimer(uint64_t seq);
  void OnRnrTimeout(uint64_t seq);

  const std::shared_ptr<FabricContext> ctx_;
  const int event_fd_;
  uint32_t qp_num_ = 0;
  PeerInfo peer_;  // written before the connection is handed out, then read-only
  std::weak_ptr<ListenerCore> ip_listener_;
  uint64_t engine_id_ = 0;

  mutable std::mutex mu_;
  ConnectionState state_ = ConnectionState::kConnecting;  // guarded by mu_
  Phase phase_ = Phase::kAwaitRequest;                    // guarded by mu_
  QpOptions options_;                                     // guarded by mu_
  bool configured_ = false;                               // guarded by mu_
  SoftCompletionQueue* send_cq_ = nullptr;                // guarded by mu_
  SoftCompletionQueue* recv_cq_ = nullptr;                // guarded by mu_
  uint8_t peer_rnr_retry_ = 7;                            // guarded by mu_
  uint64_t next_seq_ = 1;                                 // guarded by mu_
  bool error_pending_ = false;                            // guarded by mu_
  uint64_t flush_gen_ = 0;                                // guarded by mu_
  std::deque<SendWr> sq_;                                 // guarded by mu_
  std::deque<RecvWr> rq_;                                 // guarded by mu_
  std::optional<RecvWr> cur_recv_;                        // guarded by mu_
  uint64_t cur_recv_total_ = 0;                           // guarded by mu_
  std::deque<ConnectionEvent> events_;                    // guarded by mu_
  bool responder_dead_ = false;  // guarded by mu_; drop the peer's requests (NAK sent)
  bool released_ = false;        // guarded by mu_
  bool rnr_stalled_ = false;     // guarded by mu_; deferred_ waits for a receive

  std::mutex out_mu_;
  int fd_;                          // guarded by out_mu_ (-1 once closed); engine reads it
  std::deque<OutItem> out_;         // guarded by out_mu_
  bool close_after_flush_ = false;  // guarded by out_mu_
  bool write_shut_ = false;         // guarded by out_mu_
  bool want_write_ = false;         // guarded by out_mu_; EPOLLOUT requested

  // Engine thread only.
  std::vector<std::byte> rbuf_;
  size_t rbeg_ = 0;
  size_t rend_ = 0;
  bool have_hdr_ = false;
  FrameHeader hdr_;
  uint64_t payload_done_ = 0;
  Dest dest_;
  bool in_message_ = false;  // between SEND first and last segments
  uint64_t message_seq_ = 0;
  uint64_t message_off_ = 0;            // bytes of the current SEND placed so far
  uint64_t ack_seq_ = 0;                // highest SEND/WRITE seq executed
  uint64_t acked_seq_ = 0;              // highest seq ACKed to the peer
  std::deque<DeferredFrame> deferred_;  // responder frames behind an RNR stall
  uint64_t stall_seq_ = 0;              // seq of the stalled SEND (0 = none)
  bool read_closed_ = false;
};

}  // namespace srp::fabric::soft
