#include "target/backends/memory_backend.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>

namespace srp::target {

Result<std::unique_ptr<MemoryBackend>> MemoryBackend::Create(const MemoryBackendOptions& options) {
  SRP_RETURN_IF_ERROR(ValidateGeometry(options.block_size, options.num_blocks));
  if (!std::has_single_bit(options.chunk_size) || options.chunk_size < options.block_size) {
    return InvalidArgument(fmt::format("chunk size {} must be a power of two >= block size {}",
                                       options.chunk_size, options.block_size));
  }
  return std::unique_ptr<MemoryBackend>(new MemoryBackend(options));
}

MemoryBackend::MemoryBackend(const MemoryBackendOptions& options)
    : options_(options),
      num_chunks_((total_bytes() + options.chunk_size - 1) / options.chunk_size),
      chunks_(new std::atomic<Chunk*>[num_chunks_]) {
  for (uint64_t i = 0; i < num_chunks_; ++i) chunks_[i].store(nullptr, std::memory_order_relaxed);
}

MemoryBackend::~MemoryBackend() {
  for (uint64_t i = 0; i < num_chunks_; ++i) delete chunks_[i].load(std::memory_order_acquire);
}

uint64_t MemoryBackend::ChunkBytes(uint64_t index) const {
  return std::min<uint64_t>(options_.chunk_size, total_bytes() - index * options_.chunk_size);
}

MemoryBackend::Chunk* MemoryBackend::GetOrCreateChunk(uint64_t index) {
  Chunk* chunk = chunks_[index].load(std::memory_order_acquire);
  if (chunk != nullptr) return chunk;
  auto fresh = std::make_unique<Chunk>();
  if (chunks_[index].compare_exchange_strong(chunk, fresh.get(), std::memory_order_acq_rel)) {
    return fresh.release();
  }
  return chunk;  // another writer won; `chunk` now holds its pointer
}

Status MemoryBackend::Read(uint64_t lba, uint32_t, std::span<std::byte> data) {
  uint64_t off = lba * options_.block_size;
  size_t done = 0;
  while (done < data.size()) {
    const uint64_t index = off / options_.chunk_size;
    const uint64_t within = off % options_.chunk_size;
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(data.size() - done, ChunkBytes(index) - within));
    std::byte* dst = data.data() + done;
    Chunk* chunk = chunks_[index].load(std::memory_order_acquire);
    if (chunk == nullptr) {
      std::memset(dst, 0, n);
    } else {
      std::shared_lock lock(chunk->mu);
      if (chunk->data == nullptr) {
        std::memset(dst, 0, n);
      } else {
        std::memcpy(dst, chunk->data.get() + within, n);
      }
    }
    done += n;
    off += n;
  }
  return Status::Ok();
}

Status MemoryBackend::Write(uint64_t lba, uint32_t, std::span<const std::byte> data, bool) {
  if (options_.read_only) return Status::FromErrno(EROFS, "memory backend write");
  uint64_t off = lba * options_.block_size;
  size_t done = 0;
  while (done < data.size()) {
    const uint64_t index = off / options_.chunk_size;
    const uint64_t within = off % options_.chunk_size;
    const uint64_t chunk_bytes = ChunkBytes(index);
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(data.size() - done, chunk_bytes - within));
    Chunk* chunk = GetOrCreateChunk(index);
    std::unique_lock lock(chunk->mu);
    if (chunk->data == nullptr) {
      // Value-initialized: the rest of a freshly allocated chunk reads as zeros.
      chunk->data.reset(new (std::nothrow) std::byte[chunk_bytes]());
      if (chunk->data == nullptr) {
        return Status::FromErrno(ENOSPC,
                                 fmt::format("memory backend: allocating {} bytes", chunk_bytes));
      }
      allocated_bytes_.fetch_add(chunk_bytes, std::memory_order_relaxed);
    }
    std::memcpy(chunk->data.get() + within, data.data() + done, n);
    done += n;
    off += n;
  }
  return Status::Ok();
}

Status MemoryBackend::Unmap(uint64_t lba, uint64_t blocks) {
  if (options_.read_only) return Status::FromErrno(EROFS, "memory backend unmap");
  uint64_t off = lba * options_.block_size;
  const uint64_t end = off + blocks * options_.block_size;
  while (off < end) {
    const uint64_t index = off / options_.chunk_size;
    const uint64_t within = off % options_.chunk_size;
    const uint64_t chunk_bytes = ChunkBytes(index);
    const uint64_t n = std::min<uint64_t>(end - off, chunk_bytes - within);
    Chunk* chunk = chunks_[index].load(std::memory_order_acquire);
    if (chunk != nullptr) {
      std::unique_lock lock(chunk->mu);
      if (chunk->data != nullptr) {
        if (n == chunk_bytes) {
          chunk->data.reset();
          allocated_bytes_.fetch_sub(chunk_bytes, std::memory_order_relaxed);
        } else {
          std::memset(chunk->data.get() + within, 0, static_cast<size_t>(n));
        }
      }
    }
    off += n;
  }
  return Status::Ok();
}

}  // namespace srp::target
