// dev_disk: SCSI pass-through to a Linux SCSI generic device (/dev/sgN) with the SG_IO ioctl
// and the sg v3 header (sg_io_hdr_t), like SCST's scst_disk.
//
// Execute sends the task's CDB with its direction, buffer and expected_length and copies the
// device's answer to the task unchanged: SCSI status, sense bytes (up to kMaxSenseLength), and
// the residual (data_length = expected - resid). A failure of the pass-through itself is not a
// device answer: ioctl errors EAGAIN/ENOMEM/EBUSY and host errors that mean "try again" become
// BUSY; other ioctl errors, driver errors and host errors (including a timeout) become CHECK
// CONDITION / HARDWARE ERROR / INTERNAL TARGET FAILURE. Never crashes on a device's answer.
//
// Library: srp_target_sg (depends on srp_target_scsi).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lib/common/status.h"
#include "target/scsi/passthrough.h"

namespace srp::target {

// The system-call seam of the pass-through: tests supply a fake device.
// Contract: each method returns the call's result or -errno (never relies on errno).
class SgIoApi {
 public:
  virtual ~SgIoApi() = default;
  // A file descriptor (>= 0) or -errno.
  virtual int Open(const std::string& path, int flags) = 0;
  // 0 or -errno. `arg` is a sg_io_hdr_t* for SG_IO.
  virtual int Ioctl(int fd, unsigned long request, void* arg) = 0;
  virtual void Close(int fd) = 0;
};

// open(2)/ioctl(2)/close(2).
std::shared_ptr<SgIoApi> RealSgIoApi();

// Per-command timeout used for SG_IO (sg_io_hdr_t::timeout), in milliseconds.
inline constexpr uint32_t kSgIoTimeoutMs = 60000;

// Opens `path` read-write (O_NONBLOCK is not used: SG_IO blocks), checks that it answers
// SG_GET_VERSION_NUM with a v3 driver (>= 30000), and reads the capacity with READ
// CAPACITY(16) (falling back to READ CAPACITY(10) when the device rejects 16). Errors:
// kNotFound/kPermissionDenied/kIoError from open, kNotSupported when the node is not an sg
// device, kIoError when READ CAPACITY fails (the message carries the sense key/ASC/ASCQ).
Result<std::shared_ptr<PassThroughDevice>> OpenSgPassThrough(const std::string& path);
Result<std::shared_ptr<PassThroughDevice>> OpenSgPassThrough(const std::string& path,
                                                             std::shared_ptr<SgIoApi> api);

}  // namespace srp::target
