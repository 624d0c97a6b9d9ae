// A user-space SRP initiator session: one channel to one target port (I_T nexus), SCSI
// command submission with credits (§3), task management (§1.7), target-initiated IUs
// (T_LOGOUT, CRED_REQ, AER_REQ), logout and reconnect.
//
// Model: asynchronous. Submit()/SubmitTaskManagement() queue a request and return its tag;
// Progress() polls the completion queue, sends what credits allow and runs completion
// callbacks; WaitUntil() blocks (bounded) while making progress. sync_io.h builds
// blocking helpers on top.
//
// Commands beyond the available credits or send slots wait in a FIFO inside the session
// and go out as responses return credits. One credit is always kept for task management.
//
// Threading: not thread-safe; use a Session from one thread. Callbacks run inside
// Progress()/WaitUntil() and may call Submit*(), but not Progress()/WaitUntil().
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>

#include "initiator_tools/initiator/channel.h"
#include "initiator_tools/initiator/credits.h"
#include "initiator_tools/initiator/io_buffer.h"
#include "initiator_tools/initiator/scsi_types.h"
#include "initiator_tools/initiator/session_options.h"
#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/srp/iu.h"

namespace srp::initiator {

enum class SessionState : uint8_t {
  kLoggedIn,
  kTargetLoggedOut,  // the target sent SRP_T_LOGOUT
  kDisconnected,     // Logout() or the connection went away
};
const char* SessionStateName(SessionState state);

struct SessionStats {
  uint64_t commands_sent = 0;
  uint64_t immediate = 0;  // commands sent with immediate data
  uint64_t direct = 0;
  uint64_t indirect = 0;
  uint64_t external_tables = 0;
  uint64_t tmfs_sent = 0;
  uint64_t late_responses_dropped = 0;  // SRP_RSP for an aborted or unknown tag
  uint64_t cred_req = 0;
  uint64_t aer_req = 0;
  uint64_t protocol_errors = 0;  // undecodable IUs received
  uint64_t waited_for_credit = 0;
  uint32_t t_logout_reason = 0;
};

using ScsiCallback = std::function<void(const ScsiResult&)>;
using TmfCallback = std::function<void(const TmfResult&)>;

class Session {
 public:
  // Connects and logs in. kRejected (with the SRP reason name) when the target refuses,
  // kTimedOut/kUnavailable when it cannot be reached.
  static Result<std::unique_ptr<Session>> Login(fabric::Fabric& fabric, SessionOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const SessionOptions& options() const { return options_; }
  const NegotiatedLogin& login() const { return channel_->login(); }
  SessionState state() const { return state_; }
  const SessionStats& stats() const { return stats_; }
  int64_t credits() const { return credits_.available(); }
  // Commands and TMFs submitted and not yet completed (sent or waiting).
  size_t outstanding() const { return requests_.size(); }
  size_t waiting() const { return waiting_.size(); }
  fabric::Fabric& fabric() { return fabric_; }
  // Busy-poll in WaitUntil instead of sleeping on the completion event (benchmarks).
  void set_busy_poll(bool on) { busy_poll_ = on; }

  // A zero-filled registered buffer for command data.
  Result<std::unique_ptr<IoBuffer>> AllocateBuffer(size_t size);

  // Queues a command; returns its tag. Errors: not logged in, bad data segments.
  Result<uint64_t> Submit(ScsiCommand command, ScsiCallback done);
  // Queues a task-management request (any function code); returns its tag.
  Result<uint64_t> SubmitTaskManagement(const TaskManagementRequest& request, TmfCallback done);

  // Handles whatever completed; never blocks. Returns how many callbacks ran.
  int Progress();
  // Makes progress until `done()` is true, the session ends, or `timeout` passes
  // (kTimedOut). OK when done() became true.
  Status WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

  // Waiting on several sessions (and other fds) in one poll(), as WaitUntil does for one:
  // ArmWait() arms the completion notification and returns the fds to poll for POLLIN (the
  // completion channel and the connection's events; {-1, -1} without a channel). Call
  // Progress() after arming (completions that raced the arming are only seen then), and
  // AckWait() after waking.
  std::array<int, 2> ArmWait();
  void AckWait();

  // Ends the session: optionally sends SRP_I_LOGOUT first, then disconnects. Every
  // outstanding request completes with kDisconnected.
  Status Logout(bool send_i_logout = false);
  // Logs in again with the same options (after a logout, target logout or connection
  // loss). Outstanding requests of the old channel complete with kDisconnected first.
  Status Reconnect();

 private:
  struct Request {
    uint64_t tag = 0;
    bool is_tmf = false;
    ScsiCommand command;
    TaskManagementRequest tmf;
    ScsiCallback done;
    TmfCallback tmf_done;
    std::optional<uint32_t> slot;
    uint64_t sent_seq = 0;  // order of sending (0 = not sent)
    uint32_t data_length = 0;
    wire::DataFormat format = wire::DataFormat::kNone;
  };
  struct SlotState {
    bool send_pending = false;  // SEND posted, completion not yet seen
    bool owner_live = false;    // a request still uses the slot (e.g. its indirect table)
  };

  Session(fabric::Fabric& fabric, SessionOptions options) : fabric_(fabric), options_(options) {}
  Status AttachChannel(std::unique_ptr<Channel> channel);

  // Sending (session.cc).
  void SendWaiting();
  // Tries to send one request: OK and sent, kResourceExhausted (no credit/slot), or a
  // failure that completes the request.
  Status TrySend(Request& req);
  Status BuildAndPostCommand(Request& req, uint32_t slot);
  Status BuildAndPostTmf(Request& req, uint32_t slot);
  void QueueReply(std::vector<std::byte> iu);
  void SendReplies();
  void ReleaseSlotOwner(std::optional<uint32_t> slot);

  // Receiving (session_rx.cc).
  void HandleCompletion(const fabric::Completion& wc, int* callbacks);
  void HandleIu(std::span<const std::byte> iu, int* callbacks);
  void HandleRsp(const wire::RspView& rsp, int* callbacks);
  void FinishTmf(Request& req, const wire::RspView& rsp, int* callbacks);
  void CheckConnectionEvents();
  // Completes every request (sent or waiting) with `why`; optionally only those on `lun`
  // sent before `before_seq`.
  int FailRequests(const Status& why, const scsi::LunBytes* lun = nullptr, uint64_t before_seq = 0);
  void CompleteWithStatus(Request req, const Status& why);
  void EnterDisconnected(SessionState state, const Status& why);

  fabric::Fabric& fabric_;
  SessionOptions options_;
  std::unique_ptr<Channel> channel_;
  SessionState state_ = SessionState::kDisconnected;
  CreditCounter credits_;
  LayoutPolicy policy_;
  std::unordered_map<uint64_t, Request> requests_;
  std::deque<uint64_t> waiting_;                // tags not yet sent, FIFO
  std::deque<std::vector<std::byte>> replies_;  // CRED_RSP / AER_RSP not yet sent
  std::vector<SlotState> slots_;
  uint64_t next_tag_ = 1;
  uint64_t send_seq_ = 0;
  bool busy_poll_ = false;
  SessionStats stats_;
};

// Tags of task-management requests have this bit set (like ib_srp's SRP_TAG_TSK_MGMT).
inline constexpr uint64_t kTmfTagBit = 1ull << 63;

}  // namespace srp::initiator
