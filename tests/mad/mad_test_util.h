// Byte helpers for the MAD golden tests.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

namespace srp::mad::testing {

inline std::vector<std::byte> Zeros(size_t n) { return std::vector<std::byte>(n); }

// Writes `bytes` at `off` (the expected image of one field).
inline void Put(std::vector<std::byte>& v, size_t off, std::initializer_list<int> bytes) {
  for (int b : bytes) v.at(off++) = static_cast<std::byte>(b);
}

inline std::vector<std::byte> ToVec(std::span<const std::byte> s) {
  return std::vector<std::byte>(s.begin(), s.end());
}

}  // namespace srp::mad::testing
