#include "initiator_tools/srp_io/io_util.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace srp::srp_io {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::byte PatternByte(uint64_t seed, uint64_t off, uint64_t* word_index, uint64_t* word) {
  const uint64_t wi = off / 8;
  if (wi != *word_index) {
    *word_index = wi;
    *word = SplitMix64(seed * 0x100000001b3ull ^ wi);
  }
  return static_cast<std::byte>(*word >> (8 * (off % 8)));
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view text) {
  uint64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || p == begin) {
    return InvalidArgument(fmt::format("bad size '{}': expected e.g. 4096, 4k, 1M, 1G", text));
  }
  std::string suffix(p, end);
  for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int shift = 0;
  if (suffix.empty() || suffix == "b") {
    shift = 0;
  } else if (suffix == "k" || suffix == "kb" || suffix == "kib") {
    shift = 10;
  } else if (suffix == "m" || suffix == "mb" || suffix == "mib") {
    shift = 20;
  } else if (suffix == "g" || suffix == "gb" || suffix == "gib") {
    shift = 30;
  } else if (suffix == "t" || suffix == "tb" || suffix == "tib") {
    shift = 40;
  } else {
    return InvalidArgument(fmt::format("bad size suffix in '{}': use k, M, G or T", text));
  }
  if (shift != 0 && value > (UINT64_MAX >> shift)) {
    return InvalidArgument(fmt::format("size '{}' is too large", text));
  }
  return value << shift;
}

std::string FormatSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  uint64_t v = bytes;
  while (unit < 4 && v >= 1024 && v % 1024 == 0) {
    v /= 1024;
    ++unit;
  }
  if (unit == 0 && bytes >= 1024 * 1024) {
    return fmt::format("{:.2f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  }
  return fmt::format("{} {}", v, kUnits[unit]);
}

void FillPattern(uint64_t seed, uint64_t offset, std::span<std::byte> out) {
  uint64_t wi = UINT64_MAX, word = 0;
  for (size_t i = 0; i < out.size(); ++i) out[i] = PatternByte(seed, offset + i, &wi, &word);
}

std::optional<size_t> FindPatternMismatch(uint64_t seed, uint64_t offset,
                                          std::span<const std::byte> data) {
  uint64_t wi = UINT64_MAX, word = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != PatternByte(seed, offset + i, &wi, &word)) return i;
  }
  return std::nullopt;
}

std::string HexDumpLines(std::span<const std::byte> data, uint64_t base) {
  std::string out;
  for (size_t line = 0; line < data.size(); line += 16) {
    out += fmt::format("{:08x} ", base + line);
    std::string ascii;
    for (size_t i = line; i < line + 16; ++i) {
      if (i < data.size()) {
        const auto b = static_cast<unsigned char>(data[i]);
        out += fmt::format(" {:02x}", b);
        ascii += std::isprint(b) ? static_cast<char>(b) : '.';
      } else {
        out += "   ";
      }
    }
    out += fmt::format("  |{}|\n", ascii);
  }
  return out;
}

}  // namespace srp::srp_io
