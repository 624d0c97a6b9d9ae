#include "target/engine/login_decision.h"

#include <fmt/format.h>

#include "target/engine/access_control.h"

namespace srp::target {

using wire::LoginRejectReason;

std::vector<std::byte> LoginDecision::EncodePrivateData() const {
  return accepted ? wire::EncodeLoginResponse(response) : wire::EncodeLoginReject(reject);
}

LoginDecision DecideLogin(std::span<const std::byte> private_data, const LoginContext& ctx) {
  LoginDecision d;
  d.reject.buf_fmt = wire::kBufFmtDirect | wire::kBufFmtIndirect;
  auto reject = [&d](LoginRejectReason reason, std::string text) {
    d.accepted = false;
    d.reject.reason = reason;
    d.reason_text = std::move(text);
    return d;
  };
  auto req = wire::DecodeLoginPrivateData(private_data, ctx.transport);
  if (!req.ok()) {
    return reject(LoginRejectReason::kUnableEstablishChannel,
                  fmt::format("undecodable login private data ({} bytes): {}", private_data.size(),
                              req.status().message()));
  }
  d.request = *req;
  d.reject.tag = req->tag;
  if (auto why = wire::ValidateLoginRequest(*req, ctx.policy)) {
    return reject(why->reason, why->message);
  }
  if (!ctx.accepting) return reject(LoginRejectReason::kInsufficientResources, "port disabled");
  if (!ctx.target_enabled) {
    return reject(LoginRejectReason::kInsufficientResources, "target disabled (enabled 0)");
  }
  if (ctx.session_group && *ctx.session_group != ctx.login_group) {
    return reject(LoginRejectReason::kUnableAssociateChannel,
                  fmt::format("the initiator resolves to {} but the session it names is in {}",
                              DescribeGroup(ctx.login_group), DescribeGroup(*ctx.session_group)));
  }
  const bool single = req->multichannel_action() == wire::kMultiChanSingle;
  const uint32_t kept = single && ctx.initiator_channels >= ctx.initiator_nexus_channels
                            ? ctx.initiator_channels - ctx.initiator_nexus_channels
                            : ctx.initiator_channels;
  if (kept >= ctx.max_channels_per_initiator) {
    return reject(
        LoginRejectReason::kChannelLimitReached,
        fmt::format("initiator channel limit {} reached", ctx.max_channels_per_initiator));
  }
  if (ctx.total_channels >= ctx.max_channels) {
    return reject(LoginRejectReason::kInsufficientResources,
                  fmt::format("channel limit {} reached", ctx.max_channels));
  }
  d.accepted = true;
  d.max_ti_iu_len = req->req_it_iu_len;
  d.response.tag = req->tag;
  d.response.req_lim_delta = ctx.ring_size;
  d.response.max_it_iu_len = ctx.policy.max_it_iu_len;
  d.response.max_ti_iu_len = req->req_it_iu_len;
  d.response.buf_fmt = wire::kBufFmtDirect | wire::kBufFmtIndirect;
  if (single) {
    d.terminate_existing = ctx.nexus_channels > 0;
    d.response.rsp_flags =
        d.terminate_existing ? wire::kRspFlagMultiChanTerminated : wire::kRspFlagNoChan;
  } else {
    d.response.rsp_flags = wire::kRspFlagMultiChanMaintained;
  }
  if (ctx.immediate_data && (req->req_flags & wire::kReqFlagImmedRequested) != 0 &&
      wire::ImmediateDataAcceptable(*req, ctx.policy.max_it_iu_len)) {
    d.immediate_data = true;
    d.response.rsp_flags |= wire::kRspFlagImmedSupported;
  }
  return d;
}

}  // namespace srp::target
