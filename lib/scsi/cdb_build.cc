#include "lib/scsi/cdb_build.h"

#include "lib/common/endian.h"

namespace srp::scsi {
namespace {

Cdb Start(uint8_t opcode) {
  Cdb cdb;
  cdb.length = static_cast<uint8_t>(CdbLengthForOpcode(opcode));
  StoreU8(&cdb.bytes[0], opcode);
  return cdb;
}

constexpr uint8_t kFuaBit = 0x08;  // byte 1 bit 3 of READ/WRITE(10/12/16)

Cdb Rw10(uint8_t opcode, uint32_t lba, uint16_t blocks, bool fua) {
  Cdb cdb = Start(opcode);
  StoreU8(&cdb.bytes[1], fua ? kFuaBit : 0);
  StoreBe32(&cdb.bytes[2], lba);
  StoreBe16(&cdb.bytes[7], blocks);
  return cdb;
}

Cdb Rw16(uint8_t opcode, uint64_t lba, uint32_t blocks, bool fua) {
  Cdb cdb = Start(opcode);
  StoreU8(&cdb.bytes[1], fua ? kFuaBit : 0);
  StoreBe64(&cdb.bytes[2], lba);
  StoreBe32(&cdb.bytes[10], blocks);
  return cdb;
}

}  // namespace

Cdb BuildTestUnitReady() { return Start(kOpTestUnitReady); }

Cdb BuildRequestSense(uint8_t alloc_len) {
  Cdb cdb = Start(kOpRequestSense);
  StoreU8(&cdb.bytes[4], alloc_len);
  return cdb;
}

Cdb BuildInquiry(uint16_t alloc_len) {
  Cdb cdb = Start(kOpInquiry);
  StoreBe16(&cdb.bytes[3], alloc_len);
  return cdb;
}

Cdb BuildInquiryVpd(uint8_t page, uint16_t alloc_len) {
  Cdb cdb = BuildInquiry(alloc_len);
  StoreU8(&cdb.bytes[1], 0x01);  // EVPD
  StoreU8(&cdb.bytes[2], page);
  return cdb;
}

Cdb BuildReportLuns(uint32_t alloc_len, uint8_t select_report) {
  Cdb cdb = Start(kOpReportLuns);
  StoreU8(&cdb.bytes[2], select_report);
  StoreBe32(&cdb.bytes[6], alloc_len);
  return cdb;
}

Cdb BuildReadCapacity10() { return Start(kOpReadCapacity10); }

Cdb BuildReadCapacity16(uint32_t alloc_len) {
  Cdb cdb = Start(kOpServiceActionIn16);
  StoreU8(&cdb.bytes[1], kSaReadCapacity16);
  StoreBe32(&cdb.bytes[10], alloc_len);
  return cdb;
}

Cdb BuildModeSense6(uint8_t page, uint8_t subpage, uint8_t alloc_len, bool dbd) {
  Cdb cdb = Start(kOpModeSense6);
  StoreU8(&cdb.bytes[1], dbd ? 0x08 : 0x00);
  StoreU8(&cdb.bytes[2], page & 0x3F);  // PC = 00b current values
  StoreU8(&cdb.bytes[3], subpage);
  StoreU8(&cdb.bytes[4], alloc_len);
  return cdb;
}

Cdb BuildRead10(uint32_t lba, uint16_t blocks, bool fua) {
  return Rw10(kOpRead10, lba, blocks, fua);
}
Cdb BuildWrite10(uint32_t lba, uint16_t blocks, bool fua) {
  return Rw10(kOpWrite10, lba, blocks, fua);
}
Cdb BuildRead16(uint64_t lba, uint32_t blocks, bool fua) {
  return Rw16(kOpRead16, lba, blocks, fua);
}
Cdb BuildWrite16(uint64_t lba, uint32_t blocks, bool fua) {
  return Rw16(kOpWrite16, lba, blocks, fua);
}

Cdb BuildReadWrite(bool write, uint64_t lba, uint32_t blocks, bool fua) {
  if (lba <= 0xFFFFFFFFull && blocks <= 0xFFFF) {
    return write ? BuildWrite10(static_cast<uint32_t>(lba), static_cast<uint16_t>(blocks), fua)
                 : BuildRead10(static_cast<uint32_t>(lba), static_cast<uint16_t>(blocks), fua);
  }
  return write ? BuildWrite16(lba, blocks, fua) : BuildRead16(lba, blocks, fua);
}

Cdb BuildModeSense10(uint8_t page, uint8_t subpage, uint16_t alloc_len, bool dbd, uint8_t pc,
                     bool llbaa) {
  Cdb cdb = Start(kOpModeSense10);
  StoreU8(&cdb.bytes[1], static_cast<uint8_t>((llbaa ? 0x10 : 0) | (dbd ? 0x08 : 0)));
  StoreU8(&cdb.bytes[2], static_cast<uint8_t>((pc << 6) | (page & 0x3F)));
  StoreU8(&cdb.bytes[3], subpage);
  StoreBe16(&cdb.bytes[7], alloc_len);
  return cdb;
}

Cdb BuildModeSelect6(uint8_t param_len) {
  Cdb cdb = Start(kOpModeSelect6);
  StoreU8(&cdb.bytes[1], 0x10);  // PF
  StoreU8(&cdb.bytes[4], param_len);
  return cdb;
}

Cdb BuildModeSelect10(uint16_t param_len) {
  Cdb cdb = Start(kOpModeSelect10);
  StoreU8(&cdb.bytes[1], 0x10);  // PF
  StoreBe16(&cdb.bytes[7], param_len);
  return cdb;
}

Cdb BuildStartStopUnit(bool start) {
  Cdb cdb = Start(kOpStartStopUnit);
  StoreU8(&cdb.bytes[4], start ? 0x01 : 0x00);
  return cdb;
}

Cdb BuildSynchronizeCache10(uint32_t lba, uint16_t blocks) {
  Cdb cdb = Start(kOpSynchronizeCache10);
  StoreBe32(&cdb.bytes[2], lba);
  StoreBe16(&cdb.bytes[7], blocks);
  return cdb;
}

Cdb BuildSynchronizeCache16(uint64_t lba, uint32_t blocks) {
  Cdb cdb = Start(kOpSynchronizeCache16);
  StoreBe64(&cdb.bytes[2], lba);
  StoreBe32(&cdb.bytes[10], blocks);
  return cdb;
}

Cdb BuildVerify10(uint32_t lba, uint16_t blocks, uint8_t bytchk) {
  Cdb cdb = Start(kOpVerify10);
  StoreU8(&cdb.bytes[1], static_cast<uint8_t>((bytchk & 0x03) << 1));
  StoreBe32(&cdb.bytes[2], lba);
  StoreBe16(&cdb.bytes[7], blocks);
  return cdb;
}

Cdb BuildVerify16(uint64_t lba, uint32_t blocks, uint8_t bytchk) {
  Cdb cdb = Start(kOpVerify16);
  StoreU8(&cdb.bytes[1], static_cast<uint8_t>((bytchk & 0x03) << 1));
  StoreBe64(&cdb.bytes[2], lba);
  StoreBe32(&cdb.bytes[10], blocks);
  return cdb;
}

Cdb BuildWriteSame10(uint32_t lba, uint16_t blocks, bool unmap) {
  Cdb cdb = Start(kOpWriteSame10);
  StoreU8(&cdb.bytes[1], unmap ? 0x08 : 0x00);
  StoreBe32(&cdb.bytes[2], lba);
  StoreBe16(&cdb.bytes[7], blocks);
  return cdb;
}

Cdb BuildWriteSame16(uint64_t lba, uint32_t blocks, bool unmap, bool ndob) {
  Cdb cdb = Start(kOpWriteSame16);
  StoreU8(&cdb.bytes[1], static_cast<uint8_t>((unmap ? 0x08 : 0) | (ndob ? 0x01 : 0)));
  StoreBe64(&cdb.bytes[2], lba);
  StoreBe32(&cdb.bytes[10], blocks);
  return cdb;
}

Cdb BuildUnmap(uint16_t param_len) {
  Cdb cdb = Start(kOpUnmap);
  StoreBe16(&cdb.bytes[7], param_len);
  return cdb;
}

Cdb BuildCompareAndWrite(uint64_t lba, uint8_t blocks, bool fua) {
  Cdb cdb = Start(kOpCompareAndWrite);
  StoreU8(&cdb.bytes[1], fua ? kFuaBit : 0);
  StoreBe64(&cdb.bytes[2], lba);
  StoreU8(&cdb.bytes[13], blocks);
  return cdb;
}

Cdb BuildReportSupportedOpcodes(uint8_t reporting_options, uint8_t opcode, uint16_t service_action,
                                uint32_t alloc_len, bool rctd) {
  Cdb cdb = Start(kOpMaintenanceIn);
  StoreU8(&cdb.bytes[1], kSaReportSupportedOpcodes);
  StoreU8(&cdb.bytes[2], static_cast<uint8_t>((rctd ? 0x80 : 0) | (reporting_options & 0x07)));
  StoreU8(&cdb.bytes[3], opcode);
  StoreBe16(&cdb.bytes[4], service_action);
  StoreBe32(&cdb.bytes[6], alloc_len);
  return cdb;
}

}  // namespace srp::scsi
