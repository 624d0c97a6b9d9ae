#include "lib/scsi/lun.h"

#include <algorithm>

namespace srp::scsi {

LunBytes PackLun(uint32_t lun) {
  LunBytes out{};
  lun &= kMaxPackedLun;
  if (lun < 256) {
    out[1] = static_cast<std::byte>(lun);  // address method 00b, bus identifier 0
  } else {
    out[0] = static_cast<std::byte>(0x40 | (lun >> 8));  // address method 01b: flat space
    out[1] = static_cast<std::byte>(lun & 0xFF);
  }
  return out;
}

std::optional<uint32_t> UnpackLun(std::span<const std::byte> lun) {
  if (lun.size() < 8) return std::nullopt;
  const bool rest_zero =
      std::all_of(lun.begin() + 2, lun.begin() + 8, [](std::byte b) { return b == std::byte{0}; });
  if (!rest_zero) return std::nullopt;
  const auto b0 = static_cast<uint8_t>(lun[0]);
  const auto b1 = static_cast<uint8_t>(lun[1]);
  switch (b0 >> 6) {
    case 0:  // peripheral device addressing: bus identifier must be 0 for a single level
      if ((b0 & 0x3F) != 0) return std::nullopt;
      return b1;
    case 1:  // flat space addressing
      return (static_cast<uint32_t>(b0 & 0x3F) << 8) | b1;
    default:  // logical unit addressing (10b), extended (11b): not supported
      return std::nullopt;
  }
}

LunBytes IntToScsiLun(uint64_t lun) {
  LunBytes out{};
  for (size_t i = 0; i < out.size(); i += 2) {
    out[i] = static_cast<std::byte>((lun >> 8) & 0xFF);
    out[i + 1] = static_cast<std::byte>(lun & 0xFF);
    lun >>= 16;
  }
  return out;
}

uint64_t ScsiLunToInt(std::span<const std::byte> lun) {
  uint64_t out = 0;
  const size_t n = std::min<size_t>(lun.size(), 8);
  for (size_t i = 0; i + 1 < n; i += 2) {
    const uint64_t level = (static_cast<uint64_t>(lun[i]) << 8) | static_cast<uint64_t>(lun[i + 1]);
    out |= level << (i * 8);
  }
  return out;
}

}  // namespace srp::scsi
