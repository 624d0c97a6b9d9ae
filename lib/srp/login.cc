#include "lib/srp/login.h"

#include <fmt/format.h>

#include "lib/common/endian.h"
#include "lib/srp/codec_util.h"

namespace srp::wire {
namespace {

using internal::ByteAt;
using internal::CheckIu;
using internal::LoadBytes;
using internal::PrepareOut;
using internal::PutByte;
using internal::StoreBytes;

namespace req {  // §1.2
constexpr size_t kTag = 8, kReqItIuLen = 16, kReqBufFmt = 24, kReqFlags = 26, kImmDataOffset = 28,
                 kInitiatorPortId = 32, kTargetPortId = 48;
static_assert(kTargetPortId + kPortIdSize == kLoginReqSize);
}  // namespace req
namespace rdma {  // §1.3
constexpr size_t kTag = 0, kReqBufFmt = 8, kReqFlags = 10, kOpcode = 11, kReqItIuLen = 12,
                 kInitiatorPortId = 16, kTargetPortId = 32, kImmDataOffset = 48;
static_assert(kImmDataOffset + 2 + 6 /*reserved*/ == kLoginReqRdmaSize);
static_assert(kInitiatorPortId + kPortIdSize == kTargetPortId);
}  // namespace rdma
namespace rsp {  // §1.4
constexpr size_t kReqLimDelta = 4, kTag = 8, kMaxItIuLen = 16, kMaxTiIuLen = 20, kBufFmt = 24,
                 kRspFlags = 26;
static_assert(kRspFlags + 1 + 25 /*reserved*/ == kLoginRspSize);
}  // namespace rsp
namespace rej {  // §1.5
constexpr size_t kReason = 4, kTag = 8, kBufFmt = 24;
static_assert(kBufFmt + 2 + 6 /*reserved*/ == kLoginRejSize);
}  // namespace rej

template <typename T, typename Fn>
std::vector<std::byte> ToVector(const T& iu, size_t size, Fn encode) {
  std::vector<std::byte> v(size);
  (void)encode(iu, std::span<std::byte>(v));  // cannot fail: exact fixed size
  return v;
}

void StoreHalves(PortId& id, uint64_t first, uint64_t second) {
  for (int i = 0; i < 8; ++i) {
    id[i] = static_cast<uint8_t>(first >> (56 - 8 * i));
    id[8 + i] = static_cast<uint8_t>(second >> (56 - 8 * i));
  }
}

}  // namespace

// --- SRP_LOGIN_REQ ---

Result<size_t> EncodeLoginRequest(const LoginRequest& iu, std::span<std::byte> out) {
  SRP_RETURN_IF_ERROR(PrepareOut(out, kLoginReqSize, "SRP_LOGIN_REQ"));
  PutByte(out, 0, static_cast<uint8_t>(Opcode::kLoginReq));
  StoreBe64(out, req::kTag, iu.tag);
  StoreBe32(out, req::kReqItIuLen, iu.req_it_iu_len);
  StoreBe16(out, req::kReqBufFmt, iu.req_buf_fmt);
  PutByte(out, req::kReqFlags, iu.req_flags);
  StoreBe16(out, req::kImmDataOffset, iu.imm_data_offset);
  StoreBytes(out, req::kInitiatorPortId, iu.initiator_port_id);
  StoreBytes(out, req::kTargetPortId, iu.target_port_id);
  return kLoginReqSize;
}

std::vector<std::byte> EncodeLoginRequest(const LoginRequest& iu) {
  return ToVector(iu, kLoginReqSize, [](const LoginRequest& v, std::span<std::byte> o) {
    return EncodeLoginRequest(v, o);
  });
}

Result<LoginRequest> DecodeLoginRequest(std::span<const std::byte> in) {
  if (in.size() < kLoginReqSize) {
    return InvalidArgument(
        fmt::format("login private data too short: {} bytes, SRP_LOGIN_REQ needs {}", in.size(),
                    kLoginReqSize));
  }
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kLoginReq, kLoginReqSize));
  LoginRequest iu;
  iu.tag = LoadBe64(in, req::kTag);
  iu.req_it_iu_len = LoadBe32(in, req::kReqItIuLen);
  iu.req_buf_fmt = LoadBe16(in, req::kReqBufFmt);
  iu.req_flags = ByteAt(in, req::kReqFlags);
  iu.imm_data_offset = LoadBe16(in, req::kImmDataOffset);
  iu.initiator_port_id = LoadBytes<kPortIdSize>(in, req::kInitiatorPortId);
  iu.target_port_id = LoadBytes<kPortIdSize>(in, req::kTargetPortId);
  return iu;
}

Result<size_t> EncodeLoginRequestRdma(const LoginRequest& iu, std::span<std::byte> out) {
  SRP_RETURN_IF_ERROR(PrepareOut(out, kLoginReqRdmaSize, "srp_login_req_rdma"));
  StoreBe64(out, rdma::kTag, iu.tag);
  StoreBe16(out, rdma::kReqBufFmt, iu.req_buf_fmt);
  PutByte(out, rdma::kReqFlags, iu.req_flags);
  PutByte(out, rdma::kOpcode, static_cast<uint8_t>(Opcode::kLoginReq));
  StoreBe32(out, rdma::kReqItIuLen, iu.req_it_iu_len);
  StoreBytes(out, rdma::kInitiatorPortId, iu.initiator_port_id);
  StoreBytes(out, rdma::kTargetPortId, iu.target_port_id);
  StoreBe16(out, rdma::kImmDataOffset, iu.imm_data_offset);
  return kLoginReqRdmaSize;
}

std::vector<std::byte> EncodeLoginRequestRdma(const LoginRequest& iu) {
  return ToVector(iu, kLoginReqRdmaSize, [](const LoginRequest& v, std::span<std::byte> o) {
    return EncodeLoginRequestRdma(v, o);
  });
}

Result<LoginRequest> DecodeLoginRequestRdma(std::span<const std::byte> in) {
  if (in.size() < kLoginReqRdmaSize) {
    return InvalidArgument(
        fmt::format("login private data too short: {} bytes, srp_login_req_rdma needs {}",
                    in.size(), kLoginReqRdmaSize));
  }
  const uint8_t op = ByteAt(in, rdma::kOpcode);
  if (op != static_cast<uint8_t>(Opcode::kLoginReq)) {
    return ProtocolError(
        fmt::format("srp_login_req_rdma opcode (offset 11) is 0x{:02x}, expected 0x00", op));
  }
  LoginRequest iu;
  iu.tag = LoadBe64(in, rdma::kTag);
  iu.req_buf_fmt = LoadBe16(in, rdma::kReqBufFmt);
  iu.req_flags = ByteAt(in, rdma::kReqFlags);
  iu.req_it_iu_len = LoadBe32(in, rdma::kReqItIuLen);
  iu.initiator_port_id = LoadBytes<kPortIdSize>(in, rdma::kInitiatorPortId);
  iu.target_port_id = LoadBytes<kPortIdSize>(in, rdma::kTargetPortId);
  iu.imm_data_offset = LoadBe16(in, rdma::kImmDataOffset);
  return iu;
}

Result<LoginRequest> DecodeLoginPrivateData(std::span<const std::byte> private_data,
                                            LoginTransport transport) {
  return transport == LoginTransport::kIbCm ? DecodeLoginRequest(private_data)
                                            : DecodeLoginRequestRdma(private_data);
}

// --- SRP_LOGIN_RSP ---

Result<size_t> EncodeLoginResponse(const LoginResponse& iu, std::span<std::byte> out) {
  SRP_RETURN_IF_ERROR(PrepareOut(out, kLoginRspSize, "SRP_LOGIN_RSP"));
  PutByte(out, 0, static_cast<uint8_t>(Opcode::kLoginRsp));
  StoreBe32(out, rsp::kReqLimDelta, iu.req_lim_delta);
  StoreBe64(out, rsp::kTag, iu.tag);
  StoreBe32(out, rsp::kMaxItIuLen, iu.max_it_iu_len);
  StoreBe32(out, rsp::kMaxTiIuLen, iu.max_ti_iu_len);
  StoreBe16(out, rsp::kBufFmt, iu.buf_fmt);
  PutByte(out, rsp::kRspFlags, iu.rsp_flags);
  return kLoginRspSize;
}

std::vector<std::byte> EncodeLoginResponse(const LoginResponse& iu) {
  return ToVector(iu, kLoginRspSize, [](const LoginResponse& v, std::span<std::byte> o) {
    return EncodeLoginResponse(v, o);
  });
}

Result<LoginResponse> DecodeLoginResponse(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kLoginRsp, kLoginRspSize));
  LoginResponse iu;
  iu.req_lim_delta = LoadBe32(in, rsp::kReqLimDelta);
  iu.tag = LoadBe64(in, rsp::kTag);
  iu.max_it_iu_len = LoadBe32(in, rsp::kMaxItIuLen);
  iu.max_ti_iu_len = LoadBe32(in, rsp::kMaxTiIuLen);
  iu.buf_fmt = LoadBe16(in, rsp::kBufFmt);
  iu.rsp_flags = ByteAt(in, rsp::kRspFlags);
  return iu;
}

// --- SRP_LOGIN_REJ ---

Result<size_t> EncodeLoginReject(const LoginReject& iu, std::span<std::byte> out) {
  SRP_RETURN_IF_ERROR(PrepareOut(out, kLoginRejSize, "SRP_LOGIN_REJ"));
  PutByte(out, 0, static_cast<uint8_t>(Opcode::kLoginRej));
  StoreBe32(out, rej::kReason, static_cast<uint32_t>(iu.reason));
  StoreBe64(out, rej::kTag, iu.tag);
  StoreBe16(out, rej::kBufFmt, iu.buf_fmt);
  return kLoginRejSize;
}

std::vector<std::byte> EncodeLoginReject(const LoginReject& iu) {
  return ToVector(iu, kLoginRejSize, [](const LoginReject& v, std::span<std::byte> o) {
    return EncodeLoginReject(v, o);
  });
}

Result<LoginReject> DecodeLoginReject(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kLoginRej, kLoginRejSize));
  LoginReject iu;
  iu.reason = static_cast<LoginRejectReason>(LoadBe32(in, rej::kReason));
  iu.tag = LoadBe64(in, rej::kTag);
  iu.buf_fmt = LoadBe16(in, rej::kBufFmt);
  return iu;
}

// --- Port identifiers ---

PortId MakeTargetPortId(uint64_t id_ext, uint64_t ioc_guid, IoClass io_class) {
  PortId id{};
  if (io_class == IoClass::kSrpRev10) {
    StoreHalves(id, ioc_guid, id_ext);
  } else {
    StoreHalves(id, id_ext, ioc_guid);
  }
  return id;
}

PortId MakeInitiatorPortId(uint64_t initiator_ext, uint64_t port_guid, IoClass io_class) {
  PortId id{};
  if (io_class == IoClass::kSrpRev10) {
    StoreHalves(id, port_guid, initiator_ext);
  } else {
    StoreHalves(id, initiator_ext, port_guid);
  }
  return id;
}

bool TargetPortIdMatches(const PortId& target_port_id, uint64_t id_ext, uint64_t ioc_guid,
                         IoClass io_class) {
  return target_port_id == MakeTargetPortId(id_ext, ioc_guid, io_class);
}

std::optional<LoginRejection> ValidateLoginRequest(const LoginRequest& req,
                                                   const LoginPolicy& policy) {
  const uint8_t action = req.multichannel_action();
  if (action > kMultiChanMulti) {
    return LoginRejection{LoginRejectReason::kUnableEstablishChannel,
                          fmt::format("reserved multichannel action {} in req_flags 0x{:02x}",
                                      action, req.req_flags)};
  }
  if (req.req_it_iu_len < kMinItIuLen) {
    return LoginRejection{
        LoginRejectReason::kReqItIuLengthTooLarge,
        fmt::format("req_it_iu_len {} is below the minimum of {}", req.req_it_iu_len, kMinItIuLen)};
  }
  if (req.req_it_iu_len > policy.max_it_iu_len) {
    return LoginRejection{LoginRejectReason::kReqItIuLengthTooLarge,
                          fmt::format("req_it_iu_len {} exceeds the target maximum {}",
                                      req.req_it_iu_len, policy.max_it_iu_len)};
  }
  if ((req.req_buf_fmt & (kBufFmtDirect | kBufFmtIndirect)) == 0) {
    return LoginRejection{
        LoginRejectReason::kUnsupportedDescriptorFmt,
        fmt::format("req_buf_fmt 0x{:04x} offers neither DIRECT nor INDIRECT descriptors",
                    req.req_buf_fmt)};
  }
  const bool match =
      TargetPortIdMatches(req.target_port_id, policy.id_ext, policy.ioc_guid,
                          IoClass::kSrpRev16a) ||
      (policy.accept_rev10_port_id &&
       TargetPortIdMatches(req.target_port_id, policy.id_ext, policy.ioc_guid, IoClass::kSrpRev10));
  if (!match) {
    std::string got;
    for (uint8_t b : req.target_port_id) got += fmt::format("{:02x}", b);
    return LoginRejection{
        LoginRejectReason::kUnableAssociateChannel,
        fmt::format("target_port_id {} does not match id_ext {:016x} / ioc_guid {:016x}", got,
                    policy.id_ext, policy.ioc_guid)};
  }
  return std::nullopt;
}

bool ImmediateDataAcceptable(const LoginRequest& req, uint32_t max_it_iu_len) {
  if (!(req.req_flags & kReqFlagImmedRequested)) return false;
  return req.imm_data_offset >= kCmdHeaderSize + kImmBufHeaderSize &&
         req.imm_data_offset < max_it_iu_len;
}

}  // namespace srp::wire
