// The target's login decision as a pure function (§1.2..§1.5, §2.1 of srp-reference.md):
// connect-request private data + policy + what the target already has -> a LOGIN_RSP to
// accept with, or a LOGIN_REJ reason. No fabric, no sessions: SrpPort feeds it and acts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lib/srp/login.h"

namespace srp::target {

struct LoginContext {
  wire::LoginTransport transport = wire::LoginTransport::kIbCm;
  wire::LoginPolicy policy;     // max_it_iu_len = srp_max_message_size, id_ext, ioc_guid
  bool accepting = true;        // false while the port is shutting down
  uint32_t ring_size = 64;      // initial credits
  bool immediate_data = true;   // target offers immediate data
  uint32_t total_channels = 0;  // channels over all sessions now
  uint32_t max_channels = 256;
  uint32_t nexus_channels = 0;  // live channels of this request's I_T nexus
};

struct LoginDecision {
  bool accepted = false;
  wire::LoginRequest request;       // valid when decoding succeeded
  wire::LoginResponse response;     // when accepted
  wire::LoginReject reject;         // when rejected
  std::string reason_text;          // for the log
  bool terminate_existing = false;  // SINGLE login: disconnect the nexus' other channels
  bool immediate_data = false;      // IMMED_SUPP granted
  uint32_t max_ti_iu_len = 0;       // = req_it_iu_len (echoed, as LIO/SCST)

  std::vector<std::byte> EncodePrivateData() const;
};

// Rules in order: undecodable/short private data -> UNABLE_ESTABLISH_CHANNEL; the checks of
// wire::ValidateLoginRequest (reserved multichannel action -> UNABLE_ESTABLISH_CHANNEL,
// req_it_iu_len < 64 or > max -> REQ_IT_IU_LENGTH_TOO_LARGE, no DIRECT/INDIRECT ->
// UNSUPPORTED_DESCRIPTOR_FMT, target_port_id -> UNABLE_ASSOCIATE_CHANNEL); not accepting or
// the channel limit reached -> INSUFFICIENT_RESOURCES. Accept: req_lim_delta = ring_size,
// max_it_iu_len = policy.max_it_iu_len, max_ti_iu_len = req_it_iu_len, buf_fmt 0x0006;
// SINGLE -> MULTICHAN_TERMINATED when the nexus had channels (else NO_CHAN), MULTI ->
// MULTICHAN_MAINTAINED; IMMED_SUPP when requested and wire::ImmediateDataAcceptable.
LoginDecision DecideLogin(std::span<const std::byte> private_data, const LoginContext& ctx);

}  // namespace srp::target
