// Parsers for the data-in payloads the initiator receives: standard INQUIRY, VPD pages 0x00,
// 0x80, 0x83, READ CAPACITY(10)/(16), REPORT LUNS (SPC-4 6.4, 7.8; SBC-3 5.15, 5.16).
//
// Every parser validates against the bytes actually given: a field that is not fully present
// is either absent in the result (documented per parser) or an InvalidArgument Status.
// Device-reported lengths that exceed the given bytes mean the allocation length was too
// small; the result says so (`truncated`) rather than failing, so callers can re-issue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/common/status.h"
#include "lib/scsi/lun.h"

namespace srp::scsi {

inline constexpr size_t kStandardInquiryMinLength = 36;

struct StandardInquiry {
  uint8_t peripheral_qualifier = 0;  // byte 0 bits 7..5
  uint8_t device_type = 0;           // byte 0 bits 4..0
  bool removable = false;
  uint8_t version = 0;               // byte 2
  uint8_t response_data_format = 0;  // byte 3 bits 3..0
  bool hisup = false;
  uint8_t additional_length = 0;  // byte 4; full data length = additional_length + 5
  bool protect = false;
  uint8_t tpgs = 0;
  bool cmdque = false;
  std::string vendor;    // bytes 8..15, trailing blanks removed
  std::string product;   // bytes 16..31, trailing blanks removed
  std::string revision;  // bytes 32..35, trailing blanks removed
};
// REQUIRES nothing; fails with fewer than 36 bytes.
Result<StandardInquiry> ParseInquiryData(std::span<const std::byte> data);

// A VPD page header (4 bytes) and the payload bytes present (PAGE LENGTH clipped to the data).
struct VpdPage {
  uint8_t peripheral_qualifier = 0;
  uint8_t device_type = 0;
  uint8_t page_code = 0;
  uint16_t page_length = 0;  // as reported
  bool truncated = false;    // page_length > bytes present
  std::span<const std::byte> payload;
};
// Fails with fewer than 4 bytes or when `expected_page` differs from the PAGE CODE.
Result<VpdPage> ParseVpdPage(std::span<const std::byte> data, uint8_t expected_page);
// VPD 0x00: the supported page codes present.
Result<std::vector<uint8_t>> ParseSupportedVpdPages(std::span<const std::byte> data);
// VPD 0x80: PRODUCT SERIAL NUMBER, trailing blanks/NULs removed.
Result<std::string> ParseUnitSerialNumber(std::span<const std::byte> data);

// One designation descriptor of VPD 0x83 (SPC-4 7.8.6.1).
struct Designator {
  uint8_t protocol_identifier = 0;
  uint8_t code_set = 0;  // 1 binary, 2 ASCII, 3 UTF-8
  bool piv = false;
  uint8_t association = 0;  // 0 LU, 1 target port, 2 target device
  uint8_t type = 0;         // 1 T10 vendor ID, 2 EUI-64, 3 NAA, 4 relative target port, ...
  std::vector<std::byte> value;
};
inline constexpr uint8_t kDesignatorT10VendorId = 1;
inline constexpr uint8_t kDesignatorNaa = 3;
inline constexpr uint8_t kCodeSetBinary = 1;
inline constexpr uint8_t kCodeSetAscii = 2;
// VPD 0x83. A descriptor whose DESIGNATOR LENGTH runs past the page is an error.
Result<std::vector<Designator>> ParseDeviceIdentification(std::span<const std::byte> data);

struct Capacity {
  uint64_t last_lba = 0;
  uint32_t block_size = 0;
  // READ CAPACITY(16) only (false/0 when absent or from (10)):
  bool prot_en = false;
  uint8_t lbppbe = 0;  // logical blocks per physical block exponent
  bool lbpme = false;  // logical block provisioning management enabled (UNMAP supported)
  bool lbprz = false;
  // READ CAPACITY(10) answered 0xFFFFFFFF: the caller must use READ CAPACITY(16).
  bool needs_rc16 = false;
};
// Needs 8 bytes.
Result<Capacity> ParseReadCapacity10Data(std::span<const std::byte> data);
// Needs 12 bytes; bytes 12..15 parsed when present.
Result<Capacity> ParseReadCapacity16Data(std::span<const std::byte> data);

struct ReportLunsData {
  uint32_t list_length = 0;    // LUN LIST LENGTH as reported (bytes)
  std::vector<LunBytes> luns;  // the entries fully present
  bool truncated = false;      // list_length > bytes present: re-issue with alloc 8 + list_length
};
// Needs 8 bytes; LUN LIST LENGTH must be a multiple of 8.
Result<ReportLunsData> ParseReportLunsData(std::span<const std::byte> data);

}  // namespace srp::scsi
