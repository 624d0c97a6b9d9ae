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

CdbResult<ModeSenseCdb> ParseModeSense6(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if (auto bad = CheckZero(cdb, 1, 0xF7)) return *bad;
  ModeSenseCdb out;
  out.dbd = (Byte(cdb, 1) & 0x08) != 0;
  out.page_control = Byte(cdb, 2) >> 6;
  out.page_code = Byte(cdb, 2) & 0x3F;
  out.subpage_code = Byte(cdb, 3);
  out.alloc_len = Byte(cdb, 4);
  return out;
}

CdbResult<ModeSenseCdb> ParseModeSense10(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if (auto bad = CheckZero(cdb, 1, 0xE7)) return *bad;
  ModeSenseCdb out;
  out.ten = true;
  out.llbaa = (Byte(cdb, 1) & 0x10) != 0;
  out.dbd = (Byte(cdb, 1) & 0x08) != 0;
  out.page_control = Byte(cdb, 2) >> 6;
  out.page_code = Byte(cdb, 2) & 0x3F;
  out.subpage_code = Byte(cdb, 3);
  out.alloc_len = LoadBe16(cdb, 7);
  return out;
}

CdbResult<ModeSelectCdb> ParseModeSelect(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  // Byte 1: PF bit 4, SP bit 0; the rest reserved.
  if (auto bad = CheckZero(cdb, 1, 0xEE)) return *bad;
  ModeSelectCdb out;
  out.ten = Byte(cdb, 0) == kOpModeSelect10;
  out.pf = (Byte(cdb, 1) & 0x10) != 0;
  out.sp = (Byte(cdb, 1) & 0x01) != 0;
  out.param_len = out.ten ? LoadBe16(cdb, 7) : Byte(cdb, 4);
  return out;
}

CdbResult<StartStopUnitCdb> ParseStartStopUnit(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if (auto bad = CheckZero(cdb, 1, 0xFE)) return *bad;
  if (auto bad = CheckZero(cdb, 3, 0xF0)) return *bad;
  // Byte 4: POWER CONDITION 7..4, reserved 3, NO_FLUSH 2, LOEJ 1, START 0.
  if (auto bad = CheckZero(cdb, 4, 0x0A)) return *bad;
  StartStopUnitCdb out;
  out.immed = (Byte(cdb, 1) & 0x01) != 0;
  out.power_condition = Byte(cdb, 4) >> 4;
  out.start = (Byte(cdb, 4) & 0x01) != 0;
  return out;
}

CdbResult<SynchronizeCacheCdb> ParseSynchronizeCache(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  // Byte 1: IMMED bit 1, SYNC_NV bit 2 (obsolete, ignored), RELADR bit 0 (obsolete).
  if (auto bad = CheckZero(cdb, 1, 0xF9)) return *bad;
  SynchronizeCacheCdb out;
  out.immed = (Byte(cdb, 1) & 0x02) != 0;
  if (Byte(cdb, 0) == kOpSynchronizeCache16) {
    out.lba = LoadBe64(cdb, 2);
    out.blocks = LoadBe32(cdb, 10);
  } else {
    out.lba = LoadBe32(cdb, 2);
    out.blocks = LoadBe16(cdb, 7);
  }
  return out;
}

CdbResult<VerifyCdb> ParseVerify(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  // Byte 1: VRPROTECT 7..5, DPO 4, reserved 3, BYTCHK 2..1, obsolete RELADR 0.
  if (auto bad = CheckZero(cdb, 1, 0xE9)) return *bad;
  VerifyCdb out;
  out.bytchk = (Byte(cdb, 1) >> 1) & 0x03;
  if (out.bytchk == 2) return InvalidFieldInCdb(1, 2);
  if (Byte(cdb, 0) == kOpVerify16) {
    out.lba = LoadBe64(cdb, 2);
    out.blocks = LoadBe32(cdb, 10);
  } else {
    out.lba = LoadBe32(cdb, 2);
    out.blocks = LoadBe16(cdb, 7);
  }
  return out;
}

CdbResult<WriteSameCdb> ParseWriteSame(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  const bool sixteen = Byte(cdb, 0) == kOpWriteSame16;
  // Byte 1: WRPROTECT 7..5, ANCHOR 4, UNMAP 3, obsolete PBDATA/LBDATA 2..1, NDOB 0 ((16)).
  if (auto bad = CheckZero(cdb, 1, sixteen ? 0xF6 : 0xF7)) return *bad;
  WriteSameCdb out;
  out.unmap = (Byte(cdb, 1) & 0x08) != 0;
  out.ndob = sixteen && (Byte(cdb, 1) & 0x01) != 0;
  if (sixteen) {
    out.lba = LoadBe64(cdb, 2);
    out.blocks = LoadBe32(cdb, 10);
  } else {
    out.lba = LoadBe32(cdb, 2);
    out.blocks = LoadBe16(cdb, 7);
  }
  return out;
}

CdbResult<UnmapCdb> ParseUnmap(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if (auto bad = CheckZero(cdb, 1, 0xFF)) return *bad;  // bit 0 ANCHOR, rest reserved
  return UnmapCdb{LoadBe16(cdb, 7)};
}

CdbResult<CompareAndWriteCdb> ParseCompareAndWrite(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  // Byte 1: WRPROTECT 7..5, DPO 4, FUA 3, reserved 2, FUA_NV 1 (ignored), reserved 0.
  if (auto bad = CheckZero(cdb, 1, 0xE5)) return *bad;
  CompareAndWriteCdb out;
  out.fua = (Byte(cdb, 1) & 0x08) != 0;
  out.lba = LoadBe64(cdb, 2);
  out.blocks = Byte(cdb, 13);
  return out;
}

CdbResult<ReportSupportedOpcodesCdb> ParseReportSupportedOpcodes(std::span<const std::byte> cdb) {
  if (auto bad = CheckCdbBasics(cdb)) return *bad;
  if ((Byte(cdb, 1) & 0x1F) != kSaReportSupportedOpcodes) return InvalidFieldInCdb(1, 4);
  if (auto bad = CheckZero(cdb, 1, 0xE0)) return *bad;
  if (auto bad = CheckZero(cdb, 2, 0x78)) return *bad;
  ReportSupportedOpcodesCdb out;
  out.rctd = (Byte(cdb, 2) & 0x80) != 0;
  out.reporting_options = Byte(cdb, 2) & 0x07;
  if (out.reporting_options > 3) return InvalidFieldInCdb(2, 2);
  out.opcode = Byte(cdb, 3);
  out.service_action = LoadBe16(cdb, 4);
  out.alloc_len = LoadBe32(cdb, 6);
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
