// REPORT SUPPORTED OPERATION CODES (SPC-4 6.35), generated from the command table.
//
// Reporting options 0 (all commands: 8-byte descriptors), 1 (one opcode without service
// actions), 2 (opcode + service action), 3 (opcode, + service action when it has them); 1-3
// answer the one-command format with the CDB usage bitmap. RCTD adds a command timeouts
// descriptor with both timeouts 0 ("not specified").
#include <vector>

#include "lib/common/endian.h"
#include "lib/scsi/cdb_parse.h"
#include "target/scsi/handlers.h"
#include "target/scsi/logical_unit.h"

namespace srp::target::handlers {
namespace {

constexpr size_t kTimeoutsDescriptorLength = 12;
constexpr uint8_t kSupportNotSupported = 0x01;
constexpr uint8_t kSupportStandard = 0x03;

void AppendTimeouts(std::vector<std::byte>& d) {
  const size_t at = d.size();
  d.resize(at + kTimeoutsDescriptorLength);
  StoreBe16(&d[at], kTimeoutsDescriptorLength - 2);  // DESCRIPTOR LENGTH
}

std::vector<std::byte> AllCommands(bool rctd) {
  std::vector<std::byte> d(4);
  for (const CommandHandler& row : DiskCommandHandlers()) {
    const size_t at = d.size();
    d.resize(at + 8);
    StoreU8(&d[at], row.opcode);
    if (row.service_action >= 0) StoreBe16(&d[at + 2], static_cast<uint16_t>(row.service_action));
    StoreU8(&d[at + 5],
            static_cast<uint8_t>((rctd ? 0x02 : 0) | (row.service_action >= 0 ? 1 : 0)));
    StoreBe16(&d[at + 6], static_cast<uint16_t>(scsi::CdbLengthForOpcode(row.opcode)));
    if (rctd) AppendTimeouts(d);
  }
  StoreBe32(&d[0], static_cast<uint32_t>(d.size() - 4));  // COMMAND DATA LENGTH
  return d;
}

std::vector<std::byte> OneCommand(const CommandHandler* row, bool rctd) {
  std::vector<std::byte> d(4);
  if (row == nullptr) {
    StoreU8(&d[1], kSupportNotSupported);
    return d;
  }
  const size_t len = scsi::CdbLengthForOpcode(row->opcode);
  StoreU8(&d[1], static_cast<uint8_t>((rctd ? 0x80 : 0) | kSupportStandard));
  StoreBe16(&d[2], static_cast<uint16_t>(len));
  for (size_t i = 0; i < len; ++i) d.push_back(static_cast<std::byte>(row->usage[i]));
  if (rctd) AppendTimeouts(d);
  return d;
}

}  // namespace

HandlerResult ReportSupportedOpcodes(LogicalUnit&, ScsiTask& task) {
  auto cdb = scsi::ParseReportSupportedOpcodes(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  if (cdb->reporting_options == 0)
    return ReturnDataIn(task, AllCommands(cdb->rctd), cdb->alloc_len);
  bool has_service_actions = false;
  const CommandHandler* match = nullptr;
  for (const CommandHandler& row : DiskCommandHandlers()) {
    if (row.opcode != cdb->opcode) continue;
    has_service_actions = row.service_action >= 0;
    const bool sa_matches = row.service_action < 0 || row.service_action == cdb->service_action;
    if (sa_matches && match == nullptr) match = &row;
  }
  switch (cdb->reporting_options) {
    case 1:  // the opcode must not have service actions
      if (has_service_actions) return Fail(task, scsi::InvalidFieldInCdb(2, 0));
      break;
    case 2:  // the opcode must have service actions
      if (match != nullptr && !has_service_actions)
        return Fail(task, scsi::InvalidFieldInCdb(2, 1));
      break;
    default:
      break;
  }
  return ReturnDataIn(task, OneCommand(match, cdb->rctd), cdb->alloc_len);
}

}  // namespace srp::target::handlers
