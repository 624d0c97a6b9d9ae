// srp-login --userspace: log in with the user-space initiator, scan the LUNs
// (REPORT LUNS, then INQUIRY and, for disks, READ CAPACITY per LUN) and format
// lsscsi-style lines:
//   [H:C:T:L]    disk    VENDOR   PRODUCT          REV   -        SIZE
// H = the session's index (0, 1, ... in input order), C = T = 0, L = the LUN;
// "-" stands where lsscsi prints the device node (there is none); SIZE as
// lsscsi -s prints it (decimal units, 3 significant digits), "-" for non-disks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "initiator_tools/initiator/session.h"
#include "lib/common/status.h"
#include "lib/scsi/responses.h"

namespace srp::login {

// lsscsi's short peripheral device type names ("disk", "tape", "cd/dvd", ...).
std::string LsscsiTypeName(uint8_t device_type);
// 67108864 -> "67.1MB", 999 -> "999B".
std::string LsscsiSize(uint64_t bytes);
std::string FormatLsscsiLine(int host, uint64_t lun, const scsi::StandardInquiry& inquiry,
                             std::optional<uint64_t> bytes);

// The lines of every LUN the session reports, in REPORT LUNS order.
Result<std::vector<std::string>> ScanLuns(initiator::Session& session, int host);

}  // namespace srp::login
