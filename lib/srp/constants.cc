#include "lib/srp/constants.h"

namespace srp::wire {

bool IsKnownOpcode(uint8_t opcode) {
  switch (opcode) {
    case 0x00:
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x41:
    case 0x42:
    case 0x80:
    case 0x81:
    case 0x82:
    case 0xC0:
    case 0xC1:
    case 0xC2:
      return true;
    default:
      return false;
  }
}

bool IsInitiatorToTarget(Opcode opcode) {
  // §1.1: initiator-to-target IUs have bit 7 clear.
  return (static_cast<uint8_t>(opcode) & 0x80) == 0;
}

std::string_view OpcodeName(Opcode opcode) {
  switch (opcode) {
    case Opcode::kLoginReq:
      return "SRP_LOGIN_REQ";
    case Opcode::kTskMgmt:
      return "SRP_TSK_MGMT";
    case Opcode::kCmd:
      return "SRP_CMD";
    case Opcode::kILogout:
      return "SRP_I_LOGOUT";
    case Opcode::kCredRsp:
      return "SRP_CRED_RSP";
    case Opcode::kAerRsp:
      return "SRP_AER_RSP";
    case Opcode::kTLogout:
      return "SRP_T_LOGOUT";
    case Opcode::kCredReq:
      return "SRP_CRED_REQ";
    case Opcode::kAerReq:
      return "SRP_AER_REQ";
    case Opcode::kLoginRsp:
      return "SRP_LOGIN_RSP";
    case Opcode::kRsp:
      return "SRP_RSP";
    case Opcode::kLoginRej:
      return "SRP_LOGIN_REJ";
  }
  return "SRP_UNKNOWN";
}

std::string_view LoginRejectReasonName(LoginRejectReason reason) {
  switch (reason) {
    case LoginRejectReason::kUnableEstablishChannel:
      return "UNABLE_ESTABLISH_CHANNEL";
    case LoginRejectReason::kInsufficientResources:
      return "INSUFFICIENT_RESOURCES";
    case LoginRejectReason::kReqItIuLengthTooLarge:
      return "REQ_IT_IU_LENGTH_TOO_LARGE";
    case LoginRejectReason::kUnableAssociateChannel:
      return "UNABLE_ASSOCIATE_CHANNEL";
    case LoginRejectReason::kUnsupportedDescriptorFmt:
      return "UNSUPPORTED_DESCRIPTOR_FMT";
    case LoginRejectReason::kMultiChannelUnsupported:
      return "MULTI_CHANNEL_UNSUPPORTED";
    case LoginRejectReason::kChannelLimitReached:
      return "CHANNEL_LIMIT_REACHED";
  }
  return "UNKNOWN_REJECT_REASON";
}

}  // namespace srp::wire
