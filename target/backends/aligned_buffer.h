// AlignedBuffer: heap memory aligned for O_DIRECT, used to bounce caller buffers whose address
// or length is not aligned. Internal to target/backends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

namespace srp::target {

class AlignedBuffer {
 public:
  // `alignment`: a power of two >= sizeof(void*). The size is rounded up to the alignment.
  // data() is null when the allocation failed.
  AlignedBuffer(size_t size, size_t alignment)
      : size_((size + alignment - 1) / alignment * alignment),
        data_(static_cast<std::byte*>(
            std::aligned_alloc(alignment, size_ == 0 ? alignment : size_))) {}

  std::byte* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::span<std::byte> span() const { return {data_.get(), size_}; }

  // True when `p` and `length` are both multiples of `alignment`.
  static bool IsAligned(const void* p, size_t length, size_t alignment) {
    return reinterpret_cast<uintptr_t>(p) % alignment == 0 && length % alignment == 0;
  }

 private:
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  size_t size_;
  std::unique_ptr<std::byte, Free> data_;
};

}  // namespace srp::target
