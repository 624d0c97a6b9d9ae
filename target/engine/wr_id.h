// Work-request ids of a channel: kind (8 bits) | WRs completed by this completion (16 bits)
// | index (32 bits: the receive slot for kRecv, the request context for kRequest). Only the
// last WR of a batch is signalled, so its id carries the batch size and the send-queue slots
// it frees.
#pragma once

#include <cstdint>

namespace srp::target {

enum class WrKind : uint8_t { kRecv = 1, kRequest = 2, kLogout = 3, kDrain = 4 };

constexpr uint64_t MakeWrId(WrKind kind, uint32_t index, uint32_t count = 0) {
  return (uint64_t{static_cast<uint8_t>(kind)} << 56) | (uint64_t{count & 0xffffu} << 32) | index;
}
constexpr WrKind WrIdKind(uint64_t id) { return static_cast<WrKind>(id >> 56); }
constexpr uint32_t WrIdCount(uint64_t id) { return static_cast<uint32_t>((id >> 32) & 0xffffu); }
constexpr uint32_t WrIdIndex(uint64_t id) { return static_cast<uint32_t>(id); }

}  // namespace srp::target
