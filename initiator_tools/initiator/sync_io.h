// Blocking helpers over Session: run one command or TMF to completion (bounded), and the
// scan/I-O commands tools need (REPORT LUNS, INQUIRY, VPD 0x80, READ CAPACITY, READ/WRITE).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "initiator_tools/initiator/io_buffer.h"
#include "initiator_tools/initiator/scsi_types.h"
#include "initiator_tools/initiator/session.h"
#include "lib/common/status.h"
#include "lib/scsi/responses.h"

namespace srp::initiator {

struct ExecuteOptions {
  std::chrono::milliseconds timeout{30000};
  int unit_attention_retries = 3;  // re-issue after CHECK CONDITION / UNIT ATTENTION
  int busy_retries = 50;           // re-issue after BUSY / TASK SET FULL (10 ms apart)
};

// Submits `command` and waits for it. On timeout sends ABORT TASK (bounded by the same
// timeout) and returns kTimedOut; if the abort does not complete either, the session is
// logged out so the target can no longer touch the command's buffers. The ScsiResult may
// carry any SCSI status; see CheckGood.
Result<ScsiResult> Execute(Session& session, const ScsiCommand& command,
                           const ExecuteOptions& options = {});
Result<TmfResult> ExecuteTaskManagement(
    Session& session, const TaskManagementRequest& request,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

// OK for GOOD; else kIoError "<what>: CHECK CONDITION: ..." (or the transport Status).
Status CheckGood(const ScsiResult& result, std::string_view what);

Result<std::vector<scsi::LunBytes>> ReportLuns(Session& session);
Result<scsi::StandardInquiry> Inquiry(Session& session, const scsi::LunBytes& lun);
// VPD 0x80; kNotFound when the LUN does not offer the page.
Result<std::string> UnitSerialNumber(Session& session, const scsi::LunBytes& lun);
// INQUIRY with EVPD for `page`: the page as returned (header included). kNotFound when VPD
// 0x00 does not list it.
Result<std::vector<std::byte>> InquiryVpd(Session& session, const scsi::LunBytes& lun, uint8_t page,
                                          uint16_t alloc = 255);
// READ CAPACITY(16) (provisioning bits included).
Result<scsi::Capacity> ReadCapacity16(Session& session, const scsi::LunBytes& lun);
// READ CAPACITY(10), then (16) when the device needs it.
Result<scsi::Capacity> ReadCapacity(Session& session, const scsi::LunBytes& lun);

// READ/WRITE of `blocks` blocks at `lba` through `segments`. kIoError on a non-GOOD status.
Result<ScsiResult> ReadWrite(Session& session, const scsi::LunBytes& lun, bool write, uint64_t lba,
                             uint32_t blocks, std::vector<DataSegment> segments,
                             const ExecuteOptions& options = {});

}  // namespace srp::initiator
