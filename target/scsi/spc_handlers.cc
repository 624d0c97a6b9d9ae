// SPC-4 primary commands: TEST UNIT READY, REQUEST SENSE, INQUIRY, START STOP UNIT, and the
// data-in / parameter-list helpers every handler uses.
#include <algorithm>
#include <array>

#include "lib/common/endian.h"
#include "lib/scsi/cdb_parse.h"
#include "target/scsi/handlers.h"
#include "target/scsi/logical_unit.h"

namespace srp::target::handlers {
namespace {

constexpr size_t kStandardInquiryLength = 74;  // through the eight version descriptors

}  // namespace

HandlerResult ReturnDataIn(ScsiTask& task, std::span<const std::byte> response, size_t alloc_len) {
  if (!DirectionCompatible(task, DataDirection::kIn)) return Fail(task, scsi::InvalidFieldInCdb(0));
  FinishDataIn(task, response.first(std::min(response.size(), alloc_len)));
  return HandlerResult::kComplete;
}

std::optional<std::span<const std::byte>> TakeParameterList(ScsiTask& task, size_t param_len) {
  if (!DirectionCompatible(task, DataDirection::kOut)) {
    task.SetCheckCondition(scsi::InvalidFieldInCdb(0));
    return std::nullopt;
  }
  const size_t room = std::min<size_t>(task.expected_length, task.buffer.size());
  SetResidual(task, param_len);
  if (room < param_len || (param_len > 0 && task.direction != DataDirection::kOut)) {
    task.SetCheckCondition(scsi::ParameterListLengthError());
    return std::nullopt;
  }
  task.data_length = static_cast<uint32_t>(param_len);
  return std::span<const std::byte>(task.buffer.first(param_len));
}

void PutPaddedAscii(std::span<std::byte> out, std::string_view text) {
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::byte>(i < text.size() ? text[i] : ' ');
  }
}

HandlerResult TestUnitReady(LogicalUnit&, ScsiTask& task) {
  auto cdb = scsi::ParseTestUnitReady(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  SetResidual(task, 0);  // descriptors on a no-data command: all of them are residual
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

HandlerResult RequestSense(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseRequestSense(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  // Descriptor format sense is not supported (SPC-4 6.39: DESC=1 then INVALID FIELD IN CDB).
  if (cdb->desc) return Fail(task, scsi::InvalidFieldInCdb(1, 0));
  // A pending unit attention is reported (and cleared) as the parameter data; otherwise the
  // device has nothing to report: NO SENSE.
  scsi::SenseReason reason;
  if (auto ua = lu.unit_attentions().Check(task.nexus_id, /*take=*/true)) {
    reason = scsi::UnitAttention(*ua);
  }
  const auto sense = scsi::BuildFixedSense(reason);
  return ReturnDataIn(task, sense, cdb->alloc_len);
}

std::vector<std::byte> StandardInquiryData(const LogicalUnit* lu) {
  std::vector<std::byte> d(kStandardInquiryLength);
  if (lu == nullptr) {
    StoreU8(&d[0], (scsi::kQualifierNotSupported << 5) | scsi::kDeviceTypeUnknown);
  } else {
    StoreU8(&d[0], (scsi::kQualifierConnected << 5) | lu->device_type());
  }
  StoreU8(&d[2], scsi::kVersionSpc4);
  StoreU8(&d[3], 0x10 | 0x02);  // HISUP=1, RESPONSE DATA FORMAT 2
  StoreU8(&d[4], kStandardInquiryLength - 5);
  StoreU8(&d[7], 0x02);  // CMDQUE=1 (SPC-4 requires it with full task management)
  std::span<std::byte> s(d);
  PutPaddedAscii(s.subspan(8, 8), lu != nullptr ? lu->vendor() : "");
  PutPaddedAscii(s.subspan(16, 16), lu != nullptr ? lu->product() : "");
  PutPaddedAscii(s.subspan(32, 4), lu != nullptr ? lu->revision() : "");
  constexpr std::array<uint16_t, 4> kVersions = {
      scsi::kVersionDescriptorSam5, scsi::kVersionDescriptorSrp, scsi::kVersionDescriptorSpc4,
      scsi::kVersionDescriptorSbc3};
  for (size_t i = 0; i < kVersions.size(); ++i) StoreBe16(&d[58 + 2 * i], kVersions[i]);
  return d;
}

HandlerResult Inquiry(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseInquiry(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  if (!cdb->evpd) return ReturnDataIn(task, StandardInquiryData(&lu), cdb->alloc_len);
  const std::vector<std::byte> page = VpdPageData(lu, cdb->page_code, task.port);
  if (page.empty()) return Fail(task, scsi::InvalidFieldInCdb(2));
  return ReturnDataIn(task, page, cdb->alloc_len);
}

// No medium to load or eject and no power states to manage: START STOP UNIT is accepted and
// does nothing (SCST vdisk does the same); LOEJ is rejected by the parser.
HandlerResult StartStopUnit(LogicalUnit&, ScsiTask& task) {
  auto cdb = scsi::ParseStartStopUnit(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  SetResidual(task, 0);
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

HandlerResult NotRoutedHere(LogicalUnit&, ScsiTask& task) {
  return Fail(task, scsi::InvalidOpcode());
}

}  // namespace srp::target::handlers
