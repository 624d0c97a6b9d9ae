// PassThroughDevice: a device that executes CDBs itself instead of through the opcode table
// (SCST dev_disk / scst_disk: CDBs go to a /dev/sgN with SG_IO). The backend is the one place
// a CDB reaches a device; every BlockBackend-based unit emulates SPC/SBC in the core instead.
//
// Contract: Execute runs the CDB of `task` with its direction, buffer and expected_length and
// sets status, sense, data_length and residual exactly as the device answered (a transport
// failure of the pass-through itself becomes HARDWARE ERROR / INTERNAL TARGET FAILURE or BUSY,
// never a crash). Synchronous; may be called concurrently from several threads.
#pragma once

#include <cstdint>
#include <string>

#include "target/scsi/scsi_task.h"

namespace srp::target {

class PassThroughDevice {
 public:
  virtual ~PassThroughDevice() = default;
  virtual void Execute(ScsiTask& task) = 0;
  // Capacity as the device reported it at open (READ CAPACITY), for listings.
  virtual uint32_t block_size() const = 0;
  virtual uint64_t num_blocks() const = 0;
  // The device path, e.g. "/dev/sg3".
  virtual const std::string& path() const = 0;
};

}  // namespace srp::target
