// Maps a failed BlockBackend Status to the SCSI outcome the initiator sees (SCST vdisk style).
//
//   EIO, ENODATA, EILSEQ  -> MEDIUM ERROR / UNRECOVERED READ ERROR (read) or WRITE ERROR (write)
//   ENOSPC, EDQUOT        -> DATA PROTECT / SPACE ALLOCATION FAILED WRITE PROTECT (27/07)
//   EROFS, EPERM, EACCES  -> DATA PROTECT / WRITE PROTECTED (27/00)
//   ENOMEM, EAGAIN, EBUSY -> BUSY status, no sense (the initiator retries)
//   EOPNOTSUPP or kNotSupported -> ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE
//   anything else         -> HARDWARE ERROR / INTERNAL TARGET FAILURE (44/00)
// A Status without errno is mapped by its code (kIoError as EIO, kResourceExhausted as ENOMEM,
// kPermissionDenied as EROFS).
#pragma once

#include <optional>

#include "lib/common/status.h"
#include "lib/scsi/constants.h"
#include "lib/scsi/sense.h"

namespace srp::target {

enum class IoKind : uint8_t { kRead, kWrite, kFlush, kUnmap };

struct BackendErrorOutcome {
  scsi::ScsiStatus status = scsi::ScsiStatus::kCheckCondition;
  std::optional<scsi::SenseReason> sense;  // present iff status is CHECK CONDITION
};

// REQUIRES: !status.ok().
BackendErrorOutcome MapBackendError(const Status& status, IoKind kind);

}  // namespace srp::target
