#include "lib/fabric/soft/frame.h"

#include <fmt/format.h>

#include <cstring>

#include "lib/common/endian.h"

namespace srp::fabric::soft {

HeaderBytes EncodeFrameHeader(const FrameHeader& h) {
  HeaderBytes b{};
  StoreU8(&b[0], static_cast<uint8_t>(h.type));
  StoreU8(&b[1], h.flags);
  StoreU8(&b[2], kProtocolVersion);
  StoreU8(&b[3], kFrameMagic);
  StoreBe32(&b[4], h.payload_len);
  StoreBe64(&b[8], h.seq);
  StoreBe64(&b[16], h.addr);
  StoreBe32(&b[24], h.key);
  StoreBe32(&b[28], h.length);
  return b;
}

bool IsDataFrame(FrameType type) {
  switch (type) {
    case FrameType::kSend:
    case FrameType::kRdmaWrite:
    case FrameType::kReadRequest:
    case FrameType::kReadResponse:
    case FrameType::kAck:
    case FrameType::kNak:
      return true;
    default:
      return false;
  }
}

Result<FrameHeader> DecodeFrameHeader(std::span<const std::byte, kFrameHeaderSize> b) {
  if (LoadU8(&b[2]) != kProtocolVersion || LoadU8(&b[3]) != kFrameMagic)
    return ProtocolError(
        fmt::format("bad frame version/magic {:02x}/{:02x}", LoadU8(&b[2]), LoadU8(&b[3])));
  FrameHeader h;
  uint8_t type = LoadU8(&b[0]);
  h.flags = LoadU8(&b[1]);
  h.payload_len = LoadBe32(&b[4]);
  h.seq = LoadBe64(&b[8]);
  h.addr = LoadBe64(&b[16]);
  h.key = LoadBe32(&b[24]);
  h.length = LoadBe32(&b[28]);
  if ((h.flags & ~(kFlagFirst | kFlagLast)) != 0)
    return ProtocolError(fmt::format("bad frame flags {:02x}", h.flags));
  uint32_t max_payload = 0;
  switch (type) {
    case static_cast<uint8_t>(FrameType::kConnectRequest):
    case static_cast<uint8_t>(FrameType::kConnectReply):
      max_payload = kCmIdentitySize + kMaxPrivateData;
      break;
    case static_cast<uint8_t>(FrameType::kConnectReject):
      max_payload = kMaxPrivateData;
      break;
    case static_cast<uint8_t>(FrameType::kReadyToUse):
    case static_cast<uint8_t>(FrameType::kDisconnect):
    case static_cast<uint8_t>(FrameType::kReadRequest):
    case static_cast<uint8_t>(FrameType::kAck):
    case static_cast<uint8_t>(FrameType::kNak):
      max_payload = 0;
      break;
    case static_cast<uint8_t>(FrameType::kSend):
    case static_cast<uint8_t>(FrameType::kRdmaWrite):
    case static_cast<uint8_t>(FrameType::kReadResponse):
      max_payload = kMaxSegment;
      break;
    default:
      return ProtocolError(fmt::format("unknown frame type {}", type));
  }
  h.type = static_cast<FrameType>(type);
  if (h.payload_len > max_payload)
    return ProtocolError(
        fmt::format("frame type {} payload {} exceeds {}", type, h.payload_len, max_payload));
  if (h.type == FrameType::kSend && (h.flags & kFlagFirst) && h.key > kMaxMessage)
    return ProtocolError(fmt::format("SEND length {} too large", h.key));
  return h;
}

std::vector<std::byte> EncodeCmPayload(const CmIdentity& id, std::span<const std::byte> pdata) {
  std::vector<std::byte> out(kCmIdentitySize + pdata.size());
  std::memcpy(out.data(), id.gid.raw.data(), 16);
  StoreBe64(&out[16], id.node_guid);
  StoreBe64(&out[24], id.port_guid);
  StoreBe32(&out[32], id.qp_num);
  StoreBe16(&out[36], id.pkey);
  StoreU8(&out[38], id.rnr_retry);
  StoreU8(&out[39], 0);
  if (!pdata.empty()) std::memcpy(out.data() + kCmIdentitySize, pdata.data(), pdata.size());
  return out;
}

Status DecodeCmPayload(std::span<const std::byte> payload, CmIdentity* id,
                       std::span<const std::byte>* pdata) {
  if (payload.size() < kCmIdentitySize)
    return ProtocolError(
        fmt::format("CM payload of {} bytes is shorter than the identity", payload.size()));
  std::memcpy(id->gid.raw.data(), payload.data(), 16);
  id->node_guid = LoadBe64(payload, 16);
  id->port_guid = LoadBe64(payload, 24);
  id->qp_num = LoadBe32(payload, 32);
  id->pkey = LoadBe16(payload, 36);
  id->rnr_retry = LoadU8(&payload[38]);
  if (id->rnr_retry > 7) return ProtocolError("CM rnr_retry > 7");
  *pdata = payload.subspan(kCmIdentitySize);
  return Status::Ok();
}

}  // namespace srp::fabric::soft
