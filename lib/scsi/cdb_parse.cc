#include "lib/scsi/cdb_parse.h"

#include "lib/common/endian.h"

namespace srp::scsi {
namespace {

uint8_t Byte(std::span<const std::byte> cdb, size_t i) { return static_cast<uint8_t>(cdb[i]); }

// First set bit of `mask` in `value`, for the BIT POINTER.
uint8_t FirstBit(uint8_t value, uint8_t mask) {
  const uint8_t hit = value & mask;
  for (uint8_t bit = 0; bit < 8; ++bit) {
    if (hit & (1u << bit)) return bit;
  }
  return 0;
}

// INVALID FIELD IN CDB at `byte` if any of the `mask` bits are set.
std::optional<SenseReason> CheckZero(std::span<const std::byte> cdb, size_t byte, uint8_t mask) {
  const uint8_t v = Byte(cdb, byte);
  if ((v & mask) == 0) return std::nullopt;
  return InvalidFieldInCdb(static_cast<uint16_t>(byte), FirstBit(v, mask));
}

}  // namespace

std::optional<SenseReason> CheckCdbBasics(std::span<const std::byte> cdb) {
  if (cdb.empty()) return InvalidFieldInCdb(0);
  const size_t len = CdbLengthForOpcode(Byte(cdb, 0));
  if (len == 0 || cdb.size() < len) return InvalidFieldInCdb(0);
  // CONTROL: NACA (bit 2) needs ACA support we do not have; LINK (bit 0) is obsolete.
  return CheckZero(cdb, len - 1, 0x05);
}

CdbResult<TestUnitReadyCdb> ParseTestUnitReady(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  return TestUnitReadyCdb{};
}

CdbResult<RequestSenseCdb> ParseRequestSense(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if (auto bad = CheckZero(cdb, 1, 0xFE)) return *bad;
  return RequestSenseCdb{(Byte(cdb, 1) & 0x01) != 0, Byte(cdb, 4)};
}

CdbResult<InquiryCdb> ParseInquiry(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if (auto bad = CheckZero(cdb, 1, 0xFE)) return *bad;  // CMDDT (bit 1) obsolete, rest reserved
  InquiryCdb out;
  out.evpd = (Byte(cdb, 1) & 0x01) != 0;
  out.page_code = Byte(cdb, 2);
  out.alloc_len = LoadBe16(cdb, 3);
  if (!out.evpd && out.page_code != 0) return InvalidFieldInCdb(2);
  return out;
}

CdbResult<ReportLunsCdb> ParseReportLuns(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  ReportLunsCdb out;
  out.select_report = Byte(cdb, 2);
  out.alloc_len = LoadBe32(cdb, 6);
  if (out.select_report > 0x02) return InvalidFieldInCdb(2);
  if (out.alloc_len < 16) return InvalidFieldInCdb(6);
  return out;
}

CdbResult<ReadCapacityCdb> ParseReadCapacity10(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if (auto bad = CheckZero(cdb, 1, 0xFF)) return *bad;  // bit 0 obsolete RELADR
  if (auto bad = CheckZero(cdb, 8, 0xFE)) return *bad;
  const bool pmi = (Byte(cdb, 8) & 0x01) != 0;
  if (!pmi && LoadBe32(cdb, 2) != 0) return InvalidFieldInCdb(2);
  return ReadCapacityCdb{8};
}

CdbResult<ReadCapacityCdb> ParseReadCapacity16(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if ((Byte(cdb, 1) & 0x1F) != kSaReadCapacity16) return InvalidFieldInCdb(1, 4);
  if (auto bad = CheckZero(cdb, 1, 0xE0)) return *bad;
  if (auto bad = CheckZero(cdb, 14, 0xFE)) return *bad;
  const bool pmi = (Byte(cdb, 14) & 0x01) != 0;
  if (!pmi && LoadBe64(cdb, 2) != 0) return InvalidFieldInCdb(2);
  return ReadCapacityCdb{LoadBe32(cdb, 10)};
}

CdbResult<ModeSense6Cdb> ParseModeSense6(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if (auto bad = CheckZero(cdb, 1, 0xF7)) return *bad;
  ModeSense6Cdb out;
  out.dbd = (Byte(cdb, 1) & 0x08) != 0;
  out.page_control = Byte(cdb, 2) >> 6;
  out.page_code = Byte(cdb, 2) & 0x3F;
  out.subpage_code = Byte(cdb, 3);
  out.alloc_len = Byte(cdb, 4);
  return out;
}

CdbResult<ReadWriteCdb> ParseReadWrite(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  ReadWriteCdb out;
  out.opcode = Byte(cdb, 0);
  switch (out.opcode) {
    case kOpRead6:
    case kOpWrite6:
      // Byte 1 bits 7..5 were the SCSI-2 LUN field: reserved for us.
      if (auto bad = CheckZero(cdb, 1, 0xE0)) return *bad;
      out.write = out.opcode == kOpWrite6;
      out.lba = (static_cast<uint64_t>(Byte(cdb, 1) & 0x1F) << 16) | LoadBe16(cdb, 2);
      out.blocks = Byte(cdb, 4) == 0 ? 256 : Byte(cdb, 4);  // SBC-3: 0 means 256 blocks
      return out;
    case kOpRead10:
    case kOpWrite10:
      out.lba = LoadBe32(cdb, 2);
      out.blocks = LoadBe16(cdb, 7);
      if (auto bad = CheckZero(cdb, 6, 0x80)) return *bad;
      break;
    case kOpRead12:
    case kOpWrite12:
      out.lba = LoadBe32(cdb, 2);
      out.blocks = LoadBe32(cdb, 6);
      if (auto bad = CheckZero(cdb, 10, 0x80)) return *bad;
      break;
    case kOpRead16:
    case kOpWrite16:
      out.lba = LoadBe64(cdb, 2);
      out.blocks = LoadBe32(cdb, 10);
      break;
    default:
      return InvalidOpcode();
  }
  out.write = out.opcode == kOpWrite10 || out.opcode == kOpWrite12 || out.opcode == kOpWrite16;
  // Byte 1: RD/WRPROTECT 7..5 (no protection information), DPO 4, FUA 3, bit 2 RARC/reserved
  // (ignored), bit 1 FUA_NV (obsolete, ignored), bit 0 obsolete RELADR (rejected).
  if (auto bad = CheckZero(cdb, 1, 0xE1)) return *bad;
  out.dpo = (Byte(cdb, 1) & 0x10) != 0;
  out.fua = (Byte(cdb, 1) & 0x08) != 0;
  return out;
}

}  // namespace srp::scsi
