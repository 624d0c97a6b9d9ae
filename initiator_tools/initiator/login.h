// Builds the SRP_LOGIN_REQ private data for a session (64-byte IB CM form or 56-byte
// RDMA CM form, §1.2/§1.3) and interprets the connect reply (LOGIN_RSP §1.4 or
// LOGIN_REJ §1.5). Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "initiator_tools/initiator/session_options.h"
#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/srp/login.h"

namespace srp::initiator {

// What the login negotiated.
struct NegotiatedLogin {
  uint32_t req_lim = 0;         // initial credits (LOGIN_RSP req_lim_delta)
  uint32_t req_it_iu_len = 0;   // what we asked for
  uint32_t max_it_iu_len = 0;   // largest IU we may send: min(requested, target's maximum)
  uint32_t max_ti_iu_len = 0;   // size of each receive buffer
  bool immediate_data = false;  // we asked and the target set IMMED_SUPP
  uint8_t rsp_flags = 0;        // MULTICHAN_* and IMMED_SUPP bits as received
  uint16_t buf_fmt = 0;
};

// The login request a session sends. `local_port_guid` is the local port's GUID.
wire::LoginRequest BuildLoginRequest(const SessionOptions& options, uint64_t local_port_guid);

// The CM private data: 56-byte srp_login_req_rdma for RDMA CM (kIp destination), else the
// 64-byte SRP_LOGIN_REQ.
std::vector<std::byte> EncodeLoginPrivateData(const SessionOptions& options,
                                              const wire::LoginRequest& request);

// Interprets a connect reply. A reject becomes kRejected with the SRP reason's name and
// value in the message ("login rejected: REQ_IT_IU_LENGTH_TOO_LARGE (0x00010002)"); a
// malformed LOGIN_RSP becomes kProtocolError.
Result<NegotiatedLogin> InterpretLoginReply(const wire::LoginRequest& request, bool rejected,
                                            std::span<const std::byte> private_data);

// The SRP_LOGIN_REJ reason of a kRejected Status made by InterpretLoginReply; nullopt for
// any other Status (including a reject without an SRP_LOGIN_REJ).
std::optional<wire::LoginRejectReason> LoginRejectReasonOf(const Status& status);
// True for a login reject that retrying cannot heal: the target does not know the target
// port id (UNABLE_ASSOCIATE_CHANNEL: wrong id_ext/ioc_guid), refuses our IU size or buffer
// formats, or multichannel. Not for INSUFFICIENT_RESOURCES / UNABLE_ESTABLISH_CHANNEL /
// CHANNEL_LIMIT_REACHED (a target starting up, full, or disabled for now).
bool RejectCannotHeal(const Status& status);

}  // namespace srp::initiator
