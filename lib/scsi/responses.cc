#include "lib/scsi/responses.h"

#include <fmt/format.h>

#include <algorithm>

#include "lib/common/endian.h"
#include "lib/scsi/constants.h"

namespace srp::scsi {
namespace {

std::string TrimmedAscii(std::span<const std::byte> bytes) {
  std::string s;
  s.reserve(bytes.size());
  for (std::byte b : bytes) s.push_back(static_cast<char>(b));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

uint8_t Byte(std::span<const std::byte> d, size_t i) { return static_cast<uint8_t>(d[i]); }

}  // namespace

Result<StandardInquiry> ParseInquiryData(std::span<const std::byte> data) {
  if (data.size() < kStandardInquiryMinLength) {
    return InvalidArgument(fmt::format("standard INQUIRY data too short: {} bytes, need {}",
                                       data.size(), kStandardInquiryMinLength));
  }
  StandardInquiry out;
  out.peripheral_qualifier = Byte(data, 0) >> 5;
  out.device_type = Byte(data, 0) & 0x1F;
  out.removable = (Byte(data, 1) & 0x80) != 0;
  out.version = Byte(data, 2);
  out.response_data_format = Byte(data, 3) & 0x0F;
  out.hisup = (Byte(data, 3) & 0x10) != 0;
  out.additional_length = Byte(data, 4);
  out.tpgs = (Byte(data, 5) >> 4) & 0x03;
  out.protect = (Byte(data, 5) & 0x01) != 0;
  out.cmdque = (Byte(data, 7) & 0x02) != 0;
  out.vendor = TrimmedAscii(data.subspan(8, 8));
  out.product = TrimmedAscii(data.subspan(16, 16));
  out.revision = TrimmedAscii(data.subspan(32, 4));
  return out;
}

Result<VpdPage> ParseVpdPage(std::span<const std::byte> data, uint8_t expected_page) {
  if (data.size() < 4) {
    return InvalidArgument(fmt::format("VPD page data too short: {} bytes", data.size()));
  }
  VpdPage out;
  out.peripheral_qualifier = Byte(data, 0) >> 5;
  out.device_type = Byte(data, 0) & 0x1F;
  out.page_code = Byte(data, 1);
  if (out.page_code != expected_page) {
    return InvalidArgument(
        fmt::format("VPD page code 0x{:02x}, expected 0x{:02x}", out.page_code, expected_page));
  }
  out.page_length = LoadBe16(data, 2);
  const size_t present = std::min<size_t>(out.page_length, data.size() - 4);
  out.truncated = present < out.page_length;
  out.payload = data.subspan(4, present);
  return out;
}

Result<std::vector<uint8_t>> ParseSupportedVpdPages(std::span<const std::byte> data) {
  SRP_ASSIGN_OR_RETURN(VpdPage page, ParseVpdPage(data, kVpdSupportedPages));
  std::vector<uint8_t> out;
  out.reserve(page.payload.size());
  for (std::byte b : page.payload) out.push_back(static_cast<uint8_t>(b));
  return out;
}

Result<std::string> ParseUnitSerialNumber(std::span<const std::byte> data) {
  SRP_ASSIGN_OR_RETURN(VpdPage page, ParseVpdPage(data, kVpdUnitSerialNumber));
  return TrimmedAscii(page.payload);
}

Result<std::vector<Designator>> ParseDeviceIdentification(std::span<const std::byte> data) {
  SRP_ASSIGN_OR_RETURN(VpdPage page, ParseVpdPage(data, kVpdDeviceIdentification));
  std::vector<Designator> out;
  std::span<const std::byte> rest = page.payload;
  while (!rest.empty()) {
    if (rest.size() < 4) {
      return InvalidArgument(
          fmt::format("designation descriptor header truncated: {} bytes left", rest.size()));
    }
    const size_t len = Byte(rest, 3);
    if (rest.size() < 4 + len) {
      if (page.truncated) break;  // the page was cut by the allocation length, not malformed
      return InvalidArgument(fmt::format("designator length {} runs past the page", len));
    }
    Designator d;
    d.protocol_identifier = Byte(rest, 0) >> 4;
    d.code_set = Byte(rest, 0) & 0x0F;
    d.piv = (Byte(rest, 1) & 0x80) != 0;
    d.association = (Byte(rest, 1) >> 4) & 0x03;
    d.type = Byte(rest, 1) & 0x0F;
    d.value.assign(rest.begin() + 4, rest.begin() + 4 + static_cast<ptrdiff_t>(len));
    out.push_back(std::move(d));
    rest = rest.subspan(4 + len);
  }
  return out;
}

Result<Capacity> ParseReadCapacity10Data(std::span<const std::byte> data) {
  if (data.size() < 8) {
    return InvalidArgument(fmt::format("READ CAPACITY(10) data too short: {} bytes", data.size()));
  }
  Capacity out;
  out.last_lba = LoadBe32(data, 0);
  out.block_size = LoadBe32(data, 4);
  out.needs_rc16 = out.last_lba == 0xFFFFFFFFu;
  return out;
}

Result<Capacity> ParseReadCapacity16Data(std::span<const std::byte> data) {
  if (data.size() < 12) {
    return InvalidArgument(fmt::format("READ CAPACITY(16) data too short: {} bytes", data.size()));
  }
  Capacity out;
  out.last_lba = LoadBe64(data, 0);
  out.block_size = LoadBe32(data, 8);
  if (data.size() >= 13) out.prot_en = (Byte(data, 12) & 0x01) != 0;
  if (data.size() >= 14) out.lbppbe = Byte(data, 13) & 0x0F;
  if (data.size() >= 15) {
    out.lbpme = (Byte(data, 14) & 0x80) != 0;
    out.lbprz = (Byte(data, 14) & 0x40) != 0;
  }
  return out;
}

Result<ReportLunsData> ParseReportLunsData(std::span<const std::byte> data) {
  if (data.size() < 8) {
    return InvalidArgument(fmt::format("REPORT LUNS data too short: {} bytes", data.size()));
  }
  ReportLunsData out;
  out.list_length = LoadBe32(data, 0);
  if (out.list_length % 8 != 0) {
    return InvalidArgument(
        fmt::format("LUN LIST LENGTH {} is not a multiple of 8", out.list_length));
  }
  const size_t present = std::min<size_t>(out.list_length, (data.size() - 8) / 8 * 8);
  out.truncated = present < out.list_length;
  out.luns.reserve(present / 8);
  for (size_t off = 8; off < 8 + present; off += 8) {
    LunBytes lun;
    std::copy_n(data.begin() + static_cast<ptrdiff_t>(off), 8, lun.begin());
    out.luns.push_back(lun);
  }
  return out;
}

}  // namespace srp::scsi
