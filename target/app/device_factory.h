// Opens one scst.conf DEVICE as a LogicalUnit, per handler (reference §8):
//   vdisk_nullio   size (bytes, default 1 TiB), blocksize, read_only
//   vdisk_memory   size (bytes, required), blocksize, read_only
//   vdisk_fileio   filename, blocksize, size, nv_cache, write_through, o_direct, read_only,
//                  thin_provisioned (pread/pwrite worker pool)
//   vdisk_blockio  filename, blocksize, nv_cache, write_through, read_only, thin_provisioned
//                  (libaio, O_DIRECT)
//   dev_disk       filename (/dev/sgN; CDBs pass through with SG_IO)
// Identity attributes of every handler, SCST's names: t10_vend_id, prod_id, prod_rev_lvl,
// usn, naa_id (hex), rotational (0 = non-rotating, reported in VPD 0xB1). Default vendor as
// SCST: SCST_FIO (nullio, fileio, memory), SCST_BIO (blockio).
//
// Errors name the DEVICE line ("<file>:<line>: device disk01: ...").
#pragma once

#include <memory>

#include "lib/common/status.h"
#include "target/config/config_model.h"
#include "target/scsi/logical_unit.h"

namespace srp::target {

// REQUIRES: the configuration passed CheckConfiguration.
Result<std::shared_ptr<LogicalUnit>> OpenConfiguredDevice(const config::Handler& handler,
                                                          const config::Device& device,
                                                          uint32_t queue_depth);

}  // namespace srp::target
