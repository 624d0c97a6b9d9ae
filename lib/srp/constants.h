// SRP wire constants: opcodes, sizes, flag bits, reject reasons, TMF codes.
//
// Every value cites the table of docs/srp-reference.md (SRP r16a / include/scsi/srp.h)
// it comes from. All multi-byte fields on the wire are big-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace srp::wire {

// §1.1: byte 0 of every IU.
enum class Opcode : uint8_t {
  kLoginReq = 0x00,  // I->T, only inside CM REQ private data
  kTskMgmt = 0x01,   // I->T
  kCmd = 0x02,       // I->T
  kILogout = 0x03,   // I->T
  kCredRsp = 0x41,   // I->T
  kAerRsp = 0x42,    // I->T
  kTLogout = 0x80,   // T->I
  kCredReq = 0x81,   // T->I
  kAerReq = 0x82,    // T->I
  kLoginRsp = 0xC0,  // T->I, CM REP private data
  kRsp = 0xC1,       // T->I
  kLoginRej = 0xC2,  // T->I, CM REJ private data
};

// True for the twelve opcodes of §1.1.
bool IsKnownOpcode(uint8_t opcode);
// True for opcodes an initiator sends (0x00..0x03, 0x41, 0x42). REQUIRES: known opcode.
bool IsInitiatorToTarget(Opcode opcode);
// "SRP_CMD", ... ; "SRP_UNKNOWN" for values outside §1.1.
std::string_view OpcodeName(Opcode opcode);

// Fixed sizes (§1.1 .. §1.10).
inline constexpr size_t kLoginReqSize = 64;        // §1.2
inline constexpr size_t kLoginReqRdmaSize = 56;    // §1.3
inline constexpr size_t kLoginRspSize = 52;        // §1.4
inline constexpr size_t kLoginRejSize = 32;        // §1.5
inline constexpr size_t kILogoutSize = 16;         // §1.6
inline constexpr size_t kTLogoutSize = 16;         // §1.6
inline constexpr size_t kTskMgmtSize = 48;         // §1.7
inline constexpr size_t kCmdHeaderSize = 48;       // §1.8
inline constexpr size_t kRspHeaderSize = 36;       // §1.9
inline constexpr size_t kCredReqSize = 16;         // §1.10
inline constexpr size_t kCredRspSize = 16;         // §1.10
inline constexpr size_t kAerReqHeaderSize = 36;    // §1.10
inline constexpr size_t kAerRspSize = 16;          // §1.10
inline constexpr size_t kDirectDescSize = 16;      // §1.8 direct descriptor
inline constexpr size_t kIndirectHeaderSize = 20;  // §1.8 indirect header before desc_list
inline constexpr size_t kImmBufHeaderSize = 4;     // §1.8 srp_imm_buf {be32 len}
inline constexpr size_t kTagSize = 8;
inline constexpr size_t kLunSize = 8;
inline constexpr size_t kPortIdSize = 16;
inline constexpr size_t kCdbSize = 16;        // CDB field inside the SRP_CMD header
inline constexpr size_t kTmfRspDataSize = 4;  // §1.7: TMF response data, code in data[3]

// Smallest useful req_it_iu_len (§1.5, REQ_IT_IU_LENGTH_TOO_LARGE when below).
inline constexpr uint32_t kMinItIuLen = 64;

// §1.2 req_buf_fmt / §1.4 buf_fmt bitmask.
inline constexpr uint16_t kBufFmtDirect = 0x0002;
inline constexpr uint16_t kBufFmtIndirect = 0x0004;

// §1.8: per-nibble SRP_CMD buf_fmt codes (high nibble DATA-OUT, low nibble DATA-IN).
enum class DataFormat : uint8_t {
  kNone = 0,
  kDirect = 1,
  kIndirect = 2,
  kImmediate = 3,  // SRP2, DATA-OUT only
};

// §1.11 login req_flags.
inline constexpr uint8_t kReqFlagMultiChanMask = 0x03;
inline constexpr uint8_t kMultiChanSingle = 0x00;
inline constexpr uint8_t kMultiChanMulti = 0x01;
inline constexpr uint8_t kReqFlagLoSolNt = 0x10;
inline constexpr uint8_t kReqFlagCrSolNt = 0x20;
inline constexpr uint8_t kReqFlagAeSolNt = 0x40;
inline constexpr uint8_t kReqFlagImmedRequested = 0x80;

// §1.4 login rsp_flags.
inline constexpr uint8_t kRspFlagNoChan = 0x00;
inline constexpr uint8_t kRspFlagMultiChanTerminated = 0x01;
inline constexpr uint8_t kRspFlagMultiChanMaintained = 0x02;
inline constexpr uint8_t kRspFlagImmedSupported = 0x80;

// §1.11 sol_not bits.
inline constexpr uint8_t kSolNt = 0x01;    // SRP_RSP / T_LOGOUT / CRED_REQ / AER_REQ
inline constexpr uint8_t kScSolNt = 0x02;  // SRP_CMD / TSK_MGMT
inline constexpr uint8_t kUcSolNt = 0x04;  // SRP_CMD / TSK_MGMT

// §1.5 SRP_LOGIN_REJ reasons.
enum class LoginRejectReason : uint32_t {
  kUnableEstablishChannel = 0x00010000,
  kInsufficientResources = 0x00010001,
  kReqItIuLengthTooLarge = 0x00010002,
  kUnableAssociateChannel = 0x00010003,
  kUnsupportedDescriptorFmt = 0x00010004,
  kMultiChannelUnsupported = 0x00010005,
  kChannelLimitReached = 0x00010006,
};
std::string_view LoginRejectReasonName(LoginRejectReason reason);

// §1.7 task management functions.
enum class TmfFunction : uint8_t {
  kAbortTask = 0x01,
  kAbortTaskSet = 0x02,
  kClearTaskSet = 0x04,
  kLogicalUnitReset = 0x08,
  kClearAca = 0x40,
};

// §1.7 TMF response codes carried in SRP_RSP response data[3].
enum class TmfResponse : uint8_t {
  kComplete = 0x00,
  kNotSupported = 0x04,
  kFailed = 0x05,
};

// §1.9 SRP_RSP flags.
inline constexpr uint8_t kRspValid = 0x01;
inline constexpr uint8_t kSnsValid = 0x02;
inline constexpr uint8_t kDoOver = 0x04;
inline constexpr uint8_t kDoUnder = 0x08;
inline constexpr uint8_t kDiOver = 0x10;
inline constexpr uint8_t kDiUnder = 0x20;

// §1.8 SRP_CMD task_attr.
enum class TaskAttr : uint8_t {
  kSimple = 0,
  kHeadOfQueue = 1,
  kOrdered = 2,
  kAca = 4,
};

// §1.11 / §2.1 IOC io_class: selects the port-identifier layout.
enum class IoClass : uint16_t {
  kSrpRev16a = 0x0100,  // id_ext || ioc_guid
  kSrpRev10 = 0xFF00,   // ioc_guid || id_ext (halves swapped)
};

// Largest value a single descriptor length may have (§1.8; len is a u32 but
// anything above 2^31 is rejected as nonsensical, see test-scenarios "Bad input").
inline constexpr uint32_t kMaxDescriptorLen = 0x80000000u;

}  // namespace srp::wire
