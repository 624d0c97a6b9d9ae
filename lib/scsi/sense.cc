#include "lib/scsi/sense.h"

#include <fmt/format.h>

#include <algorithm>

#include "lib/common/endian.h"

namespace srp::scsi {
namespace {

// Sense-key specific bytes (SPC-4 table 31/32): SKSV | C/D | BPV | bit pointer, field pointer.
void StoreFieldPointer(std::byte* p, const FieldPointer& fp) {
  uint8_t b0 = 0x80;  // SKSV
  if (fp.in_cdb) b0 |= 0x40;
  if (fp.bit.has_value()) b0 |= static_cast<uint8_t>(0x08 | (*fp.bit & 0x07));
  StoreU8(p, b0);
  StoreBe16(p + 1, fp.byte);
}

std::optional<FieldPointer> LoadFieldPointer(const std::byte* p) {
  const uint8_t b0 = LoadU8(p);
  if ((b0 & 0x80) == 0) return std::nullopt;
  FieldPointer fp;
  fp.in_cdb = (b0 & 0x40) != 0;
  if (b0 & 0x08) fp.bit = static_cast<uint8_t>(b0 & 0x07);
  fp.byte = LoadBe16(p + 1);
  return fp;
}

std::string_view AscName(Asc asc) {
  struct Entry {
    Asc asc;
    std::string_view name;
  };
  static constexpr Entry kNames[] = {
      {kAscNoAdditionalSense, "NO ADDITIONAL SENSE INFORMATION"},
      {kAscLogicalUnitNotReadyCauseNotReportable, "LOGICAL UNIT NOT READY"},
      {kAscWriteError, "WRITE ERROR"},
      {kAscUnrecoveredReadError, "UNRECOVERED READ ERROR"},
      {kAscParameterListLengthError, "PARAMETER LIST LENGTH ERROR"},
      {kAscInvalidCommandOperationCode, "INVALID COMMAND OPERATION CODE"},
      {kAscMiscompareDuringVerify, "MISCOMPARE DURING VERIFY OPERATION"},
      {kAscLbaOutOfRange, "LOGICAL BLOCK ADDRESS OUT OF RANGE"},
      {kAscInvalidFieldInCdb, "INVALID FIELD IN CDB"},
      {kAscLogicalUnitNotSupported, "LOGICAL UNIT NOT SUPPORTED"},
      {kAscInvalidFieldInParameterList, "INVALID FIELD IN PARAMETER LIST"},
      {kAscWriteProtected, "WRITE PROTECTED"},
      {kAscSpaceAllocationFailedWriteProtect, "SPACE ALLOCATION FAILED WRITE PROTECT"},
      {kAscPowerOnResetOrBusDeviceReset, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"},
      {kAscPowerOnOccurred, "POWER ON OCCURRED"},
      {kAscModeParametersChanged, "MODE PARAMETERS CHANGED"},
      {kAscCapacityDataHasChanged, "CAPACITY DATA HAS CHANGED"},
      {kAscCommandsClearedByAnotherInitiator, "COMMANDS CLEARED BY ANOTHER INITIATOR"},
      {kAscSavingParametersNotSupported, "SAVING PARAMETERS NOT SUPPORTED"},
      {kAscReportedLunsDataHasChanged, "REPORTED LUNS DATA HAS CHANGED"},
      {kAscInternalTargetFailure, "INTERNAL TARGET FAILURE"},
      {kAscInvalidMessageError, "INVALID MESSAGE ERROR"},
  };
  for (const auto& e : kNames) {
    if (e.asc == asc) return e.name;
  }
  return "";
}

}  // namespace

std::string_view SenseKeyName(SenseKey key) {
  switch (key) {
    case SenseKey::kNoSense:
      return "NO SENSE";
    case SenseKey::kRecoveredError:
      return "RECOVERED ERROR";
    case SenseKey::kNotReady:
      return "NOT READY";
    case SenseKey::kMediumError:
      return "MEDIUM ERROR";
    case SenseKey::kHardwareError:
      return "HARDWARE ERROR";
    case SenseKey::kIllegalRequest:
      return "ILLEGAL REQUEST";
    case SenseKey::kUnitAttention:
      return "UNIT ATTENTION";
    case SenseKey::kDataProtect:
      return "DATA PROTECT";
    case SenseKey::kBlankCheck:
      return "BLANK CHECK";
    case SenseKey::kVendorSpecific:
      return "VENDOR SPECIFIC";
    case SenseKey::kCopyAborted:
      return "COPY ABORTED";
    case SenseKey::kAbortedCommand:
      return "ABORTED COMMAND";
    case SenseKey::kVolumeOverflow:
      return "VOLUME OVERFLOW";
    case SenseKey::kMiscompare:
      return "MISCOMPARE";
    case SenseKey::kCompleted:
      return "COMPLETED";
  }
  return "RESERVED";
}

std::array<std::byte, kFixedSenseLength> BuildFixedSense(const SenseReason& reason) {
  std::array<std::byte, kFixedSenseLength> out{};
  StoreU8(&out[0], kSenseResponseFixedCurrent);  // VALID=0: INFORMATION not meaningful
  StoreU8(&out[2], static_cast<uint8_t>(reason.key) & 0x0F);
  StoreU8(&out[7], kFixedSenseLength - 8);  // ADDITIONAL SENSE LENGTH
  StoreU8(&out[12], reason.asc.asc);
  StoreU8(&out[13], reason.asc.ascq);
  if (reason.field.has_value()) StoreFieldPointer(&out[15], *reason.field);
  return out;
}

std::array<std::byte, kFixedSenseLength> BuildFixedSense(const SenseReason& reason,
                                                         uint64_t information) {
  auto out = BuildFixedSense(reason);
  StoreU8(&out[0], 0x80 | kSenseResponseFixedCurrent);  // VALID
  StoreBe32(&out[3], static_cast<uint32_t>(std::min<uint64_t>(information, 0xFFFFFFFFu)));
  return out;
}

Result<ParsedSense> ParseSense(std::span<const std::byte> data) {
  if (data.empty()) return InvalidArgument("sense data is empty");
  ParsedSense out;
  out.response_code = LoadU8(&data[0]) & 0x7F;
  switch (out.response_code) {
    case kSenseResponseFixedCurrent:
    case kSenseResponseFixedDeferred: {
      out.current = out.response_code == kSenseResponseFixedCurrent;
      if (data.size() < 3) return InvalidArgument("fixed sense data shorter than 3 bytes");
      out.key = static_cast<SenseKey>(LoadU8(&data[2]) & 0x0F);
      // Bytes past 7 only count when the ADDITIONAL SENSE LENGTH covers them.
      size_t end = 8;
      if (data.size() >= 8)
        end = std::min<size_t>(data.size(), 8 + LoadU8(&data[7]));
      else
        end = data.size();
      if ((LoadU8(&data[0]) & 0x80) && end >= 7) out.information = LoadBe32(&data[3]);
      if (end >= 13) out.asc.asc = LoadU8(&data[12]);
      if (end >= 14) out.asc.ascq = LoadU8(&data[13]);
      if (end >= 18) out.field = LoadFieldPointer(&data[15]);
      return out;
    }
    case kSenseResponseDescriptorCurrent:
    case kSenseResponseDescriptorDeferred: {
      out.current = out.response_code == kSenseResponseDescriptorCurrent;
      out.descriptor_format = true;
      if (data.size() < 2) return InvalidArgument("descriptor sense data shorter than 2 bytes");
      out.key = static_cast<SenseKey>(LoadU8(&data[1]) & 0x0F);
      if (data.size() >= 3) out.asc.asc = LoadU8(&data[2]);
      if (data.size() >= 4) out.asc.ascq = LoadU8(&data[3]);
      if (data.size() < 8) return out;
      const size_t end = std::min<size_t>(data.size(), 8 + LoadU8(&data[7]));
      size_t off = 8;
      while (off + 2 <= end) {
        const uint8_t type = LoadU8(&data[off]);
        const size_t len = 2 + LoadU8(&data[off + 1]);
        if (off + len > end) break;  // truncated descriptor: ignore it
        if (type == 0x00 && len >= 12 && (LoadU8(&data[off + 2]) & 0x80)) {
          out.information = LoadBe64(&data[off + 4]);
        } else if (type == 0x02 && len >= 7) {
          out.field = LoadFieldPointer(&data[off + 4]);
        }
        off += len;
      }
      return out;
    }
    default:
      return InvalidArgument(
          fmt::format("unknown sense response code 0x{:02x}", out.response_code));
  }
}

std::string DescribeSense(SenseKey key, Asc asc) {
  const std::string_view name = AscName(asc);
  if (name.empty()) {
    return fmt::format("{} asc=0x{:02x} ascq=0x{:02x}", SenseKeyName(key), asc.asc, asc.ascq);
  }
  return fmt::format("{} asc=0x{:02x} ascq=0x{:02x} ({})", SenseKeyName(key), asc.asc, asc.ascq,
                     name);
}

}  // namespace srp::scsi
