// Shared by soft_fabric_peer and soft_fabric_integration_test: data patterns,
// checksums, hex text, and MessageEndpoint, a small wrapper that runs a text
// command protocol over the fabric's own SEND/RECV messages.
//
// Command protocol (initiator -> serving peer, one SEND each; every command
// gets exactly one reply SEND):
//   "fill <offset> <len> <seed>"  fill the peer buffer with Pattern(seed)  -> "ok"
//   "sum <offset> <len>"          Checksum() of that region                -> "sum <16 hex>"
//   "echo <text>"                 echo                                       -> "<text>"
//   "info"                        the peer buffer  -> "info <addr hex> <rkey hex> <length>"
//   "die"                         the peer raises SIGKILL (no reply)
// Anything else -> "error <reason>". Offsets and lengths are decimal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"

namespace srp::fabric::integration {

// Deterministic pseudo-random bytes: byte i of the pattern for `seed` is a
// function of (seed, offset + i), so any sub-range can be regenerated.
void FillPattern(std::span<std::byte> out, uint64_t seed, uint64_t offset = 0);
// FNV-1a 64 over the bytes.
uint64_t Checksum(std::span<const std::byte> data);

// Lower-case hex; "-" for empty input (so it survives whitespace splitting).
std::string BytesToHex(std::span<const std::byte> data);
// Inverse of BytesToHex.
Result<std::vector<std::byte>> HexToBytes(std::string_view text);
std::vector<std::byte> StringBytes(std::string_view text);

// Splits on single spaces (empty fields dropped).
std::vector<std::string> SplitWords(std::string_view line);

// A received message or a connection event, whichever came first.
using Incoming = std::variant<std::string, ConnectionEvent>;

// One connection plus its completion queue and a ring of registered message
// slots. Completions of message WRs are consumed internally; completions of
// every other WR (wr_id < kMessageWrIdBase) are queued for WaitCompletion().
class MessageEndpoint {
 public:
  static constexpr uint64_t kMessageWrIdBase = 1ull << 62;
  static constexpr uint32_t kSlotSize = 4096;
  static constexpr int kRecvSlots = 64;
  static constexpr int kSendSlots = 64;

  static Result<std::unique_ptr<MessageEndpoint>> Create(Fabric& fabric);
  ~MessageEndpoint();

  // QP options to create the connection with (send and recv on our CQ).
  QpOptions qp_options() const;
  // Takes the connection and posts all receive slots.
  Status Attach(std::unique_ptr<Connection> connection);

  Connection& connection() { return *connection_; }
  CompletionQueue& cq() { return *cq_; }

  // Sends one message (signaled SEND). Blocks (bounded) while all send slots are busy.
  Status Send(std::string_view message, std::chrono::milliseconds timeout);
  // The next received message; kDisconnected if the connection failed first,
  // kTimedOut if nothing arrived in time.
  Result<std::string> Receive(std::chrono::milliseconds timeout);
  // Send + Receive.
  Result<std::string> Call(std::string_view message, std::chrono::milliseconds timeout);
  // The next received message or connection event, whichever comes first.
  Result<Incoming> ReceiveOrEvent(std::chrono::milliseconds timeout);

  // The next completion of a non-message WR.
  Result<Completion> WaitCompletion(std::chrono::milliseconds timeout);
  // The next connection event other than kEstablished (which is skipped).
  Result<ConnectionEvent> WaitEvent(std::chrono::milliseconds timeout);

  // Message WRs that completed with an error status (for diagnostics).
  const std::vector<Completion>& message_errors() const { return message_errors_; }

 private:
  MessageEndpoint() = default;
  // Polls the CQ once; returns how many completions were handled.
  Status PollOnce(size_t* handled);
  // Sleeps until the CQ (or, with_events, the connection) has something, at most `cap`.
  void WaitForActivity(std::chrono::milliseconds cap, bool with_events);
  Status RepostRecv(int slot);
  std::span<std::byte> Slot(int index);

  std::unique_ptr<CompletionQueue> cq_;
  std::vector<std::byte> slots_;  // kRecvSlots receive slots then kSendSlots send slots
  std::unique_ptr<MemoryRegion> slots_mr_;
  std::unique_ptr<Connection> connection_;
  std::deque<std::string> received_;
  std::deque<Completion> other_completions_;
  std::vector<Completion> message_errors_;
  std::vector<bool> send_busy_;
  int next_send_ = 0;
  bool failed_ = false;  // a message WR failed: the QP is in error
};

// A remote buffer as reported by the serving peer's READY line.
struct RemoteBuffer {
  uint64_t addr = 0;
  uint32_t rkey = 0;
  uint64_t length = 0;
};

// Posts one signaled RDMA READ (or WRITE) of `local` (inside `mr`) at
// remote.addr + offset and waits for its completion.
Result<Completion> RdmaTransfer(MessageEndpoint& ep, WrOpcode opcode, MemoryRegion& mr,
                                std::span<std::byte> local, const RemoteBuffer& remote,
                                uint64_t offset, std::chrono::milliseconds timeout,
                                uint32_t rkey_override = 0);

}  // namespace srp::fabric::integration
