// The opcode -> handler table of a disk logical unit (tgt's sbc.c/spc.c idea, LIO's
// sbc_parse_cdb split). Adding a command = one handler function + one table row.
//
// Handler contract: called with a task whose CDB is set and whose unit attentions were
// already checked. It validates the CDB (lib/scsi/cdb_parse.h), sets the outputs, and either
// returns kComplete (the dispatcher then calls CompleteTask) or returns kPending and calls
// CompleteTask itself later, possibly from another thread (asynchronous backends).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace srp::target {

class LogicalUnit;
struct ScsiTask;

enum class HandlerResult : uint8_t { kComplete, kPending };
using HandlerFn = HandlerResult (*)(LogicalUnit& lu, ScsiTask& task);

// Row flags.
inline constexpr uint8_t kCmdUaExempt = 0x01;  // neither reports nor clears unit attentions
// Answered by ExecuteTask before any unit sees it (REPORT LUNS); listed for REPORT SUPPORTED
// OPERATION CODES only.
inline constexpr uint8_t kCmdAnsweredByCore = 0x02;

struct CommandHandler {
  uint8_t opcode;
  int16_t service_action;  // -1: any; otherwise CDB byte 1 bits 4..0 must match
  HandlerFn fn;
  std::string_view name;
  uint8_t flags;
  // CDB USAGE DATA (SPC-4 6.35.3): byte 0 the opcode, byte 1 holds the service action when
  // there is one, other bytes the bits the device server accepts; only the first
  // scsi::CdbLengthForOpcode(opcode) bytes are meaningful.
  std::array<uint8_t, 16> usage;
};

// The handler for `cdb`'s opcode (and service action), or nullptr if unsupported.
// REQUIRES: cdb non-empty.
const CommandHandler* FindCommandHandler(std::span<const std::byte> cdb);

// All rows, in table order (REPORT SUPPORTED OPERATION CODES, tests).
std::span<const CommandHandler> DiskCommandHandlers();

}  // namespace srp::target
