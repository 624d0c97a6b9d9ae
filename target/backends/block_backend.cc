#include "target/backends/block_backend.h"

#include <fmt/format.h>

#include <bit>
#include <limits>

namespace srp::target {

Status ValidateGeometry(uint32_t block_size, uint64_t num_blocks) {
  if (block_size < 512 || block_size > 65536 || !std::has_single_bit(block_size)) {
    return InvalidArgument(
        fmt::format("block size {} is not a power of two in [512, 65536]", block_size));
  }
  if (num_blocks == 0) return InvalidArgument("a device needs at least one block");
  if (num_blocks > std::numeric_limits<uint64_t>::max() / block_size) {
    return InvalidArgument(
        fmt::format("{} blocks of {} bytes overflow 64 bits", num_blocks, block_size));
  }
  return Status::Ok();
}

}  // namespace srp::target
