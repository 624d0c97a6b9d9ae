// The umad backend of the MAD seam: a MadPort on one HCA port's GSI through
// libibumad (/dev/infiniband/umadN). Thin: every libibumad call goes through
// UmadApi (umad_api.h) and is unit-tested against a mock; it cannot run on a
// machine without umad devices.
//
// Agents registered at open:
//   SA client  class 0x03 version 2, RMPP version 1 (GetTable answers arrive
//              reassembled, as one long Mad);
//   DM         class 0x06 version 1: a client agent, or with `serve_dm` an agent
//              for GET and SET requests (the target's DmAgent). Registering the
//              DM class for requests fails (EINVAL) while a kernel agent such as
//              ib_srpt owns it.
// Send picks the agent by the MAD's class (kInvalidArgument for another one).
// Requests are sent with a kernel timeout of `request_timeout` and no kernel
// retries (MadPort::Request retries): the kernel delivers a response only to
// a request still outstanding. A send the kernel timed out comes back from
// umad_recv with a non-zero status; it is dropped (the requester times out).
// TIDs: the kernel replaces the upper 32 bits of a request's TID with its
// agent's id; responses are given back their original TID (matched on the
// low 32 bits among the last kTidMemory requests) so TID matching works.
// Addresses: LID, QPN, Q_Key and the P_Key index are passed through; no GRH.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "lib/common/status.h"
#include "lib/mad/mad_port.h"

namespace srp::mad::umad {

class UmadApi;

struct UmadPortOptions {
  bool serve_dm = false;
  std::chrono::milliseconds request_timeout{5000};
};

inline constexpr size_t kTidMemory = 256;

// Opens `ca_name` ("" = libibumad's default CA) port `port_num` (0 = the
// first active port of that CA, libibumad's rule).
Result<std::unique_ptr<MadPort>> OpenUmadMadPort(const std::string& ca_name, int port_num,
                                                 const UmadPortOptions& options = {});
// The same on an explicit call layer (tests). `api` must outlive the port.
Result<std::unique_ptr<MadPort>> OpenUmadMadPort(UmadApi& api, const std::string& ca_name,
                                                 int port_num, const UmadPortOptions& options = {});

}  // namespace srp::mad::umad
