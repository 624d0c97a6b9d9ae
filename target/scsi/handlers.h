// Handler functions of the disk command table and their shared helpers (internal to
// target/scsi). spc_handlers.cc: SPC-4 primary commands; sbc_handlers.cc: SBC-3 block
// commands; vpd_pages.cc: INQUIRY EVPD pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "lib/scsi/sense.h"
#include "target/scsi/command_table.h"
#include "target/scsi/scsi_task.h"

namespace srp::target::handlers {

// SPC-4
HandlerResult TestUnitReady(LogicalUnit& lu, ScsiTask& task);
HandlerResult RequestSense(LogicalUnit& lu, ScsiTask& task);
HandlerResult Inquiry(LogicalUnit& lu, ScsiTask& task);
HandlerResult ModeSense6(LogicalUnit& lu, ScsiTask& task);

// SBC-3
HandlerResult ReadCapacity10(LogicalUnit& lu, ScsiTask& task);
HandlerResult ReadCapacity16(LogicalUnit& lu, ScsiTask& task);
HandlerResult ReadWrite(LogicalUnit& lu, ScsiTask& task);

// Standard INQUIRY data (SPC-4 table 137), full length. `lu` null: the answer for a LUN with
// no device (PERIPHERAL QUALIFIER 3, type 1Fh).
std::vector<std::byte> StandardInquiryData(const LogicalUnit* lu);

// INQUIRY EVPD page `page` of `lu`, full length; empty when the page is not supported.
std::vector<std::byte> VpdPageData(const LogicalUnit& lu, uint8_t page);

// Sets CHECK CONDITION and returns kComplete: `return Fail(task, reason);`.
inline HandlerResult Fail(ScsiTask& task, const scsi::SenseReason& reason) {
  task.SetCheckCondition(reason);
  return HandlerResult::kComplete;
}

// Data-in commands: fails with INVALID FIELD IN CDB when the descriptors are data-out, else
// delivers `response` truncated to `alloc_len` (FinishDataIn).
HandlerResult ReturnDataIn(ScsiTask& task, std::span<const std::byte> response, size_t alloc_len);

// Writes `text` left-aligned and blank-padded into `out` (INQUIRY ASCII fields).
void PutPaddedAscii(std::span<std::byte> out, std::string_view text);

}  // namespace srp::target::handlers
