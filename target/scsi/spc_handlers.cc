// SPC-4 primary commands: TEST UNIT READY, REQUEST SENSE, INQUIRY, MODE SENSE(6).
#include <algorithm>
#include <array>

#include "lib/common/endian.h"
#include "lib/scsi/cdb_parse.h"
#include "target/scsi/handlers.h"
#include "target/scsi/logical_unit.h"

namespace srp::target::handlers {
namespace {

constexpr size_t kStandardInquiryLength = 74;  // through the eight version descriptors
constexpr size_t kCachingPageLength = 20;
constexpr size_t kControlPageLength = 12;

// Caching mode page (SBC-3 6.4.5). WCE=0: null and memory devices have no volatile cache, so
// every completed write is as durable as the device gets; RCD=0.
// Nothing is changeable yet, so current, default and changeable values are all this page.
void AppendCachingPage(std::vector<std::byte>& out) {
  const size_t at = out.size();
  out.resize(at + kCachingPageLength);
  StoreU8(&out[at], scsi::kModePageCaching);
  StoreU8(&out[at + 1], kCachingPageLength - 2);
}

// Control mode page (SPC-4 7.5.8): TST 0, D_SENSE 0 (fixed sense), QERR 0, restricted
// reordering (QUEUE ALGORITHM MODIFIER 0).
void AppendControlPage(std::vector<std::byte>& out, bool changeable) {
  const size_t at = out.size();
  out.resize(at + kControlPageLength);
  StoreU8(&out[at], scsi::kModePageControl);
  StoreU8(&out[at + 1], kControlPageLength - 2);
  if (!changeable) StoreBe16(&out[at + 8], 0xFFFF);  // BUSY TIMEOUT PERIOD: unlimited
}

}  // namespace

HandlerResult ReturnDataIn(ScsiTask& task, std::span<const std::byte> response, size_t alloc_len) {
  if (!DirectionCompatible(task, DataDirection::kIn)) return Fail(task, scsi::InvalidFieldInCdb(0));
  FinishDataIn(task, response.first(std::min(response.size(), alloc_len)));
  return HandlerResult::kComplete;
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
  const std::vector<std::byte> page = VpdPageData(lu, cdb->page_code);
  if (page.empty()) return Fail(task, scsi::InvalidFieldInCdb(2));
  return ReturnDataIn(task, page, cdb->alloc_len);
}

HandlerResult ModeSense6(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseModeSense6(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  if (cdb->page_control == 3) {
    return Fail(task, {scsi::SenseKey::kIllegalRequest, scsi::kAscSavingParametersNotSupported,
                       std::nullopt});
  }
  // Subpage 0 or FFh ("all subpages"); we have no subpages, so FFh adds nothing.
  if (cdb->subpage_code != 0 && cdb->subpage_code != 0xFF) {
    return Fail(task, scsi::InvalidFieldInCdb(3));
  }
  const bool changeable = cdb->page_control == 1;
  std::vector<std::byte> d(4);
  // Device-specific parameter (SBC-3 6.4.1): WP bit 7, DPOFUA bit 4.
  StoreU8(&d[2], static_cast<uint8_t>((lu.read_only() ? 0x80 : 0) | 0x10));
  if (!cdb->dbd) {
    // Short LBA mode parameter block descriptor (SBC-3 6.4.2).
    StoreU8(&d[3], 8);
    d.resize(12);
    const uint64_t blocks = lu.backend().num_blocks();
    if (!changeable) {
      StoreBe32(&d[4], blocks > 0xFFFFFFFFull ? 0xFFFFFFFFu : static_cast<uint32_t>(blocks));
      StoreBe32(&d[8], lu.backend().block_size() & 0x00FFFFFFu);  // byte 8 reserved
    }
  }
  switch (cdb->page_code) {
    case scsi::kModePageCaching:
      AppendCachingPage(d);
      break;
    case scsi::kModePageControl:
      AppendControlPage(d, changeable);
      break;
    case scsi::kModePageAll:
      AppendCachingPage(d);
      AppendControlPage(d, changeable);
      break;
    default:
      return Fail(task, scsi::InvalidFieldInCdb(2, 5));
  }
  StoreU8(&d[0], static_cast<uint8_t>(std::min<size_t>(d.size() - 1, 0xFF)));  // MODE DATA LENGTH
  return ReturnDataIn(task, d, cdb->alloc_len);
}

}  // namespace srp::target::handlers
