// CDB parsers for the target side: decode fields and validate them against SPC-4 / SBC-3.
//
// Each parser takes the CDB bytes actually received (SRP gives 16 + additional CDB bytes; the
// parser only reads the length the opcode implies) and returns either the decoded fields or
// the SenseReason the device server must report (ILLEGAL REQUEST / INVALID FIELD IN CDB with a
// field pointer at the offending byte and bit). Checked everywhere: CONTROL byte NACA and LINK
// (unsupported), protection fields (no protection information support), reserved bits that
// Linux never sets. A CDB shorter than its opcode's length is INVALID FIELD IN CDB at byte 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <variant>

#include "lib/scsi/constants.h"
#include "lib/scsi/sense.h"

namespace srp::scsi {

// Either parsed CDB fields or the sense reason to report.
template <typename T>
class [[nodiscard]] CdbResult {
 public:
  CdbResult(T value) : v_(std::move(value)) {}              // NOLINT(google-explicit-constructor)
  CdbResult(SenseReason reason) : v_(std::move(reason)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: ok().
  const T& value() const { return std::get<T>(v_); }
  const T* operator->() const { return &value(); }
  // REQUIRES: !ok().
  const SenseReason& reason() const { return std::get<SenseReason>(v_); }

 private:
  std::variant<T, SenseReason> v_;
};

// Checks CDB length for the opcode and the CONTROL byte. Used by every parser below; exposed
// for handlers of CDBs without other fields.
std::optional<SenseReason> CheckCdbBasics(std::span<const std::byte> cdb);

struct TestUnitReadyCdb {};
CdbResult<TestUnitReadyCdb> ParseTestUnitReady(std::span<const std::byte> cdb);

struct RequestSenseCdb {
  bool desc = false;  // descriptor format requested
  uint8_t alloc_len = 0;
};
CdbResult<RequestSenseCdb> ParseRequestSense(std::span<const std::byte> cdb);

struct InquiryCdb {
  bool evpd = false;
  uint8_t page_code = 0;
  uint16_t alloc_len = 0;
};
// EVPD=0 with a non-zero PAGE CODE and the obsolete CMDDT bit are INVALID FIELD IN CDB.
CdbResult<InquiryCdb> ParseInquiry(std::span<const std::byte> cdb);

struct ReportLunsCdb {
  uint8_t select_report = 0;
  uint32_t alloc_len = 0;
};
// SELECT REPORT 0, 1, 2 accepted; ALLOCATION LENGTH < 16 is INVALID FIELD IN CDB (SPC-3/SCST).
CdbResult<ReportLunsCdb> ParseReportLuns(std::span<const std::byte> cdb);

struct ReadCapacityCdb {
  uint32_t alloc_len = 8;  // 8 for READ CAPACITY(10)
};
// PMI=0 with a non-zero LOGICAL BLOCK ADDRESS is INVALID FIELD IN CDB (SBC-3 5.15/5.16).
CdbResult<ReadCapacityCdb> ParseReadCapacity10(std::span<const std::byte> cdb);
// REQUIRES: service action READ CAPACITY(16) (checked; other actions are INVALID FIELD byte 1).
CdbResult<ReadCapacityCdb> ParseReadCapacity16(std::span<const std::byte> cdb);

// MODE SENSE (6) and (10).
struct ModeSenseCdb {
  bool dbd = false;          // disable block descriptors
  bool llbaa = false;        // (10) only: long LBA block descriptor allowed
  uint8_t page_control = 0;  // 0 current, 1 changeable, 2 default, 3 saved
  uint8_t page_code = 0;
  uint8_t subpage_code = 0;
  uint16_t alloc_len = 0;
  bool ten = false;  // MODE SENSE(10): 8-byte header
};
using ModeSense6Cdb = ModeSenseCdb;
CdbResult<ModeSenseCdb> ParseModeSense6(std::span<const std::byte> cdb);
CdbResult<ModeSenseCdb> ParseModeSense10(std::span<const std::byte> cdb);

// MODE SELECT (6) and (10).
struct ModeSelectCdb {
  bool pf = false;  // page format
  bool sp = false;  // save pages
  uint16_t param_len = 0;
  bool ten = false;
};
CdbResult<ModeSelectCdb> ParseModeSelect(std::span<const std::byte> cdb);

struct StartStopUnitCdb {
  bool immed = false;
  uint8_t power_condition = 0;
  bool start = false;
};
// LOEJ=1 (no removable medium) is INVALID FIELD IN CDB byte 4 bit 1.
CdbResult<StartStopUnitCdb> ParseStartStopUnit(std::span<const std::byte> cdb);

// SYNCHRONIZE CACHE (10)/(16); blocks 0 = through the last LBA.
struct SynchronizeCacheCdb {
  uint64_t lba = 0;
  uint32_t blocks = 0;
  bool immed = false;
};
CdbResult<SynchronizeCacheCdb> ParseSynchronizeCache(std::span<const std::byte> cdb);

// VERIFY (10)/(16). BYTCHK 00b: medium check only; 01b: compare with data-out; 11b: compare
// one data-out block with every block of the range; 10b is INVALID FIELD IN CDB.
struct VerifyCdb {
  uint64_t lba = 0;
  uint32_t blocks = 0;
  uint8_t bytchk = 0;
};
CdbResult<VerifyCdb> ParseVerify(std::span<const std::byte> cdb);

// WRITE SAME (10)/(16). ANCHOR and (10)'s NDOB bit are INVALID FIELD IN CDB (no anchored
// provisioning).
struct WriteSameCdb {
  uint64_t lba = 0;
  uint32_t blocks = 0;
  bool unmap = false;
  bool ndob = false;  // (16) only: no data-out buffer, the block is zeros
};
CdbResult<WriteSameCdb> ParseWriteSame(std::span<const std::byte> cdb);

// UNMAP; ANCHOR is INVALID FIELD IN CDB.
struct UnmapCdb {
  uint16_t param_len = 0;
};
CdbResult<UnmapCdb> ParseUnmap(std::span<const std::byte> cdb);

struct CompareAndWriteCdb {
  uint64_t lba = 0;
  uint8_t blocks = 0;  // NUMBER OF LOGICAL BLOCKS; data-out is 2 x blocks
  bool fua = false;
};
CdbResult<CompareAndWriteCdb> ParseCompareAndWrite(std::span<const std::byte> cdb);

// MAINTENANCE IN / REPORT SUPPORTED OPERATION CODES (SPC-4 6.35).
struct ReportSupportedOpcodesCdb {
  bool rctd = false;              // return command timeouts descriptors
  uint8_t reporting_options = 0;  // 0 all, 1 opcode, 2 opcode + SA, 3 opcode (+ SA if any)
  uint8_t opcode = 0;
  uint16_t service_action = 0;
  uint32_t alloc_len = 0;
};
// Reporting options above 3 are INVALID FIELD IN CDB byte 2.
CdbResult<ReportSupportedOpcodesCdb> ParseReportSupportedOpcodes(std::span<const std::byte> cdb);

// READ/WRITE (6), (10), (12), (16).
struct ReadWriteCdb {
  uint8_t opcode = 0;
  bool write = false;
  uint64_t lba = 0;
  uint32_t blocks = 0;  // READ/WRITE(6) length 0 already expanded to 256
  bool fua = false;
  bool dpo = false;
};
// REQUIRES: opcode is one of the eight READ/WRITE opcodes (others: INVALID COMMAND OPERATION
// CODE). RDPROTECT/WRPROTECT != 0 is INVALID FIELD IN CDB (no protection information).
CdbResult<ReadWriteCdb> ParseReadWrite(std::span<const std::byte> cdb);

}  // namespace srp::scsi
