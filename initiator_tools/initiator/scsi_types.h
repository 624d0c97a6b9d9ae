// What a caller submits to a Session and what comes back: SCSI commands with their data
// segments, task-management requests, and their results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "initiator_tools/initiator/data_layout.h"
#include "lib/common/status.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"
#include "lib/scsi/sense.h"
#include "lib/srp/constants.h"
#include "lib/srp/descriptors.h"

namespace srp::initiator {

struct ScsiCommand {
  scsi::Cdb cdb;
  scsi::LunBytes lun{};  // 8-byte SAM LUN (scsi::PackLun or as REPORT LUNS returned it)
  wire::DataDirection direction = wire::DataDirection::kNone;
  std::vector<DataSegment> segments;  // registered memory; see io_buffer.h
  wire::TaskAttr task_attr = wire::TaskAttr::kSimple;
  bool allow_immediate = true;  // may use immediate data when negotiated and it fits
};

struct ScsiResult {
  uint64_t tag = 0;
  // Not OK when the target never answered: kCancelled (aborted by a TMF), kDisconnected
  // (logout, target logout, connection loss), kTimedOut (sync helpers).
  Status transport;
  uint8_t status = 0;  // SCSI status (scsi::ScsiStatus values)
  uint8_t flags = 0;   // SRP_RSP flags (wire::kRspValid ...)
  uint32_t data_in_residual = 0;
  uint32_t data_out_residual = 0;
  std::vector<std::byte> sense;
  std::optional<scsi::ParsedSense> parsed_sense;
  uint32_t data_length = 0;                           // bytes the command described
  uint32_t transferred = 0;                           // data_length minus an underflow residual
  wire::DataFormat format = wire::DataFormat::kNone;  // how the data was described

  bool good() const { return transport.ok() && status == 0; }
  // "GOOD", "CHECK CONDITION: ILLEGAL REQUEST asc=...", "transport: Disconnected: ...".
  std::string Describe() const;
};

struct TaskManagementRequest {
  wire::TmfFunction function = wire::TmfFunction::kAbortTask;  // any code is sent as is
  scsi::LunBytes lun{};
  uint64_t task_tag = 0;  // ABORT TASK: the command's tag
};

struct TmfResult {
  uint64_t tag = 0;
  Status transport;
  uint8_t flags = 0;                          // SRP_RSP flags (RSPVALID expected)
  std::optional<wire::TmfResponse> response;  // data[3] when RSPVALID and 4+ bytes
  bool succeeded() const { return transport.ok() && response == wire::TmfResponse::kComplete; }
};

}  // namespace srp::initiator
