#include "initiator_tools/initiator/io_buffer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace srp::initiator {

namespace {
constexpr size_t kAlign = 4096;
}

DataSegment SegmentOf(const fabric::MemoryRegion& mr, size_t offset, uint32_t length) {
  return DataSegment{reinterpret_cast<uint64_t>(mr.addr()) + offset, length, mr.rkey()};
}

Result<std::unique_ptr<IoBuffer>> IoBuffer::Allocate(fabric::Fabric& fabric, size_t size) {
  if (size == 0) return InvalidArgument("buffer size 0");
  const size_t rounded = (size + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
  if (p == nullptr) return Status(StatusCode::kResourceExhausted, "out of memory for buffer");
  std::memset(p, 0, rounded);
  std::unique_ptr<IoBuffer> buf(new IoBuffer(static_cast<std::byte*>(p), size));
  SRP_ASSIGN_OR_RETURN(buf->mr_,
                       fabric.RegisterMemory(p, rounded,
                                             fabric::kAccessLocalWrite | fabric::kAccessRemoteRead |
                                                 fabric::kAccessRemoteWrite));
  return buf;
}

IoBuffer::~IoBuffer() {
  mr_.reset();
  std::free(data_);
}

DataSegment IoBuffer::Segment(size_t offset, uint32_t length) const {
  return SegmentOf(*mr_, offset, length);
}

std::vector<DataSegment> IoBuffer::Segments(size_t offset, size_t length, size_t piece) const {
  std::vector<DataSegment> out;
  piece = std::max<size_t>(piece, 1);
  for (size_t done = 0; done < length; done += piece) {
    out.push_back(Segment(offset + done, static_cast<uint32_t>(std::min(piece, length - done))));
  }
  return out;
}

}  // namespace srp::initiator
