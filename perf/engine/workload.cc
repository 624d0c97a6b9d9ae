#include "perf/engine/workload.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <limits>

namespace srp::perf {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<RwMode> ParseRwMode(std::string_view text) {
  if (text == "read") return RwMode::kRead;
  if (text == "write") return RwMode::kWrite;
  if (text == "randread") return RwMode::kRandRead;
  if (text == "randwrite") return RwMode::kRandWrite;
  if (text == "rw" || text == "readwrite") return RwMode::kReadWrite;
  if (text == "randrw") return RwMode::kRandRw;
  return InvalidArgument(fmt::format(
      "rw '{}' is not one of read, write, randread, randwrite, rw, readwrite, randrw", text));
}

const char* RwModeName(RwMode mode) {
  switch (mode) {
    case RwMode::kRead:
      return "read";
    case RwMode::kWrite:
      return "write";
    case RwMode::kRandRead:
      return "randread";
    case RwMode::kRandWrite:
      return "randwrite";
    case RwMode::kReadWrite:
      return "rw";
    case RwMode::kRandRw:
      return "randrw";
  }
  return "?";
}

bool IsRandom(RwMode mode) {
  return mode == RwMode::kRandRead || mode == RwMode::kRandWrite || mode == RwMode::kRandRw;
}

Result<uint64_t> ParseSize(std::string_view text, bool allow_zero) {
  const std::string lower = Lower(text);
  uint64_t number = 0;
  const char* begin = lower.data();
  const char* end = lower.data() + lower.size();
  auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc() || ptr == begin) {
    return InvalidArgument(fmt::format("size '{}' is not a number with an optional k/m/g/t", text));
  }
  const std::string_view suffix(ptr, static_cast<size_t>(end - ptr));
  int shift = -1;
  if (suffix.empty() || suffix == "b") shift = 0;
  const std::string_view units = "kmgt";
  for (size_t i = 0; i < units.size(); ++i) {
    const std::string unit(1, units[i]);
    if (suffix == unit || suffix == unit + "b" || suffix == unit + "ib") {
      shift = 10 * static_cast<int>(i + 1);
    }
  }
  if (shift < 0) {
    return InvalidArgument(
        fmt::format("size '{}': unknown suffix '{}' (k, m, g, t)", text, suffix));
  }
  if (shift > 0 && number > (std::numeric_limits<uint64_t>::max() >> shift)) {
    return InvalidArgument(fmt::format("size '{}' is too large", text));
  }
  const uint64_t bytes = number << shift;
  if (bytes == 0 && !allow_zero) return InvalidArgument(fmt::format("size '{}' is zero", text));
  return bytes;
}

std::string FormatSize(uint64_t bytes) {
  static constexpr const char* kSuffix[] = {"", "k", "m", "g", "t"};
  int i = 0;
  while (i < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++i;
  }
  return fmt::format("{}{}", bytes, kSuffix[i]);
}

Result<double> ParseSeconds(std::string_view text) {
  const std::string lower = Lower(text);
  double value = 0;
  const char* begin = lower.data();
  const char* end = lower.data() + lower.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin || !(value >= 0) || value > 1e6) {
    return InvalidArgument(fmt::format("time '{}' is not a non-negative number of seconds", text));
  }
  std::string_view suffix(ptr, static_cast<size_t>(end - ptr));
  if (suffix.empty() || suffix == "s") return value;
  if (suffix == "ms") return value / 1000;
  if (suffix == "us") return value / 1e6;
  if (suffix == "m") return value * 60;
  if (suffix == "h") return value * 3600;
  return InvalidArgument(
      fmt::format("time '{}': unknown suffix '{}' (s, ms, us, m, h)", text, suffix));
}

Status Workload::Validate() const {
  if (bs == 0 || bs % 512 != 0) {
    return InvalidArgument(fmt::format("bs {} is not a positive multiple of 512", bs));
  }
  if (bs > (64u << 20)) return InvalidArgument(fmt::format("bs {} is above 64m", bs));
  if (iodepth == 0 || iodepth > 1024) {
    return InvalidArgument(fmt::format("iodepth {} is not in 1..1024", iodepth));
  }
  if (numjobs == 0 || numjobs > 64) {
    return InvalidArgument(fmt::format("numjobs {} is not in 1..64", numjobs));
  }
  if (!(runtime_s > 0)) return InvalidArgument("runtime must be positive");
  if (!(ramp_time_s >= 0)) return InvalidArgument("ramp_time must not be negative");
  if (rwmixread > 100) return InvalidArgument(fmt::format("rwmixread {} is above 100", rwmixread));
  if (size != 0 && size < bs) {
    return InvalidArgument(fmt::format("size {} is smaller than bs {}", size, bs));
  }
  return Status::Ok();
}

OffsetGenerator::OffsetGenerator(const Workload& workload, uint64_t region, uint64_t seed)
    : rw_(workload.rw),
      bs_(workload.bs),
      rwmixread_(workload.rwmixread),
      blocks_(region / workload.bs),
      rng_(seed) {
  if (blocks_ == 0) blocks_ = 1;
}

OffsetGenerator::Next OffsetGenerator::Get() {
  bool write = false;
  switch (rw_) {
    case RwMode::kRead:
    case RwMode::kRandRead:
      write = false;
      break;
    case RwMode::kWrite:
    case RwMode::kRandWrite:
      write = true;
      break;
    case RwMode::kReadWrite:
    case RwMode::kRandRw:
      write = (rng_() % 100) >= rwmixread_;
      break;
  }
  uint64_t block;
  if (IsRandom(rw_)) {
    block = rng_() % blocks_;
  } else {
    block = next_block_;
    next_block_ = (next_block_ + 1) % blocks_;
  }
  return {block * bs_, write};
}

}  // namespace srp::perf
