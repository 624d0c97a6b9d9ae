// Handler functions of the disk command table and their shared helpers (internal to
// target/scsi). One file per job:
//   spc_handlers.cc       TEST UNIT READY, REQUEST SENSE, INQUIRY, START STOP UNIT
//   vpd_pages.cc          INQUIRY EVPD pages 00h, 80h, 83h, B0h, B1h, B2h
//   mode_pages.cc         MODE SENSE(6)/(10), MODE SELECT(6)/(10)
//   rsoc_handler.cc       REPORT SUPPORTED OPERATION CODES
//   sbc_handlers.cc       READ CAPACITY, READ/WRITE (asynchronous), SYNCHRONIZE CACHE
//   verify_handlers.cc    VERIFY(10)/(16), COMPARE AND WRITE
//   provisioning_handlers.cc  WRITE SAME(10)/(16), UNMAP
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "lib/scsi/sense.h"
#include "target/scsi/backend_errors.h"
#include "target/scsi/command_table.h"
#include "target/scsi/scsi_task.h"

namespace srp::target::handlers {

// Limits we advertise in VPD B0h and enforce in the handlers.
inline constexpr uint8_t kMaxCompareAndWriteBlocks = 64;
inline constexpr uint32_t kMaxUnmapLbaCount = 1u << 22;
inline constexpr uint32_t kMaxUnmapDescriptors = 64;
inline constexpr uint64_t kMaxWriteSameBlocks = 1u << 16;

// SPC-4
HandlerResult TestUnitReady(LogicalUnit& lu, ScsiTask& task);
HandlerResult RequestSense(LogicalUnit& lu, ScsiTask& task);
HandlerResult Inquiry(LogicalUnit& lu, ScsiTask& task);
HandlerResult StartStopUnit(LogicalUnit& lu, ScsiTask& task);
HandlerResult ModeSense(LogicalUnit& lu, ScsiTask& task);
HandlerResult ModeSelect(LogicalUnit& lu, ScsiTask& task);
HandlerResult ReportSupportedOpcodes(LogicalUnit& lu, ScsiTask& task);
// Rows the core answers before a unit sees them (REPORT LUNS): reaching this handler means
// LogicalUnit::Execute was called directly; answers INVALID COMMAND OPERATION CODE.
HandlerResult NotRoutedHere(LogicalUnit& lu, ScsiTask& task);

// SBC-3
HandlerResult ReadCapacity10(LogicalUnit& lu, ScsiTask& task);
HandlerResult ReadCapacity16(LogicalUnit& lu, ScsiTask& task);
HandlerResult ReadWrite(LogicalUnit& lu, ScsiTask& task);
HandlerResult SynchronizeCache(LogicalUnit& lu, ScsiTask& task);
HandlerResult Verify(LogicalUnit& lu, ScsiTask& task);
HandlerResult CompareAndWrite(LogicalUnit& lu, ScsiTask& task);
HandlerResult WriteSame(LogicalUnit& lu, ScsiTask& task);
HandlerResult Unmap(LogicalUnit& lu, ScsiTask& task);

// Standard INQUIRY data (SPC-4 table 137), full length. `lu` null: the answer for a LUN with
// no device (PERIPHERAL QUALIFIER 3, type 1Fh).
std::vector<std::byte> StandardInquiryData(const LogicalUnit* lu);

// INQUIRY EVPD page `page` of `lu` seen through `port` (null: relative port 1, no name), full
// length; empty when the page is not supported.
std::vector<std::byte> VpdPageData(const LogicalUnit& lu, uint8_t page,
                                   const TargetPortInfo* port = nullptr);

// Sets CHECK CONDITION and returns kComplete: `return Fail(task, reason);`.
inline HandlerResult Fail(ScsiTask& task, const scsi::SenseReason& reason) {
  task.SetCheckCondition(reason);
  return HandlerResult::kComplete;
}

// Sets the outcome of a failed backend call (backend_errors.h) and returns kComplete.
HandlerResult FailBackend(ScsiTask& task, const Status& status, IoKind kind);

// Data-in commands: fails with INVALID FIELD IN CDB when the descriptors are data-out, else
// delivers `response` truncated to `alloc_len` (FinishDataIn).
HandlerResult ReturnDataIn(ScsiTask& task, std::span<const std::byte> response, size_t alloc_len);

// Data-out commands with a parameter list of `param_len` bytes (MODE SELECT, UNMAP): the
// bytes received, or nullopt after setting CHECK CONDITION (INVALID FIELD IN CDB for data-in
// descriptors, PARAMETER LIST LENGTH ERROR when the descriptors carry fewer bytes). Sets
// data_length and the residual.
std::optional<std::span<const std::byte>> TakeParameterList(ScsiTask& task, size_t param_len);

// Overflow-safe "lba + blocks > capacity" (SBC-3 4.5).
inline bool RangeInvalid(uint64_t lba, uint64_t blocks, uint64_t capacity) {
  return lba > capacity || blocks > capacity - lba;
}

// Writes `text` left-aligned and blank-padded into `out` (INQUIRY ASCII fields).
void PutPaddedAscii(std::span<std::byte> out, std::string_view text);

inline scsi::SenseReason WriteProtected() {
  return {scsi::SenseKey::kDataProtect, scsi::kAscWriteProtected, std::nullopt};
}

}  // namespace srp::target::handlers
