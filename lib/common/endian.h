// Big-endian load/store helpers for wire formats (SRP IUs, MADs).
//
// Contract: callers check lengths before calling; these never read or write
// past `p + sizeof(value)`. Unaligned access is fine (memcpy-free byte math).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace srp {

inline uint8_t LoadU8(const std::byte* p) { return static_cast<uint8_t>(p[0]); }
inline uint16_t LoadBe16(const std::byte* p) {
  return static_cast<uint16_t>((static_cast<uint16_t>(p[0]) << 8) | static_cast<uint16_t>(p[1]));
}
inline uint32_t LoadBe32(const std::byte* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}
inline uint64_t LoadBe64(const std::byte* p) {
  return (static_cast<uint64_t>(LoadBe32(p)) << 32) | LoadBe32(p + 4);
}

inline void StoreU8(std::byte* p, uint8_t v) { p[0] = static_cast<std::byte>(v); }
inline void StoreBe16(std::byte* p, uint16_t v) {
  p[0] = static_cast<std::byte>(v >> 8);
  p[1] = static_cast<std::byte>(v);
}
inline void StoreBe32(std::byte* p, uint32_t v) {
  p[0] = static_cast<std::byte>(v >> 24);
  p[1] = static_cast<std::byte>(v >> 16);
  p[2] = static_cast<std::byte>(v >> 8);
  p[3] = static_cast<std::byte>(v);
}
inline void StoreBe64(std::byte* p, uint64_t v) {
  StoreBe32(p, static_cast<uint32_t>(v >> 32));
  StoreBe32(p + 4, static_cast<uint32_t>(v));
}

// Span forms with an offset. REQUIRES: off + width <= s.size().
inline uint16_t LoadBe16(std::span<const std::byte> s, size_t off) { return LoadBe16(s.data() + off); }
inline uint32_t LoadBe32(std::span<const std::byte> s, size_t off) { return LoadBe32(s.data() + off); }
inline uint64_t LoadBe64(std::span<const std::byte> s, size_t off) { return LoadBe64(s.data() + off); }
inline void StoreBe16(std::span<std::byte> s, size_t off, uint16_t v) { StoreBe16(s.data() + off, v); }
inline void StoreBe32(std::span<std::byte> s, size_t off, uint32_t v) { StoreBe32(s.data() + off, v); }
inline void StoreBe64(std::span<std::byte> s, size_t off, uint64_t v) { StoreBe64(s.data() + off, v); }

}  // namespace srp
