#include "target/engine/buffer_pool.h"

#include "lib/common/log.h"

namespace srp::target {

namespace {
constexpr uint32_t kLocalAccess = fabric::kAccessLocalWrite;
}  // namespace

BufferPool::BufferPool(fabric::Fabric& fabric, size_t buffer_size, size_t count)
    : fabric_(fabric), buffer_size_(buffer_size) {
  free_.reserve(count);
  for (size_t i = count; i > 0; --i) free_.push_back(static_cast<int>(i - 1));
}

BufferPool::~BufferPool() = default;

Result<std::unique_ptr<BufferPool>> BufferPool::Create(fabric::Fabric& fabric, size_t buffer_size,
                                                       size_t count) {
  if (buffer_size == 0 || count == 0) return InvalidArgument("empty buffer pool");
  std::unique_ptr<BufferPool> pool(new BufferPool(fabric, buffer_size, count));
  pool->slab_ = std::make_unique<std::byte[]>(buffer_size * count);
  SRP_ASSIGN_OR_RETURN(pool->mr_,
                       fabric.RegisterMemory(pool->slab_.get(), buffer_size * count, kLocalAccess));
  return pool;
}

bool BufferPool::Acquire(size_t size, DataBuffer* out, Status* error) {
  if (size <= buffer_size_) {
    if (free_.empty()) return false;
    int idx = free_.back();
    free_.pop_back();
    out->pool_index = idx;
    out->data = std::span<std::byte>(slab_.get() + static_cast<size_t>(idx) * buffer_size_, size);
    out->lkey = mr_->lkey();
    return true;
  }
  // Slow path: a large transfer gets its own registration.
  auto mem = std::make_unique<std::byte[]>(size);
  auto mr = fabric_.RegisterMemory(mem.get(), size, kLocalAccess);
  if (!mr.ok()) {
    *error = mr.status();
    return false;
  }
  out->data = std::span<std::byte>(mem.get(), size);
  out->lkey = (*mr)->lkey();
  out->slow = std::move(mem);
  out->slow_mr = std::move(*mr);
  out->pool_index = -1;
  ++slow_in_use_;
  return true;
}

void BufferPool::Release(DataBuffer* buf) {
  if (buf->pool_index >= 0) {
    free_.push_back(buf->pool_index);
  } else if (buf->slow) {
    buf->slow_mr.reset();
    buf->slow.reset();
    --slow_in_use_;
  }
  buf->pool_index = -1;
  buf->data = {};
  buf->lkey = 0;
}

}  // namespace srp::target
