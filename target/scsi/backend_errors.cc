#include "target/scsi/backend_errors.h"

#include <cerrno>

namespace srp::target {
namespace {

int EffectiveErrno(const Status& status) {
  if (status.sys_errno() != 0) return status.sys_errno();
  switch (status.code()) {
    case StatusCode::kIoError:
      return EIO;
    case StatusCode::kResourceExhausted:
      return ENOMEM;
    case StatusCode::kPermissionDenied:
      return EROFS;
    case StatusCode::kNotSupported:
      return EOPNOTSUPP;
    default:
      return 0;
  }
}

BackendErrorOutcome Check(scsi::SenseKey key, scsi::Asc asc) {
  return {scsi::ScsiStatus::kCheckCondition, scsi::SenseReason{key, asc, std::nullopt}};
}

}  // namespace

BackendErrorOutcome MapBackendError(const Status& status, IoKind kind) {
  using scsi::SenseKey;
  switch (EffectiveErrno(status)) {
    case EIO:
    case ENODATA:
    case EILSEQ:
      return Check(SenseKey::kMediumError,
                   kind == IoKind::kRead ? scsi::kAscUnrecoveredReadError : scsi::kAscWriteError);
    case ENOSPC:
    case EDQUOT:
      return Check(SenseKey::kDataProtect, scsi::kAscSpaceAllocationFailedWriteProtect);
    case EROFS:
    case EPERM:
    case EACCES:
      return Check(SenseKey::kDataProtect, scsi::kAscWriteProtected);
    case ENOMEM:
    case EAGAIN:
    case EBUSY:
      return {scsi::ScsiStatus::kBusy, std::nullopt};
    case EOPNOTSUPP:
      return Check(SenseKey::kIllegalRequest, scsi::kAscInvalidCommandOperationCode);
    default:
      return Check(SenseKey::kHardwareError, scsi::kAscInternalTargetFailure);
  }
}

}  // namespace srp::target
