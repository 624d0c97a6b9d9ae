// Sense data: sense keys, additional sense codes, the fixed-format builder and a parser.
//
// Sources: SPC-4 4.5 (sense data), table 27 (sense keys), table 28 / Annex D (ASC/ASCQ),
// 4.5.2.4.2 (sense-key specific field pointer). A SenseReason is the core's value type for
// "why this command failed"; it is not a Status (architecture.md: SCSI outcomes are sense
// reasons, not errors).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "lib/common/status.h"

namespace srp::scsi {

// SRP_RSP carries at most this many sense bytes to ib_srp (SCSI_SENSE_BUFFERSIZE).
inline constexpr size_t kMaxSenseLength = 96;
// Fixed-format sense data as we build it: 8-byte header + ADDITIONAL SENSE LENGTH 10.
inline constexpr size_t kFixedSenseLength = 18;

inline constexpr uint8_t kSenseResponseFixedCurrent = 0x70;
inline constexpr uint8_t kSenseResponseFixedDeferred = 0x71;
inline constexpr uint8_t kSenseResponseDescriptorCurrent = 0x72;
inline constexpr uint8_t kSenseResponseDescriptorDeferred = 0x73;

// SPC-4 table 27.
enum class SenseKey : uint8_t {
  kNoSense = 0x0,
  kRecoveredError = 0x1,
  kNotReady = 0x2,
  kMediumError = 0x3,
  kHardwareError = 0x4,
  kIllegalRequest = 0x5,
  kUnitAttention = 0x6,
  kDataProtect = 0x7,
  kBlankCheck = 0x8,
  kVendorSpecific = 0x9,
  kCopyAborted = 0xA,
  kAbortedCommand = 0xB,
  kVolumeOverflow = 0xD,
  kMiscompare = 0xE,
  kCompleted = 0xF,
};
std::string_view SenseKeyName(SenseKey key);

// ADDITIONAL SENSE CODE + QUALIFIER pair.
struct Asc {
  uint8_t asc = 0;
  uint8_t ascq = 0;
  friend constexpr bool operator==(Asc, Asc) = default;
};

inline constexpr Asc kAscNoAdditionalSense{0x00, 0x00};
inline constexpr Asc kAscWriteError{0x0C, 0x00};
inline constexpr Asc kAscUnrecoveredReadError{0x11, 0x00};
inline constexpr Asc kAscParameterListLengthError{0x1A, 0x00};
inline constexpr Asc kAscInvalidCommandOperationCode{0x20, 0x00};
inline constexpr Asc kAscMiscompareDuringVerify{0x1D, 0x00};
inline constexpr Asc kAscLbaOutOfRange{0x21, 0x00};
inline constexpr Asc kAscInvalidFieldInCdb{0x24, 0x00};
inline constexpr Asc kAscLogicalUnitNotSupported{0x25, 0x00};
inline constexpr Asc kAscInvalidFieldInParameterList{0x26, 0x00};
inline constexpr Asc kAscWriteProtected{0x27, 0x00};
inline constexpr Asc kAscSpaceAllocationFailedWriteProtect{0x27, 0x07};
inline constexpr Asc kAscPowerOnResetOrBusDeviceReset{0x29, 0x00};
inline constexpr Asc kAscPowerOnOccurred{0x29, 0x01};
inline constexpr Asc kAscModeParametersChanged{0x2A, 0x01};
inline constexpr Asc kAscCapacityDataHasChanged{0x2A, 0x09};
inline constexpr Asc kAscCommandsClearedByAnotherInitiator{0x2F, 0x00};
inline constexpr Asc kAscSavingParametersNotSupported{0x39, 0x00};
inline constexpr Asc kAscReportedLunsDataHasChanged{0x3F, 0x0E};
inline constexpr Asc kAscInternalTargetFailure{0x44, 0x00};
inline constexpr Asc kAscInvalidMessageError{0x49, 0x00};
inline constexpr Asc kAscLogicalUnitNotReadyCauseNotReportable{0x04, 0x00};

// Sense-key specific "field pointer" (SPC-4 4.5.2.4.2) for ILLEGAL REQUEST: which byte (and
// optionally bit) of the CDB or parameter list is wrong.
struct FieldPointer {
  bool in_cdb = true;          // C/D bit: true = CDB, false = parameter data
  uint16_t byte = 0;           // FIELD POINTER
  std::optional<uint8_t> bit;  // BIT POINTER (0..7), BPV=1 when present
  friend bool operator==(const FieldPointer&, const FieldPointer&) = default;
};

// Why a command ended in CHECK CONDITION.
struct SenseReason {
  SenseKey key = SenseKey::kNoSense;
  Asc asc = kAscNoAdditionalSense;
  std::optional<FieldPointer> field;
  friend bool operator==(const SenseReason&, const SenseReason&) = default;
};

// Common reasons, so call sites read like the spec.
inline SenseReason InvalidFieldInCdb(uint16_t byte, std::optional<uint8_t> bit = std::nullopt) {
  return {SenseKey::kIllegalRequest, kAscInvalidFieldInCdb, FieldPointer{true, byte, bit}};
}
inline SenseReason InvalidOpcode() {
  return {SenseKey::kIllegalRequest, kAscInvalidCommandOperationCode,
          FieldPointer{true, 0, std::nullopt}};
}
inline SenseReason LbaOutOfRange() { return {SenseKey::kIllegalRequest, kAscLbaOutOfRange, {}}; }
inline SenseReason LogicalUnitNotSupported() {
  return {SenseKey::kIllegalRequest, kAscLogicalUnitNotSupported, {}};
}
inline SenseReason UnitAttention(Asc asc) { return {SenseKey::kUnitAttention, asc, {}}; }

// Builds 18-byte fixed-format current sense data (RESPONSE CODE 0x70, ADDITIONAL SENSE
// LENGTH 10, INFORMATION/COMMAND-SPECIFIC zero, SKSV set when reason.field is present).
std::array<std::byte, kFixedSenseLength> BuildFixedSense(const SenseReason& reason);
// The same with VALID=1 and INFORMATION = `information` (MISCOMPARE offsets). Fixed format
// has 4 INFORMATION bytes: values above 0xFFFFFFFF are stored as 0xFFFFFFFF.
std::array<std::byte, kFixedSenseLength> BuildFixedSense(const SenseReason& reason,
                                                         uint64_t information);

// Common reasons for parameter data (MODE SELECT, UNMAP).
inline SenseReason InvalidFieldInParameterList(uint16_t byte,
                                               std::optional<uint8_t> bit = std::nullopt) {
  return {SenseKey::kIllegalRequest, kAscInvalidFieldInParameterList,
          FieldPointer{false, byte, bit}};
}
inline SenseReason ParameterListLengthError() {
  return {SenseKey::kIllegalRequest, kAscParameterListLengthError, {}};
}
inline SenseReason Miscompare() { return {SenseKey::kMiscompare, kAscMiscompareDuringVerify, {}}; }

// What a parser found in sense data (fixed or descriptor format).
struct ParsedSense {
  uint8_t response_code = 0;  // 0x70..0x73
  bool current = true;        // false for deferred errors
  bool descriptor_format = false;
  SenseKey key = SenseKey::kNoSense;
  Asc asc = kAscNoAdditionalSense;
  std::optional<uint64_t> information;  // VALID=1 (fixed) or an information descriptor
  std::optional<FieldPointer> field;    // SKSV=1 with ILLEGAL REQUEST
};

// Parses fixed (0x70/0x71) or descriptor (0x72/0x73) sense data. Fields that lie beyond the
// given bytes or beyond the ADDITIONAL SENSE LENGTH are treated as absent (truncated sense is
// legal); fails only when not even the sense key is present or the response code is unknown.
Result<ParsedSense> ParseSense(std::span<const std::byte> data);

// "ILLEGAL REQUEST asc=0x24 ascq=0x00 (INVALID FIELD IN CDB)" style text for logs and tools.
std::string DescribeSense(SenseKey key, Asc asc);

}  // namespace srp::scsi
