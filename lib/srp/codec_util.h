// Internal helpers shared by the lib/srp codecs. Not part of the public API.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "lib/common/endian.h"
#include "lib/common/status.h"
#include "lib/srp/constants.h"

namespace srp::wire::internal {

// Checks that `in` holds at least `fixed_size` bytes and starts with `opcode`.
inline Status CheckIu(std::span<const std::byte> in, Opcode opcode, size_t fixed_size) {
  if (in.size() < fixed_size) {
    return InvalidArgument(fmt::format("{} too short: {} bytes received, fixed part is {}",
                                       OpcodeName(opcode), in.size(), fixed_size));
  }
  const auto got = static_cast<uint8_t>(in[0]);
  if (got != static_cast<uint8_t>(opcode)) {
    return ProtocolError(fmt::format("expected {} (opcode 0x{:02x}), got opcode 0x{:02x}",
                                     OpcodeName(opcode), static_cast<uint8_t>(opcode), got));
  }
  return Status::Ok();
}

// Checks that `out` can hold `size` bytes and zeroes them (reserved fields stay zero).
inline Status PrepareOut(std::span<std::byte> out, size_t size, std::string_view what) {
  if (out.size() < size) {
    return InvalidArgument(
        fmt::format("output buffer too small for {}: {} < {}", what, out.size(), size));
  }
  std::fill_n(out.begin(), size, std::byte{0});
  return Status::Ok();
}

template <size_t N>
std::array<uint8_t, N> LoadBytes(std::span<const std::byte> in, size_t off) {
  std::array<uint8_t, N> a{};
  for (size_t i = 0; i < N; ++i) a[i] = static_cast<uint8_t>(in[off + i]);
  return a;
}

template <size_t N>
void StoreBytes(std::span<std::byte> out, size_t off, const std::array<uint8_t, N>& a) {
  for (size_t i = 0; i < N; ++i) out[off + i] = static_cast<std::byte>(a[i]);
}

inline uint8_t ByteAt(std::span<const std::byte> in, size_t off) {
  return static_cast<uint8_t>(in[off]);
}
inline void PutByte(std::span<std::byte> out, size_t off, uint8_t v) {
  out[off] = static_cast<std::byte>(v);
}

}  // namespace srp::wire::internal
