// The 256-byte MAD (management datagram): common header, SA header, constants.
//
// Layout (IB spec 1.x, section 13.4; same as libibumad's umad_types.h / umad_sa.h):
//   common header, 24 bytes:
//     0 base_version  1 mgmt_class  2 class_version  3 method (bit 7 = response)
//     4 status(2)     6 class_specific(2)            8 TID(8)
//    16 attr_id(2)   18 reserved(2)                 20 attr_mod(4)
//   Device Management (class 0x06): 40 reserved bytes (RMPP + DM header area,
//     unused), data at offset 64, 192 bytes.
//   Subnet Administration (class 0x03, version 2):
//    24 RMPP header (12): rmpp_version, rmpp_type, rmpp_rtime_flags, rmpp_status,
//       seg_num(4), paylen_newwin(4)
//    36 SM_Key(8)   44 attr_offset(2, record stride in 8-byte words)   46 reserved(2)
//    48 comp_mask(8)   56 data, 200 bytes (one record for Get / GetResp)
//   A GetTable response carries N records of stride attr_offset*8 from offset 56.
//   On real IB that arrives as RMPP segments that libibumad reassembles into
//   one buffer (header of the first segment + all data); a `Mad` longer than
//   256 bytes is that reassembled form (the soft backend produces it directly).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/common/status.h"

namespace srp::mad {

inline constexpr size_t kMadSize = 256;
inline constexpr size_t kMadHeaderSize = 24;
inline constexpr size_t kDmDataOffset = 64;
inline constexpr size_t kDmDataSize = 192;
inline constexpr size_t kSaHeaderOffset = 24;
inline constexpr size_t kSaDataOffset = 56;
inline constexpr size_t kSaDataSize = 200;
static_assert(kDmDataOffset + kDmDataSize == kMadSize);
static_assert(kSaDataOffset + kSaDataSize == kMadSize);

inline constexpr uint8_t kBaseVersion = 1;

// Management classes and their class versions.
inline constexpr uint8_t kClassSa = 0x03;
inline constexpr uint8_t kClassDm = 0x06;
inline constexpr uint8_t kSaClassVersion = 2;
inline constexpr uint8_t kDmClassVersion = 1;

// Methods.
inline constexpr uint8_t kMethodGet = 0x01;
inline constexpr uint8_t kMethodSet = 0x02;
inline constexpr uint8_t kMethodGetResp = 0x81;
inline constexpr uint8_t kMethodGetTable = 0x12;
inline constexpr uint8_t kMethodGetTableResp = 0x92;
inline constexpr uint8_t kMethodResponseBit = 0x80;

// Common MAD status (bits 2..4 of the status field) as DM targets use them.
inline constexpr uint16_t kStatusOk = 0x0000;
inline constexpr uint16_t kStatusUnsupportedMethod = 0x0008;
inline constexpr uint16_t kStatusUnsupportedMethodAttr = 0x000C;
inline constexpr uint16_t kStatusInvalidField = 0x001C;
// DM class-specific: "no IOC in that slot" (slot > 2 on LIO/SCST, bad entry range).
inline constexpr uint16_t kDmStatusNoIoc = 0x0100;

// SA class-specific status: bits 8..15 hold the code (umad_sa.h UMAD_SA_STATUS_*
// are the codes before the << 8; IB spec table "SA MAD status").
inline constexpr uint16_t kSaStatusNoResources = 0x0100;
inline constexpr uint16_t kSaStatusReqInvalid = 0x0200;
inline constexpr uint16_t kSaStatusNoRecords = 0x0300;
inline constexpr uint16_t kSaStatusTooManyRecords = 0x0400;
inline constexpr uint16_t kSaStatusInvalidGid = 0x0500;
inline constexpr uint16_t kSaStatusInsufficientComponents = 0x0600;

// Attribute IDs.
inline constexpr uint16_t kAttrClassPortInfo = 0x0001;  // both classes
inline constexpr uint16_t kAttrIoUnitInfo = 0x0010;     // DM
inline constexpr uint16_t kAttrIoControllerProfile = 0x0011;
inline constexpr uint16_t kAttrServiceEntries = 0x0012;
inline constexpr uint16_t kAttrNodeRecord = 0x0011;  // SA
inline constexpr uint16_t kAttrPortInfoRecord = 0x0012;
inline constexpr uint16_t kAttrPathRecord = 0x0035;

struct MadHeader {
  uint8_t base_version = kBaseVersion;
  uint8_t mgmt_class = 0;
  uint8_t class_version = 0;
  uint8_t method = 0;
  uint16_t status = 0;
  uint16_t class_specific = 0;
  uint64_t tid = 0;
  uint16_t attr_id = 0;
  uint32_t attr_mod = 0;
  bool operator==(const MadHeader&) const = default;
};

// REQUIRES: out.size() >= kMadHeaderSize. The reserved bytes 18..19 are zeroed.
void EncodeMadHeader(const MadHeader& header, std::span<std::byte> out);
Result<MadHeader> DecodeMadHeader(std::span<const std::byte> in);

// The SA header (bytes 24..55). No RMPP is implemented; the fields are carried
// so a reassembled or forwarded MAD keeps them.
struct SaHeader {
  uint8_t rmpp_version = 0;
  uint8_t rmpp_type = 0;
  uint8_t rmpp_rtime_flags = 0;
  uint8_t rmpp_status = 0;
  uint32_t seg_num = 0;
  uint32_t paylen_newwin = 0;
  uint64_t sm_key = 0;
  uint16_t attr_offset = 0;  // record stride in 8-byte words
  uint64_t comp_mask = 0;
  bool operator==(const SaHeader&) const = default;
};

// REQUIRES: out.size() >= kSaDataOffset.
void EncodeSaHeader(const SaHeader& header, std::span<std::byte> out);
Result<SaHeader> DecodeSaHeader(std::span<const std::byte> in);

// A MAD as sent or received: at least kMadSize bytes; longer only for a
// (reassembled) SA GetTable response.
class Mad {
 public:
  Mad() : bytes_(kMadSize) {}
  explicit Mad(const MadHeader& header);
  // kInvalidArgument when shorter than kMadSize or the header does not decode.
  static Result<Mad> FromBytes(std::span<const std::byte> bytes);

  MadHeader header() const;
  void set_header(const MadHeader& header);
  uint64_t tid() const;
  uint8_t method() const { return static_cast<uint8_t>(bytes_[3]); }
  uint8_t mgmt_class() const { return static_cast<uint8_t>(bytes_[1]); }
  uint16_t status() const;
  bool is_response() const { return (method() & kMethodResponseBit) != 0; }

  std::span<std::byte> bytes() { return bytes_; }
  std::span<const std::byte> bytes() const { return bytes_; }
  // The first 256 bytes (what goes on the wire for a request).
  std::span<const std::byte, kMadSize> wire() const {
    return std::span<const std::byte, kMadSize>(bytes_.data(), kMadSize);
  }
  size_t size() const { return bytes_.size(); }
  // Grows (zero-filled) or shrinks, never below kMadSize.
  void Resize(size_t size);

  // DM data area: 192 bytes at offset 64.
  std::span<std::byte> dm_data() { return std::span(bytes_).subspan(kDmDataOffset, kDmDataSize); }
  std::span<const std::byte> dm_data() const {
    return std::span(bytes_).subspan(kDmDataOffset, kDmDataSize);
  }
  // SA data: everything from offset 56 (200 bytes, more in a GetTable response).
  std::span<std::byte> sa_data() { return std::span(bytes_).subspan(kSaDataOffset); }
  std::span<const std::byte> sa_data() const { return std::span(bytes_).subspan(kSaDataOffset); }

 private:
  std::vector<std::byte> bytes_;
};

// A DM request (class 0x06, version 1).
Mad MakeDmRequest(uint8_t method, uint16_t attr_id, uint32_t attr_mod, uint64_t tid);
// An SA request (class 0x03, version 2) with `record` (<= 200 bytes) in the data area.
Result<Mad> MakeSaRequest(uint8_t method, uint16_t attr_id, uint32_t attr_mod, uint64_t tid,
                          uint64_t comp_mask, std::span<const std::byte> record);
// A response skeleton for `request`: header copied, method GetResp (GetTableResp
// for GetTable), `status`, data area zeroed.
Mad MakeResponse(const Mad& request, uint16_t status);

}  // namespace srp::mad
