// CDB builders for the initiator side (SPC-4 / SBC-3 CDB layouts).
//
// Every builder returns the exact CDB bytes with reserved fields zero and CONTROL = 0. The
// target's parsers in cdb_parse.h accept every CDB built here (round-trip tested).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/scsi/constants.h"

namespace srp::scsi {

// A CDB of up to 16 bytes: what fits in SRP_CMD's CDB field without additional CDB bytes.
struct Cdb {
  std::array<std::byte, kSrpCdbFieldLength> bytes{};
  uint8_t length = 0;
  std::span<const std::byte> view() const { return {bytes.data(), length}; }
};

Cdb BuildTestUnitReady();
// REQUEST SENSE(6), fixed-format sense requested (DESC=0).
Cdb BuildRequestSense(uint8_t alloc_len);
// Standard INQUIRY (EVPD=0, page 0).
Cdb BuildInquiry(uint16_t alloc_len);
// INQUIRY with EVPD=1 for `page`.
Cdb BuildInquiryVpd(uint8_t page, uint16_t alloc_len);
// REPORT LUNS; select_report 0 = all LUNs (what Linux sends), 2 = all incl. well-known.
Cdb BuildReportLuns(uint32_t alloc_len, uint8_t select_report = 0);
Cdb BuildReadCapacity10();
// SERVICE ACTION IN(16) / READ CAPACITY(16); Linux asks for 32 bytes.
Cdb BuildReadCapacity16(uint32_t alloc_len = 32);
// MODE SENSE(6), page control "current values".
Cdb BuildModeSense6(uint8_t page, uint8_t subpage, uint8_t alloc_len, bool dbd = false);

// MODE SENSE(10), page control `pc` (0 current, 1 changeable, 2 default, 3 saved).
Cdb BuildModeSense10(uint8_t page, uint8_t subpage, uint16_t alloc_len, bool dbd = false,
                     uint8_t pc = 0, bool llbaa = false);
// MODE SELECT(6)/(10) with PF=1.
Cdb BuildModeSelect6(uint8_t param_len);
Cdb BuildModeSelect10(uint16_t param_len);
Cdb BuildStartStopUnit(bool start);
Cdb BuildSynchronizeCache10(uint32_t lba = 0, uint16_t blocks = 0);
Cdb BuildSynchronizeCache16(uint64_t lba = 0, uint32_t blocks = 0);
// VERIFY(10)/(16); bytchk 0 (medium only) or 1 (compare with data-out).
Cdb BuildVerify10(uint32_t lba, uint16_t blocks, uint8_t bytchk = 0);
Cdb BuildVerify16(uint64_t lba, uint32_t blocks, uint8_t bytchk = 0);
Cdb BuildWriteSame10(uint32_t lba, uint16_t blocks, bool unmap = false);
Cdb BuildWriteSame16(uint64_t lba, uint32_t blocks, bool unmap = false, bool ndob = false);
Cdb BuildUnmap(uint16_t param_len);
Cdb BuildCompareAndWrite(uint64_t lba, uint8_t blocks, bool fua = false);
// MAINTENANCE IN / REPORT SUPPORTED OPERATION CODES.
Cdb BuildReportSupportedOpcodes(uint8_t reporting_options, uint8_t opcode, uint16_t service_action,
                                uint32_t alloc_len, bool rctd = false);

Cdb BuildRead10(uint32_t lba, uint16_t blocks, bool fua = false);
Cdb BuildWrite10(uint32_t lba, uint16_t blocks, bool fua = false);
Cdb BuildRead16(uint64_t lba, uint32_t blocks, bool fua = false);
Cdb BuildWrite16(uint64_t lba, uint32_t blocks, bool fua = false);

// READ/WRITE(10) when the LBA and length fit (like sd.c), else READ/WRITE(16).
Cdb BuildReadWrite(bool write, uint64_t lba, uint32_t blocks, bool fua = false);

}  // namespace srp::scsi
