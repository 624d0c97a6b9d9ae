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

  // Access control, resolved by the caller for this login's own identity (access_control.h).
  bool target_enabled = true;  // false: the TARGET is disabled (enabled 0)
  std::string login_group;     // the group this login resolves to ("" = default LUNs)
  // The group of the session this login names (its I_T nexus); nullopt = a new nexus.
  std::optional<std::string> session_group;
  // Per-initiator channel limit. The initiator is the fabric-reported source (GID for IB CM,
  // address for RDMA CM), not the port id a client may vary at will.
  uint32_t initiator_channels = 0;        // live channels from this login's source
  uint32_t initiator_nexus_channels = 0;  // of those, the ones in this request's nexus
  uint32_t max_channels_per_initiator = 8;
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
// the target disabled -> INSUFFICIENT_RESOURCES (as ib_srpt does for a disabled port); a
// login naming a session whose group differs from its own -> UNABLE_ASSOCIATE_CHANNEL (it
// never terminates that session); the initiator's channels (not counting those of this nexus
// a SINGLE login ends) at max_channels_per_initiator -> CHANNEL_LIMIT_REACHED; the target's
// channels at max_channels -> INSUFFICIENT_RESOURCES. Accept: req_lim_delta = ring_size,
// max_it_iu_len = policy.max_it_iu_len, max_ti_iu_len = req_it_iu_len, buf_fmt 0x0006;
// SINGLE -> MULTICHAN_TERMINATED when the nexus had channels (else NO_CHAN), MULTI ->
// MULTICHAN_MAINTAINED; IMMED_SUPP when requested and wire::ImmediateDataAcceptable.
LoginDecision DecideLogin(std::span<const std::byte> private_data, const LoginContext& ctx);

}  // namespace srp::target
