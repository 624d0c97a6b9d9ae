#include "initiator_tools/initiator/sync_io.h"

#include <fmt/format.h>

#include <optional>
#include <thread>

#include "lib/scsi/cdb_build.h"
#include "lib/scsi/constants.h"

namespace srp::initiator {
namespace {

using std::chrono::milliseconds;

Result<ScsiResult> ExecuteOnce(Session& session, const ScsiCommand& command, milliseconds timeout) {
  std::optional<ScsiResult> result;
  SRP_ASSIGN_OR_RETURN(uint64_t tag,
                       session.Submit(command, [&](const ScsiResult& r) { result = r; }));
  Status s = session.WaitUntil([&] { return result.has_value(); }, timeout);
  if (s.ok()) return *result;
  if (s.code() != StatusCode::kTimedOut) return s;
  TaskManagementRequest abort{wire::TmfFunction::kAbortTask, command.lun, tag};
  std::optional<TmfResult> tmf;
  auto sent = session.SubmitTaskManagement(abort, [&](const TmfResult& r) { tmf = r; });
  Status aborted =
      sent.ok() ? session.WaitUntil([&] { return result.has_value(); }, timeout) : sent.status();
  if (!aborted.ok()) (void)session.Logout(false);  // fails the command: buffers are safe
  (void)session.WaitUntil([&] { return tmf.has_value() || !sent.ok(); }, milliseconds(100));
  return Status(StatusCode::kTimedOut,
                fmt::format("command tag {} did not complete within {} ms", tag, timeout.count()));
}

bool IsUnitAttention(const ScsiResult& r) {
  return r.transport.ok() && r.status == static_cast<uint8_t>(scsi::ScsiStatus::kCheckCondition) &&
         r.parsed_sense && r.parsed_sense->key == scsi::SenseKey::kUnitAttention;
}

bool IsBusy(const ScsiResult& r) {
  return r.transport.ok() && (r.status == static_cast<uint8_t>(scsi::ScsiStatus::kBusy) ||
                              r.status == static_cast<uint8_t>(scsi::ScsiStatus::kTaskSetFull));
}

// A data-in command into a fresh buffer of `alloc` bytes; returns the bytes received.
Result<std::vector<std::byte>> DataIn(Session& session, const scsi::LunBytes& lun,
                                      const scsi::Cdb& cdb, uint32_t alloc, std::string_view what,
                                      ScsiResult* result_out = nullptr) {
  SRP_ASSIGN_OR_RETURN(auto buf, session.AllocateBuffer(alloc));
  ScsiCommand cmd;
  cmd.cdb = cdb;
  cmd.lun = lun;
  cmd.direction = wire::DataDirection::kIn;
  cmd.segments = {buf->Segment(0, alloc)};
  SRP_ASSIGN_OR_RETURN(ScsiResult r, Execute(session, cmd));
  if (result_out != nullptr) *result_out = r;
  SRP_RETURN_IF_ERROR(CheckGood(r, what));
  const auto* p = buf->data();
  return std::vector<std::byte>(p, p + std::min(r.transferred, alloc));
}

}  // namespace

Result<ScsiResult> Execute(Session& session, const ScsiCommand& command,
                           const ExecuteOptions& options) {
  int ua = options.unit_attention_retries;
  int busy = options.busy_retries;
  for (;;) {
    SRP_ASSIGN_OR_RETURN(ScsiResult r, ExecuteOnce(session, command, options.timeout));
    if (IsUnitAttention(r) && ua-- > 0) continue;
    if (IsBusy(r) && busy-- > 0) {
      std::this_thread::sleep_for(milliseconds(10));
      continue;
    }
    return r;
  }
}

Result<TmfResult> ExecuteTaskManagement(Session& session, const TaskManagementRequest& request,
                                        milliseconds timeout) {
  std::optional<TmfResult> result;
  SRP_RETURN_IF_ERROR(
      session.SubmitTaskManagement(request, [&](const TmfResult& r) { result = r; }).status());
  SRP_RETURN_IF_ERROR(session.WaitUntil([&] { return result.has_value(); }, timeout));
  return *result;
}

Status CheckGood(const ScsiResult& result, std::string_view what) {
  if (!result.transport.ok()) return result.transport.WithContext(what);
  if (result.status == 0) return Status::Ok();
  return Status(StatusCode::kIoError, fmt::format("{}: {}", what, result.Describe()));
}

Result<std::vector<scsi::LunBytes>> ReportLuns(Session& session) {
  uint32_t alloc = 8 + 8 * 64;
  for (int attempt = 0; attempt < 2; ++attempt) {
    SRP_ASSIGN_OR_RETURN(auto data, DataIn(session, scsi::LunBytes{}, scsi::BuildReportLuns(alloc),
                                           alloc, "REPORT LUNS"));
    SRP_ASSIGN_OR_RETURN(scsi::ReportLunsData luns, scsi::ParseReportLunsData(data));
    if (!luns.truncated) return luns.luns;
    alloc = 8 + luns.list_length;
  }
  return ProtocolError("REPORT LUNS list keeps growing");
}

Result<scsi::StandardInquiry> Inquiry(Session& session, const scsi::LunBytes& lun) {
  constexpr uint16_t kAlloc = 96;
  SRP_ASSIGN_OR_RETURN(auto data,
                       DataIn(session, lun, scsi::BuildInquiry(kAlloc), kAlloc, "INQUIRY"));
  return scsi::ParseInquiryData(data);
}

Result<std::string> UnitSerialNumber(Session& session, const scsi::LunBytes& lun) {
  constexpr uint16_t kAlloc = 255;
  auto pages = DataIn(session, lun, scsi::BuildInquiryVpd(scsi::kVpdSupportedPages, kAlloc), kAlloc,
                      "INQUIRY VPD 0x00");
  if (!pages.ok()) return Status(StatusCode::kNotFound, pages.status().message());
  SRP_ASSIGN_OR_RETURN(auto list, scsi::ParseSupportedVpdPages(*pages));
  if (std::find(list.begin(), list.end(), scsi::kVpdUnitSerialNumber) == list.end()) {
    return NotFound("VPD page 0x80 not supported");
  }
  SRP_ASSIGN_OR_RETURN(
      auto data, DataIn(session, lun, scsi::BuildInquiryVpd(scsi::kVpdUnitSerialNumber, kAlloc),
                        kAlloc, "INQUIRY VPD 0x80"));
  return scsi::ParseUnitSerialNumber(data);
}

Result<std::vector<std::byte>> InquiryVpd(Session& session, const scsi::LunBytes& lun, uint8_t page,
                                          uint16_t alloc) {
  auto pages = DataIn(session, lun, scsi::BuildInquiryVpd(scsi::kVpdSupportedPages, 255), 255,
                      "INQUIRY VPD 0x00");
  if (!pages.ok()) return Status(StatusCode::kNotFound, pages.status().message());
  SRP_ASSIGN_OR_RETURN(auto list, scsi::ParseSupportedVpdPages(*pages));
  if (std::find(list.begin(), list.end(), page) == list.end()) {
    return NotFound(fmt::format("VPD page 0x{:02x} not supported", page));
  }
  return DataIn(session, lun, scsi::BuildInquiryVpd(page, alloc), alloc,
                fmt::format("INQUIRY VPD 0x{:02x}", page));
}

Result<scsi::Capacity> ReadCapacity16(Session& session, const scsi::LunBytes& lun) {
  SRP_ASSIGN_OR_RETURN(
      auto d16, DataIn(session, lun, scsi::BuildReadCapacity16(32), 32, "READ CAPACITY(16)"));
  return scsi::ParseReadCapacity16Data(d16);
}

Result<scsi::Capacity> ReadCapacity(Session& session, const scsi::LunBytes& lun) {
  SRP_ASSIGN_OR_RETURN(auto d10,
                       DataIn(session, lun, scsi::BuildReadCapacity10(), 8, "READ CAPACITY(10)"));
  SRP_ASSIGN_OR_RETURN(scsi::Capacity cap, scsi::ParseReadCapacity10Data(d10));
  if (!cap.needs_rc16) return cap;
  SRP_ASSIGN_OR_RETURN(
      auto d16, DataIn(session, lun, scsi::BuildReadCapacity16(32), 32, "READ CAPACITY(16)"));
  return scsi::ParseReadCapacity16Data(d16);
}

Result<ScsiResult> ReadWrite(Session& session, const scsi::LunBytes& lun, bool write, uint64_t lba,
                             uint32_t blocks, std::vector<DataSegment> segments,
                             const ExecuteOptions& options) {
  ScsiCommand cmd;
  cmd.cdb = scsi::BuildReadWrite(write, lba, blocks);
  cmd.lun = lun;
  cmd.direction = write ? wire::DataDirection::kOut : wire::DataDirection::kIn;
  cmd.segments = std::move(segments);
  SRP_ASSIGN_OR_RETURN(ScsiResult r, Execute(session, cmd, options));
  SRP_RETURN_IF_ERROR(CheckGood(r, write ? "WRITE" : "READ"));
  return r;
}

}  // namespace srp::initiator
