#include "target/backends/null_backend.h"

#include <algorithm>
#include <cerrno>

namespace srp::target {

Result<std::unique_ptr<NullBackend>> NullBackend::Create(const NullBackendOptions& options) {
  SRP_RETURN_IF_ERROR(ValidateGeometry(options.block_size, options.num_blocks));
  return std::unique_ptr<NullBackend>(new NullBackend(options));
}

Status NullBackend::Read(uint64_t, uint32_t, std::span<std::byte> data) {
  std::fill(data.begin(), data.end(), static_cast<std::byte>(options_.fill_byte));
  return Status::Ok();
}

Status NullBackend::Write(uint64_t, uint32_t, std::span<const std::byte>, bool) {
  if (options_.read_only) return Status::FromErrno(EROFS, "nullio write");
  return Status::Ok();
}

}  // namespace srp::target
