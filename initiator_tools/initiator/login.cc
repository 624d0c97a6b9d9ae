#include "initiator_tools/initiator/login.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace srp::initiator {

wire::LoginRequest BuildLoginRequest(const SessionOptions& options, uint64_t local_port_guid) {
  wire::LoginRequest req;
  req.tag = 0;
  req.req_it_iu_len = ComputeReqItIuLen(options);
  req.req_buf_fmt = wire::kBufFmtDirect | wire::kBufFmtIndirect;
  req.req_flags = options.multichannel & wire::kReqFlagMultiChanMask;
  if (options.use_imm_data) {
    req.req_flags |= wire::kReqFlagImmedRequested;
    req.imm_data_offset = kImmDataOffset;
  }
  req.initiator_port_id =
      wire::MakeInitiatorPortId(options.initiator_ext, local_port_guid, options.io_class);
  req.target_port_id = wire::MakeTargetPortId(options.id_ext, options.ioc_guid, options.io_class);
  return req;
}

std::vector<std::byte> EncodeLoginPrivateData(const SessionOptions& options,
                                              const wire::LoginRequest& request) {
  return options.uses_rdma_cm() ? wire::EncodeLoginRequestRdma(request)
                                : wire::EncodeLoginRequest(request);
}

Result<NegotiatedLogin> InterpretLoginReply(const wire::LoginRequest& request, bool rejected,
                                            std::span<const std::byte> private_data) {
  if (rejected) {
    auto rej = wire::DecodeLoginReject(private_data);
    if (!rej.ok()) {
      return Status(StatusCode::kRejected,
                    fmt::format("login rejected without an SRP_LOGIN_REJ ({} bytes of private "
                                "data)",
                                private_data.size()));
    }
    return Status(StatusCode::kRejected, fmt::format("login rejected: {} (0x{:08x})",
                                                     wire::LoginRejectReasonName(rej->reason),
                                                     static_cast<uint32_t>(rej->reason)));
  }
  auto rsp = wire::DecodeLoginResponse(private_data);
  if (!rsp.ok()) return ProtocolError("bad SRP_LOGIN_RSP: " + rsp.status().message());
  if (rsp->req_lim_delta == 0) return ProtocolError("SRP_LOGIN_RSP grants no credits");
  if (rsp->max_ti_iu_len < wire::kRspHeaderSize) {
    return ProtocolError(fmt::format("SRP_LOGIN_RSP max_ti_iu_len {} is below the SRP_RSP size",
                                     rsp->max_ti_iu_len));
  }
  NegotiatedLogin n;
  n.req_lim = rsp->req_lim_delta;
  n.req_it_iu_len = request.req_it_iu_len;
  n.max_it_iu_len = std::min(request.req_it_iu_len, rsp->max_it_iu_len);
  n.max_ti_iu_len = rsp->max_ti_iu_len;
  n.immediate_data = (request.req_flags & wire::kReqFlagImmedRequested) != 0 &&
                     (rsp->rsp_flags & wire::kRspFlagImmedSupported) != 0;
  n.rsp_flags = rsp->rsp_flags;
  n.buf_fmt = rsp->buf_fmt;
  return n;
}

std::optional<wire::LoginRejectReason> LoginRejectReasonOf(const Status& status) {
  if (status.code() != StatusCode::kRejected) return std::nullopt;
  // InterpretLoginReply's message ends in "(0x<8 hex digits>)".
  const std::string& m = status.message();
  const size_t open = m.rfind("(0x");
  if (open == std::string::npos || m.size() < open + 12 || m[open + 11] != ')') {
    return std::nullopt;
  }
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(m.data() + open + 3, m.data() + open + 11, value, 16);
  if (ec != std::errc() || end != m.data() + open + 11) return std::nullopt;
  return static_cast<wire::LoginRejectReason>(value);
}

bool RejectCannotHeal(const Status& status) {
  auto reason = LoginRejectReasonOf(status);
  if (!reason) return false;
  switch (*reason) {
    case wire::LoginRejectReason::kReqItIuLengthTooLarge:
    case wire::LoginRejectReason::kUnableAssociateChannel:
    case wire::LoginRejectReason::kUnsupportedDescriptorFmt:
    case wire::LoginRejectReason::kMultiChannelUnsupported:
      return true;
    default:
      return false;
  }
}

}  // namespace srp::initiator
