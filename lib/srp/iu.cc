#include "lib/srp/iu.h"

#include <fmt/format.h>

#include <algorithm>

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

// Field offsets, one namespace per table of docs/srp-reference.md. The static_asserts
// tie the last field of each layout to the size constant.
namespace tsk {  // §1.7
constexpr size_t kSolNot = 1, kTag = 8, kLun = 20, kFunction = 30, kTaskTag = 32;
static_assert(kTaskTag + 8 + 8 /*reserved*/ == kTskMgmtSize);
static_assert(kLun + kLunSize + 2 == kFunction);
}  // namespace tsk
namespace cmd {  // §1.8
constexpr size_t kSolNot = 1, kBufFmt = 5, kOutCnt = 6, kInCnt = 7, kTag = 8, kLun = 20,
                 kTaskAttr = 29, kAddCdbLen = 31, kCdb = 32;
static_assert(kCdb + kCdbSize == kCmdHeaderSize);
static_assert(kLun + kLunSize + 1 == kTaskAttr);
}  // namespace cmd
namespace logout {  // §1.6
constexpr size_t kSolNot = 1, kReason = 4, kTag = 8;
static_assert(kTag + kTagSize == kILogoutSize && kTag + kTagSize == kTLogoutSize);
}  // namespace logout
namespace cred {  // §1.10
constexpr size_t kSolNot = 1, kReqLimDelta = 4, kTag = 8;
static_assert(kTag + kTagSize == kCredReqSize && kTag + kTagSize == kCredRspSize &&
              kTag + kTagSize == kAerRspSize);
}  // namespace cred
namespace aer {  // §1.10
constexpr size_t kSolNot = 1, kReqLimDelta = 4, kTag = 8, kLun = 20, kSenseLen = 28;
static_assert(kSenseLen + 4 + 4 /*reserved*/ == kAerReqHeaderSize);
}  // namespace aer
namespace rsp {  // §1.9
constexpr size_t kSolNot = 1, kReqLimDelta = 4, kTag = 8, kFlags = 18, kStatus = 19, kDoResCnt = 20,
                 kDiResCnt = 24, kSenseLen = 28, kRespLen = 32;
static_assert(kRespLen + 4 == kRspHeaderSize);
}  // namespace rsp

// Encodes a 16-byte IU made of opcode, sol_not, optional be32 at 4, and tag at 8.
Result<size_t> EncodeShort(Opcode op, uint8_t sol_not, uint32_t word4, uint64_t tag, size_t size,
                           std::span<std::byte> out) {
  SRP_RETURN_IF_ERROR(PrepareOut(out, size, OpcodeName(op)));
  PutByte(out, 0, static_cast<uint8_t>(op));
  PutByte(out, 1, sol_not);
  StoreBe32(out, 4, word4);
  StoreBe64(out, 8, tag);
  return size;
}

template <typename T, typename Fn>
std::vector<std::byte> ToVector(const T& iu, size_t size, Fn encode) {
  std::vector<std::byte> v(size);
  // Cannot fail: the buffer has exactly the fixed size.
  (void)encode(iu, std::span<std::byte>(v));
  return v;
}

// a + b + c <= limit without overflow.
bool FitsIn(uint64_t a, uint64_t b, uint64_t c, uint64_t limit) { return a + b + c <= limit; }

}  // namespace

Result<Opcode> PeekOpcode(std::span<const std::byte> iu) {
  if (iu.empty()) return InvalidArgument("empty IU: no opcode byte");
  const uint8_t op = ByteAt(iu, 0);
  if (!IsKnownOpcode(op)) return ProtocolError(fmt::format("unknown SRP opcode 0x{:02x}", op));
  return static_cast<Opcode>(op);
}

Result<TargetBoundIu> DecodeTargetBoundIu(std::span<const std::byte> iu) {
  SRP_ASSIGN_OR_RETURN(Opcode op, PeekOpcode(iu));
  if (!IsInitiatorToTarget(op)) {
    return ProtocolError(fmt::format("target-to-initiator opcode 0x{:02x} ({}) sent to target",
                                     static_cast<uint8_t>(op), OpcodeName(op)));
  }
  switch (op) {
    case Opcode::kTskMgmt: {
      SRP_ASSIGN_OR_RETURN(auto v, DecodeTaskManagement(iu));
      return TargetBoundIu(v);
    }
    case Opcode::kCmd: {
      SRP_ASSIGN_OR_RETURN(auto v, DecodeCmdHeader(iu));
      return TargetBoundIu(v);
    }
    case Opcode::kILogout: {
      SRP_ASSIGN_OR_RETURN(auto v, DecodeInitiatorLogout(iu));
      return TargetBoundIu(v);
    }
    case Opcode::kCredRsp: {
      SRP_ASSIGN_OR_RETURN(auto v, DecodeCreditResponse(iu));
      return TargetBoundIu(v);
    }
    case Opcode::kAerRsp: {
      SRP_ASSIGN_OR_RETURN(auto v, DecodeAerResponse(iu));
      return TargetBoundIu(v);
    }
    default:
      return ProtocolError("SRP_LOGIN_REQ is only valid in CM private data, not on a channel");
  }
}

Result<InitiatorBoundIu> DecodeInitiatorBoundIu(std::span<const std::byte> iu) {
  SRP_ASSIGN_OR_RETURN(Opcode op, PeekOpcode(iu));
  switch (op) {
    case Opcode::kTLogout: {
      SRP_ASSIGN_OR_RETURN(auto v, DecodeTargetLogout(iu));
      return InitiatorBoundIu(v);
    }
    case Opcode::kCredReq: {
      SRP_ASSIGN_OR_RETURN(auto v, DecodeCreditRequest(iu));
      return InitiatorBoundIu(v);
    }
    case Opcode::kAerReq: {
      SRP_ASSIGN_OR_RETURN(auto v, DecodeAerRequest(iu));
      return InitiatorBoundIu(v);
    }
    case Opcode::kRsp: {
      SRP_ASSIGN_OR_RETURN(auto v, DecodeRsp(iu));
      return InitiatorBoundIu(v);
    }
    case Opcode::kLoginRsp:
    case Opcode::kLoginRej:
      return ProtocolError(
          fmt::format("{} is only valid in CM private data, not on a channel", OpcodeName(op)));
    default:
      return ProtocolError(fmt::format("initiator-to-target opcode 0x{:02x} ({}) sent to initiator",
                                       static_cast<uint8_t>(op), OpcodeName(op)));
  }
}

// --- SRP_TSK_MGMT ---

Result<size_t> EncodeTaskManagement(const TaskManagement& iu, std::span<std::byte> out) {
  SRP_RETURN_IF_ERROR(PrepareOut(out, kTskMgmtSize, "SRP_TSK_MGMT"));
  PutByte(out, 0, static_cast<uint8_t>(Opcode::kTskMgmt));
  PutByte(out, tsk::kSolNot, iu.sol_not);
  StoreBe64(out, tsk::kTag, iu.tag);
  StoreBytes(out, tsk::kLun, iu.lun);
  PutByte(out, tsk::kFunction, static_cast<uint8_t>(iu.function));
  StoreBe64(out, tsk::kTaskTag, iu.task_tag);
  return kTskMgmtSize;
}

std::vector<std::byte> EncodeTaskManagement(const TaskManagement& iu) {
  return ToVector(iu, kTskMgmtSize, [](const TaskManagement& v, std::span<std::byte> o) {
    return EncodeTaskManagement(v, o);
  });
}

Result<TaskManagement> DecodeTaskManagement(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kTskMgmt, kTskMgmtSize));
  TaskManagement iu;
  iu.sol_not = ByteAt(in, tsk::kSolNot);
  iu.tag = LoadBe64(in, tsk::kTag);
  iu.lun = LoadBytes<kLunSize>(in, tsk::kLun);
  iu.function = static_cast<TmfFunction>(ByteAt(in, tsk::kFunction));
  iu.task_tag = LoadBe64(in, tsk::kTaskTag);
  return iu;
}

// --- SRP_CMD header ---

Result<size_t> EncodeCmdHeader(const CmdHeader& iu, std::span<std::byte> out) {
  if (iu.add_cdb_len & 0x3) {
    return InvalidArgument(fmt::format(
        "add_cdb_len {} is not a multiple of 4 (reserved low bits set)", iu.add_cdb_len));
  }
  SRP_RETURN_IF_ERROR(PrepareOut(out, kCmdHeaderSize, "SRP_CMD"));
  PutByte(out, 0, static_cast<uint8_t>(Opcode::kCmd));
  PutByte(out, cmd::kSolNot, iu.sol_not);
  PutByte(out, cmd::kBufFmt, iu.buf_fmt);
  PutByte(out, cmd::kOutCnt, iu.data_out_desc_cnt);
  PutByte(out, cmd::kInCnt, iu.data_in_desc_cnt);
  StoreBe64(out, cmd::kTag, iu.tag);
  StoreBytes(out, cmd::kLun, iu.lun);
  PutByte(out, cmd::kTaskAttr, iu.task_attr);
  PutByte(out, cmd::kAddCdbLen, iu.add_cdb_len);
  StoreBytes(out, cmd::kCdb, iu.cdb);
  return kCmdHeaderSize;
}

Result<CmdHeader> DecodeCmdHeader(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kCmd, kCmdHeaderSize));
  CmdHeader iu;
  iu.sol_not = ByteAt(in, cmd::kSolNot);
  iu.buf_fmt = ByteAt(in, cmd::kBufFmt);
  iu.data_out_desc_cnt = ByteAt(in, cmd::kOutCnt);
  iu.data_in_desc_cnt = ByteAt(in, cmd::kInCnt);
  iu.tag = LoadBe64(in, cmd::kTag);
  iu.lun = LoadBytes<kLunSize>(in, cmd::kLun);
  iu.task_attr = ByteAt(in, cmd::kTaskAttr);
  iu.add_cdb_len = ByteAt(in, cmd::kAddCdbLen);
  iu.cdb = LoadBytes<kCdbSize>(in, cmd::kCdb);
  if (iu.add_cdb_len & 0x3) {
    return ProtocolError(
        fmt::format("SRP_CMD add_cdb_len 0x{:02x} is not a multiple of 4 (reserved low bits set)",
                    iu.add_cdb_len));
  }
  if (kCmdHeaderSize + iu.add_cdb_len > in.size()) {
    return ProtocolError(
        fmt::format("SRP_CMD additional CDB ({} bytes) extends past the received IU ({} bytes)",
                    iu.add_cdb_len, in.size()));
  }
  return iu;
}

std::span<const std::byte> AdditionalCdb(const CmdHeader& hdr, std::span<const std::byte> iu) {
  if (kCmdHeaderSize + hdr.add_cdb_len > iu.size()) return {};
  return iu.subspan(kCmdHeaderSize, hdr.add_cdb_len);
}

// --- Logout ---

Result<size_t> EncodeInitiatorLogout(const InitiatorLogout& iu, std::span<std::byte> out) {
  return EncodeShort(Opcode::kILogout, 0, 0, iu.tag, kILogoutSize, out);
}
std::vector<std::byte> EncodeInitiatorLogout(const InitiatorLogout& iu) {
  return ToVector(iu, kILogoutSize, [](const InitiatorLogout& v, std::span<std::byte> o) {
    return EncodeInitiatorLogout(v, o);
  });
}
Result<InitiatorLogout> DecodeInitiatorLogout(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kILogout, kILogoutSize));
  return InitiatorLogout{LoadBe64(in, logout::kTag)};
}

Result<size_t> EncodeTargetLogout(const TargetLogout& iu, std::span<std::byte> out) {
  return EncodeShort(Opcode::kTLogout, iu.sol_not, iu.reason, iu.tag, kTLogoutSize, out);
}
std::vector<std::byte> EncodeTargetLogout(const TargetLogout& iu) {
  return ToVector(iu, kTLogoutSize, [](const TargetLogout& v, std::span<std::byte> o) {
    return EncodeTargetLogout(v, o);
  });
}
Result<TargetLogout> DecodeTargetLogout(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kTLogout, kTLogoutSize));
  TargetLogout iu;
  iu.sol_not = ByteAt(in, logout::kSolNot);
  iu.reason = LoadBe32(in, logout::kReason);
  iu.tag = LoadBe64(in, logout::kTag);
  return iu;
}

// --- Credit / async ---

Result<size_t> EncodeCreditRequest(const CreditRequest& iu, std::span<std::byte> out) {
  return EncodeShort(Opcode::kCredReq, iu.sol_not, iu.req_lim_delta, iu.tag, kCredReqSize, out);
}
std::vector<std::byte> EncodeCreditRequest(const CreditRequest& iu) {
  return ToVector(iu, kCredReqSize, [](const CreditRequest& v, std::span<std::byte> o) {
    return EncodeCreditRequest(v, o);
  });
}
Result<CreditRequest> DecodeCreditRequest(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kCredReq, kCredReqSize));
  CreditRequest iu;
  iu.sol_not = ByteAt(in, cred::kSolNot);
  iu.req_lim_delta = LoadBe32(in, cred::kReqLimDelta);
  iu.tag = LoadBe64(in, cred::kTag);
  return iu;
}

Result<size_t> EncodeCreditResponse(const CreditResponse& iu, std::span<std::byte> out) {
  return EncodeShort(Opcode::kCredRsp, 0, 0, iu.tag, kCredRspSize, out);
}
std::vector<std::byte> EncodeCreditResponse(const CreditResponse& iu) {
  return ToVector(iu, kCredRspSize, [](const CreditResponse& v, std::span<std::byte> o) {
    return EncodeCreditResponse(v, o);
  });
}
Result<CreditResponse> DecodeCreditResponse(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kCredRsp, kCredRspSize));
  return CreditResponse{LoadBe64(in, cred::kTag)};
}

Result<size_t> EncodeAerResponse(const AerResponse& iu, std::span<std::byte> out) {
  return EncodeShort(Opcode::kAerRsp, 0, 0, iu.tag, kAerRspSize, out);
}
std::vector<std::byte> EncodeAerResponse(const AerResponse& iu) {
  return ToVector(iu, kAerRspSize, [](const AerResponse& v, std::span<std::byte> o) {
    return EncodeAerResponse(v, o);
  });
}
Result<AerResponse> DecodeAerResponse(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kAerRsp, kAerRspSize));
  return AerResponse{LoadBe64(in, cred::kTag)};
}

Result<size_t> EncodeAerRequest(const AerRequestHeader& iu, std::span<const std::byte> sense,
                                std::span<std::byte> out) {
  if (sense.size() > UINT32_MAX - kAerReqHeaderSize) {
    return InvalidArgument("SRP_AER_REQ sense data too large");
  }
  const size_t size = kAerReqHeaderSize + sense.size();
  SRP_RETURN_IF_ERROR(PrepareOut(out, size, "SRP_AER_REQ"));
  PutByte(out, 0, static_cast<uint8_t>(Opcode::kAerReq));
  PutByte(out, aer::kSolNot, iu.sol_not);
  StoreBe32(out, aer::kReqLimDelta, iu.req_lim_delta);
  StoreBe64(out, aer::kTag, iu.tag);
  StoreBytes(out, aer::kLun, iu.lun);
  StoreBe32(out, aer::kSenseLen, static_cast<uint32_t>(sense.size()));
  std::copy(sense.begin(), sense.end(), out.begin() + kAerReqHeaderSize);
  return size;
}

std::vector<std::byte> EncodeAerRequest(const AerRequestHeader& iu,
                                        std::span<const std::byte> sense) {
  std::vector<std::byte> v(kAerReqHeaderSize + sense.size());
  (void)EncodeAerRequest(iu, sense, v);
  return v;
}

Result<AerRequestView> DecodeAerRequest(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kAerReq, kAerReqHeaderSize));
  AerRequestView view;
  view.header.sol_not = ByteAt(in, aer::kSolNot);
  view.header.req_lim_delta = LoadBe32(in, aer::kReqLimDelta);
  view.header.tag = LoadBe64(in, aer::kTag);
  view.header.lun = LoadBytes<kLunSize>(in, aer::kLun);
  const uint32_t sense_len = LoadBe32(in, aer::kSenseLen);
  if (!FitsIn(kAerReqHeaderSize, sense_len, 0, in.size())) {
    return ProtocolError(
        fmt::format("SRP_AER_REQ sense_data_len {} extends past the received IU ({} bytes)",
                    sense_len, in.size()));
  }
  view.sense = in.subspan(kAerReqHeaderSize, sense_len);
  return view;
}

// --- SRP_RSP ---

Result<size_t> EncodeRsp(const RspHeader& hdr, std::span<const std::byte> resp_data,
                         std::span<const std::byte> sense, uint32_t max_ti_iu_len,
                         std::span<std::byte> out) {
  if (!FitsIn(kRspHeaderSize, resp_data.size(), 0, max_ti_iu_len)) {
    return InvalidArgument(
        fmt::format("SRP_RSP header + {} bytes of response data exceed max_ti_iu_len {}",
                    resp_data.size(), max_ti_iu_len));
  }
  const size_t sense_room = max_ti_iu_len - kRspHeaderSize - resp_data.size();
  const size_t sense_len = std::min(sense.size(), sense_room);
  const size_t size = kRspHeaderSize + resp_data.size() + sense_len;
  SRP_RETURN_IF_ERROR(PrepareOut(out, size, "SRP_RSP"));
  uint8_t flags = hdr.flags & static_cast<uint8_t>(~(kRspValid | kSnsValid));
  if (!resp_data.empty()) flags |= kRspValid;
  if (sense_len > 0) flags |= kSnsValid;
  PutByte(out, 0, static_cast<uint8_t>(Opcode::kRsp));
  PutByte(out, rsp::kSolNot, hdr.sol_not);
  StoreBe32(out, rsp::kReqLimDelta, hdr.req_lim_delta);
  StoreBe64(out, rsp::kTag, hdr.tag);
  PutByte(out, rsp::kFlags, flags);
  PutByte(out, rsp::kStatus, hdr.status);
  StoreBe32(out, rsp::kDoResCnt, hdr.data_out_res_cnt);
  StoreBe32(out, rsp::kDiResCnt, hdr.data_in_res_cnt);
  StoreBe32(out, rsp::kSenseLen, static_cast<uint32_t>(sense_len));
  StoreBe32(out, rsp::kRespLen, static_cast<uint32_t>(resp_data.size()));
  auto it = std::copy(resp_data.begin(), resp_data.end(), out.begin() + kRspHeaderSize);
  std::copy_n(sense.begin(), sense_len, it);
  return size;
}

Result<std::vector<std::byte>> EncodeRsp(const RspHeader& hdr, std::span<const std::byte> resp_data,
                                         std::span<const std::byte> sense, uint32_t max_ti_iu_len) {
  const uint64_t wanted = uint64_t{kRspHeaderSize} + resp_data.size() + sense.size();
  std::vector<std::byte> v(static_cast<size_t>(std::min<uint64_t>(wanted, max_ti_iu_len)));
  SRP_ASSIGN_OR_RETURN(size_t n, EncodeRsp(hdr, resp_data, sense, max_ti_iu_len, v));
  v.resize(n);
  return v;
}

Result<size_t> EncodeTmfRsp(const RspHeader& hdr, TmfResponse code, uint32_t max_ti_iu_len,
                            std::span<std::byte> out) {
  std::array<std::byte, kTmfRspDataSize> data{};
  data[3] = static_cast<std::byte>(code);
  return EncodeRsp(hdr, data, {}, max_ti_iu_len, out);
}

Result<RspView> DecodeRsp(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckIu(in, Opcode::kRsp, kRspHeaderSize));
  RspView view;
  view.header.sol_not = ByteAt(in, rsp::kSolNot);
  view.header.req_lim_delta = LoadBe32(in, rsp::kReqLimDelta);
  view.header.tag = LoadBe64(in, rsp::kTag);
  view.header.flags = ByteAt(in, rsp::kFlags);
  view.header.status = ByteAt(in, rsp::kStatus);
  view.header.data_out_res_cnt = LoadBe32(in, rsp::kDoResCnt);
  view.header.data_in_res_cnt = LoadBe32(in, rsp::kDiResCnt);
  const uint32_t sense_len = LoadBe32(in, rsp::kSenseLen);
  const uint32_t resp_len = LoadBe32(in, rsp::kRespLen);
  if (!FitsIn(kRspHeaderSize, resp_len, sense_len, in.size())) {
    return ProtocolError(
        fmt::format("SRP_RSP resp_data_len {} + sense_data_len {} extend past the received "
                    "IU ({} bytes)",
                    resp_len, sense_len, in.size()));
  }
  view.resp_data = in.subspan(kRspHeaderSize, resp_len);
  view.sense = in.subspan(kRspHeaderSize + resp_len, sense_len);
  return view;
}

Result<TmfResponse> TmfResponseCode(const RspView& rsp) {
  if (!(rsp.header.flags & kRspValid) || rsp.resp_data.size() < kTmfRspDataSize) {
    return InvalidArgument("SRP_RSP carries no task-management response data");
  }
  return static_cast<TmfResponse>(rsp.resp_data[3]);
}

}  // namespace srp::wire
