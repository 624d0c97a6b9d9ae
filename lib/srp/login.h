// SRP login IUs carried in connection-manager private data (§1.2 .. §1.5 of
// docs/srp-reference.md), the RDMA CM 56-byte request form, port identifiers (§2.1) and
// the login checks a target applies before accepting a channel.
// Tag / encode / decode conventions: see iu.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lib/common/status.h"
#include "lib/srp/constants.h"

namespace srp::wire {

using PortId = std::array<uint8_t, kPortIdSize>;

// §1.2 SRP_LOGIN_REQ (64 bytes). Also the in-memory form of §1.3 (56 bytes, RDMA CM).
struct LoginRequest {
  uint64_t tag = 0;
  uint32_t req_it_iu_len = 0;
  uint16_t req_buf_fmt = 0;      // kBufFmtDirect | kBufFmtIndirect
  uint8_t req_flags = 0;         // multichannel action (bits 1..0), *SOLNT, kReqFlagImmedRequested
  uint16_t imm_data_offset = 0;  // meaningful only with kReqFlagImmedRequested
  PortId initiator_port_id{};
  PortId target_port_id{};

  uint8_t multichannel_action() const { return req_flags & kReqFlagMultiChanMask; }
  bool operator==(const LoginRequest&) const = default;
};

// §1.4 SRP_LOGIN_RSP (52 bytes).
struct LoginResponse {
  uint32_t req_lim_delta = 0;
  uint64_t tag = 0;
  uint32_t max_it_iu_len = 0;
  uint32_t max_ti_iu_len = 0;
  uint16_t buf_fmt = 0;
  uint8_t rsp_flags = 0;
  bool operator==(const LoginResponse&) const = default;
};

// §1.5 SRP_LOGIN_REJ (32 bytes). Unknown reason values are preserved by the decoder.
struct LoginReject {
  LoginRejectReason reason = LoginRejectReason::kUnableEstablishChannel;
  uint64_t tag = 0;
  uint16_t buf_fmt = 0;
  bool operator==(const LoginReject&) const = default;
};

// Which connection manager carried the login: IB CM (64-byte layout) or RDMA CM
// (56-byte srp_login_req_rdma layout, §1.3).
enum class LoginTransport : uint8_t { kIbCm, kRdmaCm };

// --- SRP_LOGIN_REQ ---
Result<size_t> EncodeLoginRequest(const LoginRequest& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeLoginRequest(const LoginRequest& iu);
// Errors: private data shorter than 64 bytes; opcode not 0x00. Trailing bytes (IB CM
// REQ private data is 92 bytes) are ignored.
Result<LoginRequest> DecodeLoginRequest(std::span<const std::byte> in);
// §1.3: the 56-byte RDMA CM form (opcode at offset 11).
Result<size_t> EncodeLoginRequestRdma(const LoginRequest& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeLoginRequestRdma(const LoginRequest& iu);
// Errors: shorter than 56 bytes; opcode (offset 11) not 0x00.
Result<LoginRequest> DecodeLoginRequestRdma(std::span<const std::byte> in);
// Decodes the private data of a connect request in the layout `transport` uses.
Result<LoginRequest> DecodeLoginPrivateData(std::span<const std::byte> private_data,
                                            LoginTransport transport);

// --- SRP_LOGIN_RSP / SRP_LOGIN_REJ ---
Result<size_t> EncodeLoginResponse(const LoginResponse& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeLoginResponse(const LoginResponse& iu);
Result<LoginResponse> DecodeLoginResponse(std::span<const std::byte> in);
Result<size_t> EncodeLoginReject(const LoginReject& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeLoginReject(const LoginReject& iu);
Result<LoginReject> DecodeLoginReject(std::span<const std::byte> in);

// --- Port identifiers (§2.1) ---
// io_class 0x0100: id_ext || ioc_guid; 0xFF00 (rev10): ioc_guid || id_ext. Big-endian.
PortId MakeTargetPortId(uint64_t id_ext, uint64_t ioc_guid, IoClass io_class);
// io_class 0x0100: initiator_ext || port_guid; 0xFF00: port_guid || initiator_ext.
PortId MakeInitiatorPortId(uint64_t initiator_ext, uint64_t port_guid, IoClass io_class);
// True when BOTH halves of `target_port_id` match (id_ext, ioc_guid) in the layout of
// `io_class`.
bool TargetPortIdMatches(const PortId& target_port_id, uint64_t id_ext, uint64_t ioc_guid,
                         IoClass io_class);

// --- Target-side login checks ---
struct LoginPolicy {
  uint32_t max_it_iu_len = 0;  // the target's largest acceptable request IU
  uint64_t id_ext = 0;         // the target port's identity
  uint64_t ioc_guid = 0;
  bool accept_rev10_port_id = true;  // also accept the swapped (io_class 0xFF00) layout
};

struct LoginRejection {
  LoginRejectReason reason;
  std::string message;
};

// Checks a decoded login request against the target's policy. nullopt = acceptable.
// Rules, in order:
//  * multichannel action (req_flags & 3) of 2 or 3 is reserved in SRP r16a: rejected
//    with UNABLE_ESTABLISH_CHANNEL (we chose to refuse rather than guess a meaning);
//  * req_it_iu_len < 64 or > policy.max_it_iu_len: REQ_IT_IU_LENGTH_TOO_LARGE (the only
//    length reason the spec defines; LIO/SCST use it for both bounds);
//  * req_buf_fmt offers neither DIRECT nor INDIRECT: UNSUPPORTED_DESCRIPTOR_FMT;
//  * target_port_id halves differ from (id_ext, ioc_guid): UNABLE_ASSOCIATE_CHANNEL.
// Private data shorter than the layout is caught earlier by the decoders above; callers
// answer that with UNABLE_ESTABLISH_CHANNEL.
std::optional<LoginRejection> ValidateLoginRequest(const LoginRequest& req,
                                                   const LoginPolicy& policy);

// Whether the target can grant immediate data (rsp_flags kRspFlagImmedSupported): the
// initiator asked for it and its data offset leaves room for the 48-byte header plus the
// 4-byte srp_imm_buf and lies inside the target's max request size.
bool ImmediateDataAcceptable(const LoginRequest& req, uint32_t max_it_iu_len);

}  // namespace srp::wire
