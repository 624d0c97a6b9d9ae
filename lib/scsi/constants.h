// SCSI vocabulary shared by the target core and the initiator: operation codes, service
// actions, status codes, peripheral device types, VPD page codes and CDB lengths.
//
// Sources: SPC-4 (opcodes, status codes, INQUIRY), SBC-3 (block commands), SAM-5 (status).
// Pure constants; no I/O. May depend on lib/common only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace srp::scsi {

// Operation codes (SPC-4 Annex D / SBC-3 table 13). Only the ones we build, parse or name.
inline constexpr uint8_t kOpTestUnitReady = 0x00;
inline constexpr uint8_t kOpRequestSense = 0x03;
inline constexpr uint8_t kOpRead6 = 0x08;
inline constexpr uint8_t kOpWrite6 = 0x0A;
inline constexpr uint8_t kOpInquiry = 0x12;
inline constexpr uint8_t kOpModeSelect6 = 0x15;
inline constexpr uint8_t kOpModeSense6 = 0x1A;
inline constexpr uint8_t kOpStartStopUnit = 0x1B;
inline constexpr uint8_t kOpReadCapacity10 = 0x25;
inline constexpr uint8_t kOpRead10 = 0x28;
inline constexpr uint8_t kOpWrite10 = 0x2A;
inline constexpr uint8_t kOpVerify10 = 0x2F;
inline constexpr uint8_t kOpSynchronizeCache10 = 0x35;
inline constexpr uint8_t kOpWriteSame10 = 0x41;
inline constexpr uint8_t kOpUnmap = 0x42;
inline constexpr uint8_t kOpModeSelect10 = 0x55;
inline constexpr uint8_t kOpModeSense10 = 0x5A;
inline constexpr uint8_t kOpRead16 = 0x88;
inline constexpr uint8_t kOpCompareAndWrite = 0x89;
inline constexpr uint8_t kOpWrite16 = 0x8A;
inline constexpr uint8_t kOpVerify16 = 0x8F;
inline constexpr uint8_t kOpSynchronizeCache16 = 0x91;
inline constexpr uint8_t kOpWriteSame16 = 0x93;
inline constexpr uint8_t kOpServiceActionIn16 = 0x9E;
inline constexpr uint8_t kOpReportLuns = 0xA0;
inline constexpr uint8_t kOpMaintenanceIn = 0xA3;
inline constexpr uint8_t kOpRead12 = 0xA8;
inline constexpr uint8_t kOpWrite12 = 0xAA;

// Service actions (low 5 bits of CDB byte 1).
inline constexpr uint8_t kSaReadCapacity16 = 0x10;          // SERVICE ACTION IN(16)
inline constexpr uint8_t kSaReportSupportedOpcodes = 0x0C;  // MAINTENANCE IN

// SAM-5 table 33 status codes.
enum class ScsiStatus : uint8_t {
  kGood = 0x00,
  kCheckCondition = 0x02,
  kConditionMet = 0x04,
  kBusy = 0x08,
  kReservationConflict = 0x18,
  kTaskSetFull = 0x28,
  kAcaActive = 0x30,
  kTaskAborted = 0x40,
};
std::string_view ScsiStatusName(ScsiStatus status);

// SPC-4 table 138 peripheral device types / table 137 qualifiers.
inline constexpr uint8_t kDeviceTypeDisk = 0x00;
inline constexpr uint8_t kDeviceTypeUnknown = 0x1F;
inline constexpr uint8_t kQualifierConnected = 0;
inline constexpr uint8_t kQualifierNotSupported = 3;  // "not capable of supporting a device"

// VPD page codes (SPC-4 7.8, SBC-3 6.5).
inline constexpr uint8_t kVpdSupportedPages = 0x00;
inline constexpr uint8_t kVpdUnitSerialNumber = 0x80;
inline constexpr uint8_t kVpdDeviceIdentification = 0x83;
inline constexpr uint8_t kVpdBlockLimits = 0xB0;
inline constexpr uint8_t kVpdBlockDeviceCharacteristics = 0xB1;
inline constexpr uint8_t kVpdLogicalBlockProvisioning = 0xB2;

// Mode pages (SPC-4 7.5, SBC-3 6.4).
inline constexpr uint8_t kModePageCaching = 0x08;
inline constexpr uint8_t kModePageControl = 0x0A;
inline constexpr uint8_t kModePageAll = 0x3F;

// INQUIRY VERSION field value claiming SPC-4 (what SCST vdisk reports).
inline constexpr uint8_t kVersionSpc4 = 0x06;

// Version descriptors (SPC-4 table 141, "no version claimed" rows).
inline constexpr uint16_t kVersionDescriptorSam5 = 0x00A0;
inline constexpr uint16_t kVersionDescriptorSpc4 = 0x0460;
inline constexpr uint16_t kVersionDescriptorSbc3 = 0x04C0;
inline constexpr uint16_t kVersionDescriptorSrp = 0x0940;

// Largest CDB SPC-4 defines (variable-length CDB, 0x7F) and the SRP fixed CDB field.
inline constexpr size_t kMaxCdbLength = 260;
inline constexpr size_t kSrpCdbFieldLength = 16;

// CDB length implied by the opcode's group code (SPC-4 4.2.5.1), or 0 when the group is
// reserved/vendor specific or variable length (0x7F: 8 + additional CDB length, see CDB byte 7).
constexpr size_t CdbLengthForOpcode(uint8_t opcode) {
  switch (opcode >> 5) {
    case 0:
      return 6;
    case 1:
    case 2:
      return 10;
    case 4:
      return 16;
    case 5:
      return 12;
    default:
      return 0;
  }
}

// Human name for logs ("READ(10)"), "opcode 0xNN" style text is left to the caller for unknowns.
std::string_view OpcodeName(uint8_t opcode);

}  // namespace srp::scsi
