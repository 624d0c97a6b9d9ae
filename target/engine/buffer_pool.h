// BufferPool: registered data buffers of one poll group. One registration at start-up; a
// command takes a buffer for its whole life (RDMA READ target, SCSI data, RDMA WRITE source).
// Transfers larger than the pool's buffer size take the slow path: a heap buffer registered
// for that command only (documented in README.md). Single-threaded: owned by one poll group.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"

namespace srp::target {

// A buffer held by one request. Empty (size 0) when none is held.
struct DataBuffer {
  std::span<std::byte> data;
  uint32_t lkey = 0;
  int pool_index = -1;  // >= 0: pool slot; -1 with `slow` set: slow path
  std::unique_ptr<std::byte[]> slow;
  std::unique_ptr<fabric::MemoryRegion> slow_mr;

  bool held() const { return pool_index >= 0 || slow != nullptr; }
};

class BufferPool {
 public:
  static Result<std::unique_ptr<BufferPool>> Create(fabric::Fabric& fabric, size_t buffer_size,
                                                    size_t count);
  ~BufferPool();

  // Takes a buffer of at least `size` bytes (size > 0). Returns false when the pool is empty
  // (the caller waits for Release); a slow-path registration failure also returns false
  // with `*error` set.
  bool Acquire(size_t size, DataBuffer* out, Status* error);
  void Release(DataBuffer* buf);

  size_t buffer_size() const { return buffer_size_; }
  size_t free_count() const { return free_.size(); }
  size_t slow_in_use() const { return slow_in_use_; }

 private:
  BufferPool(fabric::Fabric& fabric, size_t buffer_size, size_t count);

  fabric::Fabric& fabric_;
  const size_t buffer_size_;
  std::unique_ptr<std::byte[]> slab_;
  std::unique_ptr<fabric::MemoryRegion> mr_;
  std::vector<int> free_;
  size_t slow_in_use_ = 0;
};

}  // namespace srp::target
