// Test helpers: byte literals and hex dumps for golden-vector comparisons.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "lib/common/ids.h"

namespace srp::wire::testing {

inline std::vector<std::byte> Bytes(std::initializer_list<int> values) {
  std::vector<std::byte> v;
  v.reserve(values.size());
  for (int x : values) v.push_back(static_cast<std::byte>(x));
  return v;
}

// `n` consecutive byte values starting at `first` (0x10, 0x11, ...).
inline std::vector<std::byte> Seq(int first, size_t n) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(first + static_cast<int>(i));
  return v;
}

inline std::vector<std::byte> Zeros(size_t n) { return std::vector<std::byte>(n); }

inline std::vector<std::byte> Cat(std::initializer_list<std::vector<std::byte>> parts) {
  std::vector<std::byte> v;
  for (const auto& p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}

template <size_t N>
std::array<uint8_t, N> SeqArray(int first) {
  std::array<uint8_t, N> a{};
  for (size_t i = 0; i < N; ++i) a[i] = static_cast<uint8_t>(first + static_cast<int>(i));
  return a;
}

inline std::string Dump(std::span<const std::byte> b) { return srp::HexDump(b); }

}  // namespace srp::wire::testing
