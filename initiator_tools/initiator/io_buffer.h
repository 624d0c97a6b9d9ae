// Registered data buffers for SCSI commands: the library hands them out (Session's
// AllocateBuffer) so callers never deal with memory keys, and turns any region into the
// DataSegments an SRP_CMD describes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "initiator_tools/initiator/data_layout.h"
#include "lib/common/status.h"
#include "lib/fabric/fabric.h"

namespace srp::initiator {

// A segment of a registered region: REQUIRES offset + length <= mr.length().
DataSegment SegmentOf(const fabric::MemoryRegion& mr, size_t offset, uint32_t length);

// Page-aligned, zero-filled memory registered for local write and remote read/write.
class IoBuffer {
 public:
  static Result<std::unique_ptr<IoBuffer>> Allocate(fabric::Fabric& fabric, size_t size);
  ~IoBuffer();
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;

  std::byte* data() { return data_; }
  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<std::byte> bytes() { return {data_, size_}; }
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const fabric::MemoryRegion& mr() const { return *mr_; }

  // One segment. REQUIRES: offset + length <= size().
  DataSegment Segment(size_t offset, uint32_t length) const;
  // [offset, offset + length) cut into pieces of at most `piece` bytes (a scatter list
  // over contiguous memory; tests use it to force INDIRECT descriptors).
  std::vector<DataSegment> Segments(size_t offset, size_t length, size_t piece) const;

 private:
  IoBuffer(std::byte* data, size_t size) : data_(data), size_(size) {}
  std::byte* data_;
  size_t size_;
  std::unique_ptr<fabric::MemoryRegion> mr_;
};

}  // namespace srp::initiator
