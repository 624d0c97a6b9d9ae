// ib_srp's transport-layer failure handling (scsi_transport_srp's rport) as a layer over one
// Session: one session-wide state machine, not a deadline per command.
//
//   running ──connection lost / command timeout──> blocked   (I/O held, reconnecting)
//   blocked ──fast_io_fail_tmo after the loss───> fail-fast (held and new I/O fail: EIO)
//   blocked/fail-fast ──dev_loss_tmo after the loss──> lost (the LUN is removed: ENODEV)
//   blocked/fail-fast ──reconnect succeeded──> running (held commands are issued again)
//   blocked/fail-fast ──login reject that cannot heal──> lost at once
//
// reconnect_delay: the pause between reconnect attempts (the first one starts at once);
// "off" (nullopt) for any of the three disables it, as the sysfs attributes of
// /sys/class/srp_remote_ports/port-H:N/ do. Defaults are ib_srp's: 10 s, 15 s, 600 s.
// With both fast_io_fail_tmo and dev_loss_tmo off, I/O is held until a reconnect succeeds.
//
// Reconnects run on a helper thread (a new Session::Login on the same Fabric), so waiting
// for an unreachable target never stalls the thread that drives the port (or other ports
// it drives). A command that has not completed after SessionOptions::command_timeout ends
// the session like a connection loss (ib_srp's error handler resets the channel): every
// outstanding command is held and issued again after the reconnect.
//
// Threading: like Session, a RemotePort is driven by one thread (Submit, Progress, ArmWait);
// state() and Snapshot() may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "initiator_tools/initiator/session.h"
#include "lib/common/status.h"

namespace srp::initiator {

enum class PortState : uint8_t { kRunning, kBlocked, kFailFast, kLost };
// "running", "blocked", "fail-fast", "lost" (the kernel's rport state names).
const char* PortStateName(PortState state);

struct FailureTimeouts {
  using Ms = std::chrono::milliseconds;
  std::optional<Ms> reconnect_delay = Ms(10'000);
  std::optional<Ms> fast_io_fail_tmo = Ms(15'000);
  std::optional<Ms> dev_loss_tmo = Ms(600'000);
  // ib_srp's checks: fast_io_fail_tmo below dev_loss_tmo when both are set; at least one of
  // reconnect_delay, fast_io_fail_tmo, dev_loss_tmo set.
  Status Validate() const;
};

// "off", or seconds as ib_srp takes them ("15"); fractions ("0.5") are our extension, for
// tests and fast failover. Negative values mean "off" as in the kernel.
Result<std::optional<std::chrono::milliseconds>> ParseTimeout(std::string_view text);
std::string FormatTimeout(const std::optional<std::chrono::milliseconds>& t);

struct PortSnapshot {
  PortState state = PortState::kRunning;
  uint64_t reconnects = 0;                      // successful reconnects
  uint64_t failed_reconnects = 0;               // since the last loss (the rport attribute)
  std::string last_error;                       // why the port last left kRunning
  std::chrono::steady_clock::time_point since;  // when the state was entered
};

class RemotePort {
 public:
  using Clock = std::chrono::steady_clock;

  // Logs in once (a failure is returned as Session::Login reports it).
  static Result<std::unique_ptr<RemotePort>> Connect(fabric::Fabric& fabric, SessionOptions options,
                                                     FailureTimeouts timeouts);
  ~RemotePort();
  RemotePort(const RemotePort&) = delete;
  RemotePort& operator=(const RemotePort&) = delete;

  PortState state() const { return state_.load(std::memory_order_acquire); }
  PortSnapshot Snapshot() const;
  const SessionOptions& options() const { return options_; }
  const FailureTimeouts& timeouts() const { return timeouts_; }
  fabric::Fabric& fabric() { return fabric_; }
  // The live session (nullptr while not running); for blocking helpers during setup.
  Session* session() { return state() == PortState::kRunning ? session_.get() : nullptr; }
  // Commands submitted and not yet completed (sent, or held while blocked).
  size_t outstanding() const { return in_use_; }

  // Issues `command`; `done` runs later from Progress(). Fails at once, without calling
  // `done`: kIoError in fail-fast ("fast_io_fail_tmo expired"), kNotFound when lost.
  // `command`'s data segments must stay valid until `done` runs.
  Status Submit(const ScsiCommand& command, ScsiCallback done);
  // Runs completions, the state machine's timers and reconnect results. Never blocks.
  int Progress();
  // Adds this port's fds to `fds` (POLLIN) and lowers `deadline` to its next timer.
  void ArmWait(std::vector<int>* fds, Clock::time_point* deadline);
  void AckWait();

  // Held commands given up to the caller (multipath: issue them on another path), in
  // submission order; their callbacks will not run here.
  struct HeldCommand {
    ScsiCommand command;
    ScsiCallback done;
  };
  std::vector<HeldCommand> TakeHeld();
  // Fails held commands now and every later one while not running (as in fail-fast), but
  // keeps reconnecting: for a detach that must finish whatever the target does.
  void FailFastNow(std::string_view why);
  // Logs out (or abandons a reconnect) and completes every command with kDisconnected.
  void Close();

 private:
  struct Slot {
    ScsiCommand command;
    ScsiCallback done;
    Clock::time_point sent;
    bool in_use = false;
    bool held = false;   // waiting for a reconnect
    uint64_t order = 0;  // submission order, to issue held commands again in order
  };
  // A reconnect on the helper thread: the new session or why it failed.
  struct Reconnect {
    std::mutex mu;
    bool done = false;
    Result<std::unique_ptr<Session>> result = Status(StatusCode::kInternal, "not run");
    std::thread thread;
  };

  RemotePort(fabric::Fabric& fabric, SessionOptions options, FailureTimeouts timeouts);
  uint32_t AcquireSlot();
  void ReleaseSlot(uint32_t index);
  Status Issue(uint32_t index);
  void OnDone(uint32_t index, const ScsiResult& result);
  void EnterState(PortState state, std::string why);
  void LoseSession(std::string why);
  void FailHeld(const Status& why);
  // Slots of held commands, in submission order.
  std::vector<uint32_t> HeldInOrder() const;
  void StartReconnect();
  void FinishReconnect();
  void CheckCommandTimeout(Clock::time_point now);
  void RunTimers(Clock::time_point now);
  void Complete(uint32_t index, const ScsiResult& result);

  fabric::Fabric& fabric_;
  const SessionOptions options_;
  const FailureTimeouts timeouts_;
  std::unique_ptr<Session> session_;
  std::atomic<PortState> state_{PortState::kRunning};
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<uint32_t> free_slots_;
  size_t in_use_ = 0;
  uint64_t next_order_ = 0;
  bool fail_fast_forced_ = false;
  bool closing_ = false;
  Clock::time_point next_timeout_check_{};  // CheckCommandTimeout's next run
  Clock::time_point lost_at_{};             // when the connection was lost
  Clock::time_point next_attempt_{};        // next reconnect attempt (blocked/fail-fast)
  std::unique_ptr<Reconnect> reconnect_;    // in flight
  int wake_fd_ = -1;                        // eventfd the helper thread signals
  mutable std::mutex snapshot_mu_;
  PortSnapshot snapshot_;
};

}  // namespace srp::initiator
