#include "initiator_tools/srp_login/userspace_scan.h"

#include <fmt/format.h>

#include <array>

#include "initiator_tools/initiator/sync_io.h"
#include "lib/scsi/lun.h"

namespace srp::login {

std::string LsscsiTypeName(uint8_t device_type) {
  switch (device_type) {
    case 0x00:
      return "disk";
    case 0x01:
      return "tape";
    case 0x03:
      return "process";
    case 0x05:
      return "cd/dvd";
    case 0x07:
      return "optical";
    case 0x08:
      return "mediumx";
    case 0x0c:
      return "storage";
    case 0x0d:
      return "enclosu";
    case 0x0e:
      return "sim dsk";
    case 0x1f:
      return "no dev";
    default:
      return fmt::format("type{:02x}", device_type);
  }
}

std::string LsscsiSize(uint64_t bytes) {
  static constexpr std::array<const char*, 7> kUnits = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (bytes < 1000) return fmt::format("{}B", bytes);
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 999.5 && unit + 1 < kUnits.size()) {
    v /= 1000.0;
    ++unit;
  }
  if (v < 9.995) return fmt::format("{:.2f}{}", v, kUnits[unit]);
  if (v < 99.95) return fmt::format("{:.1f}{}", v, kUnits[unit]);
  return fmt::format("{:.0f}{}", v, kUnits[unit]);
}

std::string FormatLsscsiLine(int host, uint64_t lun, const scsi::StandardInquiry& inq,
                             std::optional<uint64_t> bytes) {
  const std::string hctl = fmt::format("[{}:0:0:{}]", host, lun);
  return fmt::format("{:<13}{:<8}{:<9}{:<17}{:<6}{:<9}{}", hctl, LsscsiTypeName(inq.device_type),
                     inq.vendor.substr(0, 8), inq.product.substr(0, 16), inq.revision.substr(0, 4),
                     "-", bytes ? LsscsiSize(*bytes) : "-");
}

Result<std::vector<std::string>> ScanLuns(initiator::Session& session, int host) {
  auto luns = initiator::ReportLuns(session);
  if (!luns.ok()) return luns.status().WithContext("REPORT LUNS");
  std::vector<std::string> lines;
  for (const scsi::LunBytes& lun : *luns) {
    const auto flat = scsi::UnpackLun(lun);
    const uint64_t number = flat ? *flat : scsi::ScsiLunToInt(lun);
    auto inq = initiator::Inquiry(session, lun);
    if (!inq.ok()) return inq.status().WithContext(fmt::format("INQUIRY of LUN {}", number));
    std::optional<uint64_t> bytes;
    if (inq->device_type == 0x00) {
      auto cap = initiator::ReadCapacity(session, lun);
      if (!cap.ok()) {
        return cap.status().WithContext(fmt::format("READ CAPACITY of LUN {}", number));
      }
      bytes = (cap->last_lba + 1) * cap->block_size;
    }
    lines.push_back(FormatLsscsiLine(host, number, *inq, bytes));
  }
  return lines;
}

}  // namespace srp::login
