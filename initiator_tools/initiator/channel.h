// One logged-in SRP channel: the RC connection, its completion queue, the receive ring
// (queue_size + 2 buffers of max_ti_iu_len bytes), the send slots (IU buffer plus a
// registered indirect-table area each) and the login that created it.
//
// Threading: single-threaded; the owning Session serialises all calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "initiator_tools/initiator/login.h"
#include "initiator_tools/initiator/session_options.h"
#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/srp/descriptors.h"

namespace srp::initiator {

// What a send slot is for; each use keeps back slots for the ones after it, so commands
// can never starve task management or credit replies.
enum class SlotUse : uint8_t { kCommand, kTaskManagement, kReply };

class Channel {
 public:
  // Connects, logs in and posts the receive ring. kRejected for an SRP_LOGIN_REJ.
  static Result<std::unique_ptr<Channel>> Open(fabric::Fabric& fabric,
                                               const SessionOptions& options);
  ~Channel();

  const NegotiatedLogin& login() const { return login_; }
  fabric::Connection& connection() { return *conn_; }
  fabric::CompletionQueue& cq() { return *cq_; }
  uint32_t slot_count() const { return slot_count_; }

  std::optional<uint32_t> AcquireSendSlot(SlotUse use);
  void ReleaseSendSlot(uint32_t slot);
  std::span<std::byte> SendBuffer(uint32_t slot);
  // The registered indirect-table area of `slot` (16 bytes per sg_tablesize entry).
  std::span<std::byte> TableBuffer(uint32_t slot);
  wire::DirectDescriptor TableLocation(uint32_t slot);
  // Posts the first `length` bytes of the slot's buffer as a signalled SEND.
  Status PostSend(uint32_t slot, size_t length);

  std::span<const std::byte> RecvBuffer(uint32_t index, uint32_t byte_len) const;
  Status RepostRecv(uint32_t index);

  // wr_id encoding of this channel's completions.
  static bool IsRecv(uint64_t wr_id) { return (wr_id >> 62) == 1; }
  static uint32_t Index(uint64_t wr_id) { return static_cast<uint32_t>(wr_id); }

 private:
  Channel() = default;
  Status SetUpBuffers(fabric::Fabric& fabric, const SessionOptions& options);

  NegotiatedLogin login_;
  std::unique_ptr<fabric::CompletionQueue> cq_;
  std::unique_ptr<fabric::Connection> conn_;
  uint32_t slot_count_ = 0;
  uint32_t send_size_ = 0;
  uint32_t table_size_ = 0;
  uint32_t recv_size_ = 0;
  uint32_t recv_count_ = 0;
  std::vector<std::byte> send_mem_;
  std::vector<std::byte> table_mem_;
  std::vector<std::byte> recv_mem_;
  std::unique_ptr<fabric::MemoryRegion> send_mr_;
  std::unique_ptr<fabric::MemoryRegion> table_mr_;
  std::unique_ptr<fabric::MemoryRegion> recv_mr_;
  std::vector<uint32_t> free_slots_;
};

}  // namespace srp::initiator
