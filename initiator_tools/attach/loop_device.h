// Loop devices over srp-attach's FUSE file: attach with the LUN's logical block size and
// direct I/O when the kernel accepts it (LOOP_CONFIGURE), detach (LOOP_CLR_FD), and an
// in-use check (an O_EXCL open fails while the device is mounted or held).
#pragma once

#include <cstdint>
#include <string>

#include "lib/common/status.h"

namespace srp::attach {

struct LoopDevice {
  std::string path;  // "/dev/loop3"
  bool direct_io = false;
};

// Binds `file` to a free loop device. Retries with another device when one is taken by a
// concurrent user, and without direct I/O when the kernel refuses it.
Result<LoopDevice> AttachLoop(const std::string& file, uint32_t block_size);
// Flushes the device's buffers (when `flush`) and detaches it. The caller checked
// LoopInUse: a device still held elsewhere would only detach on its last close.
Status DetachLoop(const std::string& device, bool flush = true);
// True while someone else has the device open exclusively (a mounted filesystem, etc.).
bool LoopInUse(const std::string& device);

}  // namespace srp::attach
