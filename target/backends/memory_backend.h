// MemoryBackend: a writable RAM disk. Storage is allocated lazily in fixed-size chunks on first
// write, so a large sparse LUN costs one pointer per chunk until it is written; never-written
// and unmapped ranges read as zeros.
//
// Thread safety: each chunk has its own reader/writer lock; Read takes it shared, Write and
// Unmap exclusive. Concurrent I/O to distinct chunks never contends; I/O spanning chunks is
// atomic per chunk only (fine for SCSI SIMPLE tasks). Chunk objects are published with a
// compare-and-swap and live until the backend is destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>

#include "target/backends/block_backend.h"

namespace srp::target {

struct MemoryBackendOptions {
  uint32_t block_size = 512;
  uint64_t num_blocks = (uint64_t{64} << 20) / 512;  // 64 MiB
  // Allocation granule: a power of two, >= block_size.
  uint32_t chunk_size = 1u << 20;
  bool read_only = false;
};

class MemoryBackend final : public BlockBackend {
 public:
  // Fails with kInvalidArgument on a bad geometry or chunk size.
  static Result<std::unique_ptr<MemoryBackend>> Create(const MemoryBackendOptions& options = {});
  ~MemoryBackend() override;
  MemoryBackend(const MemoryBackend&) = delete;
  MemoryBackend& operator=(const MemoryBackend&) = delete;

  uint32_t block_size() const override { return options_.block_size; }
  uint64_t num_blocks() const override { return options_.num_blocks; }
  bool read_only() const override { return options_.read_only; }
  Status Read(uint64_t lba, uint32_t blocks, std::span<std::byte> data) override;
  // ENOSPC when a chunk cannot be allocated; EROFS when read-only.
  Status Write(uint64_t lba, uint32_t blocks, std::span<const std::byte> data, bool fua) override;
  Status Flush() override { return Status::Ok(); }
  // Frees whole chunks inside the range and zeroes partial ones.
  Status Unmap(uint64_t lba, uint64_t blocks) override;
  bool supports_unmap() const override { return true; }

  // Bytes of chunk storage currently allocated (for tests and stats).
  uint64_t allocated_bytes() const { return allocated_bytes_.load(std::memory_order_relaxed); }

 private:
  struct Chunk {
    std::shared_mutex mu;
    std::unique_ptr<std::byte[]> data;  // GUARDED_BY(mu); null = all zeros
  };

  explicit MemoryBackend(const MemoryBackendOptions& options);
  uint64_t total_bytes() const { return options_.num_blocks * options_.block_size; }
  // Size of chunk `index` (the last one may be short).
  uint64_t ChunkBytes(uint64_t index) const;
  // Returns the chunk object, creating it if needed. Never null.
  Chunk* GetOrCreateChunk(uint64_t index);

  const MemoryBackendOptions options_;
  const uint64_t num_chunks_;
  std::unique_ptr<std::atomic<Chunk*>[]> chunks_;
  std::atomic<uint64_t> allocated_bytes_{0};
};

}  // namespace srp::target
