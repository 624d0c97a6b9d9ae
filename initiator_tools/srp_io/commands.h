// srp-io's commands over a logged-in session. Each prints its result (text or JSON on
// stdout) and returns an exit code (cli_options.h).
#pragma once

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/srp_io/cli_options.h"

namespace srp::srp_io {

// luns: REPORT LUNS, then INQUIRY and READ CAPACITY per LUN, as a table.
int RunLuns(initiator::Session& session, const IoOptions& options);
// inquiry: standard INQUIRY fields (+ VPD 0x80 serial when offered).
int RunInquiry(initiator::Session& session, const IoOptions& options);
// readcap: blocks, block size, bytes.
int RunReadcap(initiator::Session& session, const IoOptions& options);
// read / write / verify (data_commands.cc).
int RunRead(initiator::Session& session, const IoOptions& options);
int RunWrite(initiator::Session& session, const IoOptions& options);
int RunVerify(initiator::Session& session, const IoOptions& options);

// Prints `status` as "srp-io: <message>" on stderr (or {"error": ...} on stdout with
// --json) and returns its exit code.
int ReportError(const IoOptions& options, const Status& status);

}  // namespace srp::srp_io
