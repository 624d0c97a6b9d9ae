// Frame codec of the soft fabric wire protocol (docs/soft-fabric-protocol.md).
//
// Every frame is a fixed 32-byte header followed by `payload_len` bytes:
//   off 0  u8  type          (FrameType)
//   off 1  u8  flags         (kFlagFirst / kFlagLast)
//   off 2  u8  version       (kProtocolVersion)
//   off 3  u8  magic         (kFrameMagic)
//   off 4  u32 payload_len
//   off 8  u64 seq           (send-queue sequence number; service id in a REQ)
//   off 16 u64 addr          (remote virtual address for RDMA)
//   off 24 u32 key           (rkey; total length of a SEND; reason; syndrome)
//   off 28 u32 length        (RDMA READ length)
// All integers are big-endian. Pure functions, no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/status.h"

namespace srp::fabric::soft {

enum class FrameType : uint8_t {
  kConnectRequest = 1,  // payload: CmIdentity + private data; seq = service id
  kConnectReply = 2,    // payload: CmIdentity + private data
  kConnectReject = 3,   // payload: private data; key = RejectReason
  kReadyToUse = 4,      // no payload
  kDisconnect = 5,      // no payload; key = DisconnectReason
  kSend = 16,           // seq; flags first/last; key = total message length; payload = segment
  kRdmaWrite = 17,      // seq; addr; key = rkey; flags last; payload = segment
  kReadRequest = 18,    // seq; addr; key = rkey; length
  kReadResponse = 19,   // seq; flags last; payload = segment
  kAck = 32,            // seq: every SEND/WRITE with sequence <= seq completed
  kNak = 33,            // seq: the failed WR; key = NakSyndrome
};

enum class RejectReason : uint32_t { kConsumer = 0, kNoListener = 1, kInvalidPkey = 2 };
enum class NakSyndrome : uint32_t {
  kReceiverNotReady = 1,
  kRemoteAccess = 2,
  kRemoteInvalidRequest = 3,  // e.g. the SEND did not fit the posted receive
};

inline constexpr uint8_t kFlagFirst = 1;
inline constexpr uint8_t kFlagLast = 2;
inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr uint8_t kFrameMagic = 0x5f;
inline constexpr size_t kFrameHeaderSize = 32;
// Largest data payload of one SEND / WRITE / READ response segment.
inline constexpr uint32_t kMaxSegment = 1u << 20;
inline constexpr uint32_t kMaxPrivateData = 4096;
// Largest message (as IB: 2^31 bytes).
inline constexpr uint64_t kMaxMessage = 1ull << 31;

struct FrameHeader {
  FrameType type = FrameType::kAck;
  uint8_t flags = 0;
  uint32_t payload_len = 0;
  uint64_t seq = 0;
  uint64_t addr = 0;
  uint32_t key = 0;
  uint32_t length = 0;
};

using HeaderBytes = std::array<std::byte, kFrameHeaderSize>;

HeaderBytes EncodeFrameHeader(const FrameHeader& h);
// Validates version, magic, type, flags and the payload length limit of the type.
Result<FrameHeader> DecodeFrameHeader(std::span<const std::byte, kFrameHeaderSize> bytes);
bool IsDataFrame(FrameType type);

// Identity block at the start of REQ and REP payloads (40 bytes).
struct CmIdentity {
  Gid gid;
  uint64_t node_guid = 0;
  uint64_t port_guid = 0;
  uint32_t qp_num = 0;
  uint16_t pkey = 0xffff;
  uint8_t rnr_retry = 7;  // the sender's rnr_retry_count (the responder enforces it)
};
inline constexpr size_t kCmIdentitySize = 40;

std::vector<std::byte> EncodeCmPayload(const CmIdentity& id, std::span<const std::byte> pdata);
// Splits a REQ/REP payload. `pdata` views into `payload`.
Status DecodeCmPayload(std::span<const std::byte> payload, CmIdentity* id,
                       std::span<const std::byte>* pdata);

}  // namespace srp::fabric::soft
