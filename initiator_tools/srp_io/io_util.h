// srp-io helpers with no SRP in them: size parsing ("4k", "1M"), the deterministic data
// pattern used by write/verify, and hex dumps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lib/common/status.h"

namespace srp::srp_io {

// "512", "4k", "4K", "4KiB", "1M", "1G", "2T" (binary multiples). Errors name the text.
Result<uint64_t> ParseSize(std::string_view text);
// 4096 -> "4 KiB", 67108864 -> "64 MiB", 1000 -> "1000 B".
std::string FormatSize(uint64_t bytes);

// The pattern byte stream of `seed`: every byte depends only on (seed, absolute offset), so a
// range can be generated or checked in any order and chunking.
void FillPattern(uint64_t seed, uint64_t offset, std::span<std::byte> out);
// Offset (relative to `data`) of the first byte differing from the pattern, if any.
std::optional<size_t> FindPatternMismatch(uint64_t seed, uint64_t offset,
                                          std::span<const std::byte> data);

// 16 bytes per line: "00000000  xx xx ... |ascii|", offsets starting at `base`.
std::string HexDumpLines(std::span<const std::byte> data, uint64_t base);

}  // namespace srp::srp_io
