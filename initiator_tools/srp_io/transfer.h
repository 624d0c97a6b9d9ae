// srp-io's data mover: a range of a LUN in `bs`-sized commands with up to `queue_depth` in
// flight, asynchronously through the initiator Session. BUSY / TASK SET FULL / UNIT
// ATTENTION are retried (bounded); the first other failure stops the transfer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>

#include "initiator_tools/initiator/session.h"
#include "lib/common/status.h"
#include "lib/scsi/lun.h"

namespace srp::srp_io {

struct TransferSpec {
  scsi::LunBytes lun{};
  bool write = false;
  uint64_t offset = 0;  // bytes, multiple of block_size
  uint64_t size = 0;    // bytes, multiple of block_size
  uint32_t bs = 1u << 20;
  uint32_t queue_depth = 8;
  uint32_t block_size = 512;
  std::chrono::milliseconds timeout{30000};
};

struct TransferStats {
  uint64_t bytes = 0;
  uint64_t commands = 0;
  uint64_t retries = 0;
  double seconds = 0;
};

// write: called to fill each chunk before it is sent; read: called with each chunk's data
// when it completed (in completion order). `offset` is the absolute LUN byte offset.
using ChunkFn = std::function<Status(uint64_t offset, std::span<std::byte> data)>;

Result<TransferStats> RunTransfer(initiator::Session& session, const TransferSpec& spec,
                                  const ChunkFn& chunk);

}  // namespace srp::srp_io
