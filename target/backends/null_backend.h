// NullBackend: SCST vdisk_nullio. Reads return a fixed byte (zero by default), writes are
// discarded, flush and unmap succeed. The cheapest possible device for measuring the transport.
#pragma once

#include <cstdint>
#include <memory>

#include "target/backends/block_backend.h"

namespace srp::target {

struct NullBackendOptions {
  uint32_t block_size = 512;
  // Default 1 TiB: large enough for realistic tools, its last LBA (2^31 - 1) still fits
  // READ CAPACITY(10). Set more to exercise READ CAPACITY(16).
  uint64_t num_blocks = (uint64_t{1} << 40) / 512;
  uint8_t fill_byte = 0;  // every byte a read returns
  bool read_only = false;
};

class NullBackend final : public BlockBackend {
 public:
  // Fails with kInvalidArgument on a bad geometry (see ValidateGeometry).
  static Result<std::unique_ptr<NullBackend>> Create(const NullBackendOptions& options = {});

  uint32_t block_size() const override { return options_.block_size; }
  uint64_t num_blocks() const override { return options_.num_blocks; }
  bool read_only() const override { return options_.read_only; }
  Status Read(uint64_t lba, uint32_t blocks, std::span<std::byte> data) override;
  Status Write(uint64_t lba, uint32_t blocks, std::span<const std::byte> data, bool fua) override;
  Status Flush() override { return Status::Ok(); }
  // No storage to free: unmap is a successful no-op (reads keep returning fill_byte).
  Status Unmap(uint64_t, uint64_t) override { return Status::Ok(); }
  bool supports_unmap() const override { return true; }

 private:
  explicit NullBackend(const NullBackendOptions& options) : options_(options) {}
  NullBackendOptions options_;
};

}  // namespace srp::target
