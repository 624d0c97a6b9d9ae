// SRP information units exchanged on an established channel (§1.6 .. §1.10 of
// docs/srp-reference.md): structs with named fields plus pure Encode/Decode functions.
// Login IUs (carried in CM private data) live in login.h; SRP_CMD data descriptors in
// descriptors.h.
//
// Conventions shared by every IU in this library:
//  * Tag: kept as the uint64_t obtained by loading the 8 tag bytes big-endian, and
//    stored back big-endian. The value is opaque (ib_srp puts a CPU-order u32 there);
//    only compare and echo it. Encode(Decode(x)) reproduces the 8 bytes exactly.
//  * LUN: 8 raw bytes, never interpreted here.
//  * Decoders check the opcode and that the bytes received cover the fixed part and
//    every variable part the header announces. Reserved fields are ignored on decode
//    and written as zero on encode. Bytes after the IU (e.g. CM private-data padding)
//    are ignored.
//  * Span encoders return the number of bytes written, or kInvalidArgument when
//    `out` is too small; they write nothing past the returned size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "lib/common/status.h"
#include "lib/srp/constants.h"

namespace srp::wire {

using Lun = std::array<uint8_t, kLunSize>;

// §1.7 SRP_TSK_MGMT (48 bytes).
struct TaskManagement {
  uint8_t sol_not = 0;
  uint64_t tag = 0;
  Lun lun{};
  TmfFunction function = TmfFunction::kAbortTask;  // unknown values are preserved
  uint64_t task_tag = 0;
  bool operator==(const TaskManagement&) const = default;
};

// §1.8 SRP_CMD fixed header (48 bytes). The additional CDB and data descriptors follow
// at offset 48; see AdditionalCdb() and descriptors.h.
struct CmdHeader {
  uint8_t sol_not = 0;
  uint8_t buf_fmt = 0;  // high nibble DATA-OUT format, low nibble DATA-IN format
  uint8_t data_out_desc_cnt = 0;
  uint8_t data_in_desc_cnt = 0;
  uint64_t tag = 0;
  Lun lun{};
  uint8_t task_attr = 0;    // TaskAttr value; unknown values preserved
  uint8_t add_cdb_len = 0;  // bytes; decoded headers always have the low 2 bits clear
  std::array<uint8_t, kCdbSize> cdb{};

  uint8_t data_out_format() const { return static_cast<uint8_t>(buf_fmt >> 4); }
  uint8_t data_in_format() const { return static_cast<uint8_t>(buf_fmt & 0x0F); }
  // Offset of the first data descriptor (or srp_imm_buf) in the IU.
  size_t descriptor_offset() const { return kCmdHeaderSize + add_cdb_len; }
  bool operator==(const CmdHeader&) const = default;
};

// §1.6 SRP_I_LOGOUT (16 bytes).
struct InitiatorLogout {
  uint64_t tag = 0;
  bool operator==(const InitiatorLogout&) const = default;
};

// §1.6 SRP_T_LOGOUT (16 bytes). Reason codes are defined by the SRP spec, not Linux.
struct TargetLogout {
  uint8_t sol_not = 0;
  uint32_t reason = 0;
  uint64_t tag = 0;
  bool operator==(const TargetLogout&) const = default;
};

// §1.10 SRP_CRED_REQ (16 bytes).
struct CreditRequest {
  uint8_t sol_not = 0;
  uint32_t req_lim_delta = 0;
  uint64_t tag = 0;
  bool operator==(const CreditRequest&) const = default;
};

// §1.10 SRP_CRED_RSP (16 bytes).
struct CreditResponse {
  uint64_t tag = 0;
  bool operator==(const CreditResponse&) const = default;
};

// §1.10 SRP_AER_RSP (16 bytes).
struct AerResponse {
  uint64_t tag = 0;
  bool operator==(const AerResponse&) const = default;
};

// §1.10 SRP_AER_REQ fixed part (36 bytes); sense data follows.
struct AerRequestHeader {
  uint8_t sol_not = 0;
  uint32_t req_lim_delta = 0;
  uint64_t tag = 0;
  Lun lun{};
  bool operator==(const AerRequestHeader&) const = default;
};

// A decoded SRP_AER_REQ. `sense` views the decoded input buffer.
struct AerRequestView {
  AerRequestHeader header;
  std::span<const std::byte> sense;
};

// §1.9 SRP_RSP fixed fields except the two lengths (derived from the data spans).
struct RspHeader {
  uint8_t sol_not = 0;
  uint32_t req_lim_delta = 0;
  uint64_t tag = 0;
  uint8_t flags = 0;   // kRspValid | kSnsValid | kDoOver | ...
  uint8_t status = 0;  // SCSI status
  uint32_t data_out_res_cnt = 0;
  uint32_t data_in_res_cnt = 0;
  bool operator==(const RspHeader&) const = default;
};

// A decoded SRP_RSP. The spans view the decoded input buffer.
struct RspView {
  RspHeader header;
  std::span<const std::byte> resp_data;  // resp_data_len bytes at offset 36
  std::span<const std::byte> sense;      // sense_data_len bytes after resp_data
};

// --- Opcode helpers -------------------------------------------------------------------

// The opcode in byte 0. Errors: empty input; unknown opcode.
Result<Opcode> PeekOpcode(std::span<const std::byte> iu);

// IUs a target may receive on a channel (SRP_LOGIN_REQ arrives in CM private data only).
using TargetBoundIu =
    std::variant<TaskManagement, CmdHeader, InitiatorLogout, CreditResponse, AerResponse>;
// IUs an initiator may receive on a channel.
using InitiatorBoundIu = std::variant<TargetLogout, CreditRequest, AerRequestView, RspView>;

// Decodes whatever I->T IU `iu` holds. Errors: too short, unknown opcode, a T->I
// opcode, SRP_LOGIN_REQ on a channel, and every error of the specific decoder. For
// SRP_CMD only the header is decoded; parse its data layout with descriptors.h.
Result<TargetBoundIu> DecodeTargetBoundIu(std::span<const std::byte> iu);
// Decodes whatever T->I IU `iu` holds (login IUs excluded, see login.h).
Result<InitiatorBoundIu> DecodeInitiatorBoundIu(std::span<const std::byte> iu);

// --- SRP_TSK_MGMT -----------------------------------------------------------------------
Result<size_t> EncodeTaskManagement(const TaskManagement& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeTaskManagement(const TaskManagement& iu);
Result<TaskManagement> DecodeTaskManagement(std::span<const std::byte> in);

// --- SRP_CMD header -----------------------------------------------------------------------
// Writes the 48-byte header only. Errors: add_cdb_len low bits set; `out` too small.
Result<size_t> EncodeCmdHeader(const CmdHeader& iu, std::span<std::byte> out);
// Errors: short IU, wrong opcode, add_cdb_len with reserved low bits set, additional CDB
// extending past the received bytes.
Result<CmdHeader> DecodeCmdHeader(std::span<const std::byte> in);
// The additional CDB bytes. REQUIRES: `hdr` was decoded from `iu`.
std::span<const std::byte> AdditionalCdb(const CmdHeader& hdr, std::span<const std::byte> iu);

// --- SRP_I_LOGOUT / SRP_T_LOGOUT ------------------------------------------------------------
Result<size_t> EncodeInitiatorLogout(const InitiatorLogout& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeInitiatorLogout(const InitiatorLogout& iu);
Result<InitiatorLogout> DecodeInitiatorLogout(std::span<const std::byte> in);
Result<size_t> EncodeTargetLogout(const TargetLogout& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeTargetLogout(const TargetLogout& iu);
Result<TargetLogout> DecodeTargetLogout(std::span<const std::byte> in);

// --- Credit / async IUs ----------------------------------------------------------------------
Result<size_t> EncodeCreditRequest(const CreditRequest& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeCreditRequest(const CreditRequest& iu);
Result<CreditRequest> DecodeCreditRequest(std::span<const std::byte> in);
Result<size_t> EncodeCreditResponse(const CreditResponse& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeCreditResponse(const CreditResponse& iu);
Result<CreditResponse> DecodeCreditResponse(std::span<const std::byte> in);
Result<size_t> EncodeAerResponse(const AerResponse& iu, std::span<std::byte> out);
std::vector<std::byte> EncodeAerResponse(const AerResponse& iu);
Result<AerResponse> DecodeAerResponse(std::span<const std::byte> in);
// Writes header + sense (sense_data_len = sense.size()).
Result<size_t> EncodeAerRequest(const AerRequestHeader& iu, std::span<const std::byte> sense,
                                std::span<std::byte> out);
std::vector<std::byte> EncodeAerRequest(const AerRequestHeader& iu,
                                        std::span<const std::byte> sense);
// Errors: short, wrong opcode, sense_data_len past the received bytes.
Result<AerRequestView> DecodeAerRequest(std::span<const std::byte> in);

// --- SRP_RSP --------------------------------------------------------------------------------
// Builds an SRP_RSP: 36-byte header, `resp_data`, then as much of `sense` as fits in
// `max_ti_iu_len` (max_ti_iu_len - 36 - resp_data.size() bytes); sense_data_len is the
// number of sense bytes actually written. The flags' kRspValid / kSnsValid bits are
// recomputed: set iff response data / (truncated) sense data are present; the other flag
// bits are taken from `hdr`. Errors: header + response data exceed max_ti_iu_len;
// `out` too small for the result.
Result<size_t> EncodeRsp(const RspHeader& hdr, std::span<const std::byte> resp_data,
                         std::span<const std::byte> sense, uint32_t max_ti_iu_len,
                         std::span<std::byte> out);
Result<std::vector<std::byte>> EncodeRsp(const RspHeader& hdr, std::span<const std::byte> resp_data,
                                         std::span<const std::byte> sense, uint32_t max_ti_iu_len);
// Task-management answer (§1.7): 4 bytes of response data with `code` in data[3], no sense.
Result<size_t> EncodeTmfRsp(const RspHeader& hdr, TmfResponse code, uint32_t max_ti_iu_len,
                            std::span<std::byte> out);
// Errors: short, wrong opcode, resp_data_len + sense_data_len past the received bytes.
Result<RspView> DecodeRsp(std::span<const std::byte> in);
// The TMF response code of a decoded SRP_RSP: data[3] when RSPVALID is set and
// resp_data has at least 4 bytes (what ib_srp reads), else kInvalidArgument.
Result<TmfResponse> TmfResponseCode(const RspView& rsp);

}  // namespace srp::wire
