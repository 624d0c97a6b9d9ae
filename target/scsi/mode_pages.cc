// MODE SENSE(6)/(10) and MODE SELECT(6)/(10) (SPC-4 6.11-6.14, 7.5; SBC-3 6.4).
//
// Pages: 08h caching (WCE = the backend's write cache, the only changeable bit), 0Ah control
// (nothing changeable), 3Fh all. Page control: current, changeable, default (WCE as the
// backend had it when the unit was created); saved is SAVING PARAMETERS NOT SUPPORTED.
// Device-specific parameter: WP when read-only, DPOFUA always (FUA is honoured).
#include <algorithm>
#include <array>
#include <vector>

#include "lib/common/endian.h"
#include "lib/common/log.h"
#include "lib/scsi/cdb_parse.h"
#include "target/scsi/handlers.h"
#include "target/scsi/logical_unit.h"

namespace srp::target::handlers {
namespace {

constexpr size_t kCachingPageLength = 20;
constexpr size_t kControlPageLength = 12;
constexpr uint8_t kWceBit = 0x04;  // caching page byte 2
constexpr uint8_t kPcCurrent = 0, kPcChangeable = 1, kPcDefault = 2;

// Caching mode page (SBC-3 6.4.5); everything except WCE is 0 (RCD=0: reads are cached).
std::vector<std::byte> CachingPage(const LogicalUnit& lu, uint8_t pc) {
  std::vector<std::byte> p(kCachingPageLength);
  StoreU8(&p[0], scsi::kModePageCaching);
  StoreU8(&p[1], kCachingPageLength - 2);
  bool wce = false;
  switch (pc) {
    case kPcChangeable:
      wce = true;
      break;
    case kPcDefault:
      wce = lu.default_write_cache_enabled();
      break;
    default:
      wce = lu.write_cache_enabled();
      break;
  }
  if (wce) StoreU8(&p[2], kWceBit);
  return p;
}

// Control mode page (SPC-4 7.5.8): TST 0, D_SENSE 0 (fixed sense), QERR 0, restricted
// reordering (QUEUE ALGORITHM MODIFIER 0), BUSY TIMEOUT PERIOD unlimited.
std::vector<std::byte> ControlPage(uint8_t pc) {
  std::vector<std::byte> p(kControlPageLength);
  StoreU8(&p[0], scsi::kModePageControl);
  StoreU8(&p[1], kControlPageLength - 2);
  if (pc != kPcChangeable) StoreBe16(&p[8], 0xFFFF);
  return p;
}

void Append(std::vector<std::byte>& out, const std::vector<std::byte>& page) {
  out.insert(out.end(), page.begin(), page.end());
}

scsi::SenseReason SavingNotSupported() {
  return {scsi::SenseKey::kIllegalRequest, scsi::kAscSavingParametersNotSupported, std::nullopt};
}

}  // namespace

HandlerResult ModeSense(LogicalUnit& lu, ScsiTask& task) {
  const bool ten = task.opcode() == scsi::kOpModeSense10;
  auto cdb = ten ? scsi::ParseModeSense10(task.cdb()) : scsi::ParseModeSense6(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  if (cdb->page_control == 3) return Fail(task, SavingNotSupported());
  // Subpage 0 or FFh ("all subpages"); we have no subpages, so FFh adds nothing.
  if (cdb->subpage_code != 0 && cdb->subpage_code != 0xFF) {
    return Fail(task, scsi::InvalidFieldInCdb(3));
  }
  const uint8_t pc = cdb->page_control;
  const size_t header = ten ? 8 : 4;
  std::vector<std::byte> d(header);
  // Device-specific parameter (SBC-3 6.4.1): WP bit 7, DPOFUA bit 4.
  StoreU8(&d[ten ? 3 : 2], static_cast<uint8_t>((lu.read_only() ? 0x80 : 0) | 0x10));
  if (!cdb->dbd) {
    const uint64_t blocks = lu.num_blocks();
    const bool changeable = pc == kPcChangeable;
    if (ten && cdb->llbaa) {
      // Long LBA block descriptor (SBC-3 6.4.2.3).
      StoreU8(&d[4], 0x01);  // LONGLBA
      StoreBe16(&d[6], 16);
      d.resize(header + 16);
      if (!changeable) {
        StoreBe64(&d[header], blocks);
        StoreBe32(&d[header + 12], lu.block_size());
      }
    } else {
      // Short LBA block descriptor (SBC-3 6.4.2.2).
      if (ten) {
        StoreBe16(&d[6], 8);
      } else {
        StoreU8(&d[3], 8);
      }
      d.resize(header + 8);
      if (!changeable) {
        StoreBe32(&d[header], blocks > 0xFFFFFFFFull ? 0xFFFFFFFFu : static_cast<uint32_t>(blocks));
        StoreBe32(&d[header + 4], lu.block_size() & 0x00FFFFFFu);  // byte 0 reserved
      }
    }
  }
  switch (cdb->page_code) {
    case scsi::kModePageCaching:
      Append(d, CachingPage(lu, pc));
      break;
    case scsi::kModePageControl:
      Append(d, ControlPage(pc));
      break;
    case scsi::kModePageAll:
      Append(d, CachingPage(lu, pc));
      Append(d, ControlPage(pc));
      break;
    default:
      return Fail(task, scsi::InvalidFieldInCdb(2, 5));
  }
  // MODE DATA LENGTH excludes itself.
  if (ten) {
    StoreBe16(&d[0], static_cast<uint16_t>(d.size() - 2));
  } else {
    StoreU8(&d[0], static_cast<uint8_t>(std::min<size_t>(d.size() - 1, 0xFF)));
  }
  return ReturnDataIn(task, d, cdb->alloc_len);
}

// Accepts pages whose every byte equals the current value except the changeable bits (only
// WCE); validates the whole list before applying anything.
HandlerResult ModeSelect(LogicalUnit& lu, ScsiTask& task) {
  auto cdb = scsi::ParseModeSelect(task.cdb());
  if (!cdb.ok()) return Fail(task, cdb.reason());
  if (!cdb->pf) return Fail(task, scsi::InvalidFieldInCdb(1, 4));
  if (cdb->sp) return Fail(task, scsi::InvalidFieldInCdb(1, 0));  // nothing is savable
  auto list = TakeParameterList(task, cdb->param_len);
  if (!list.has_value()) return HandlerResult::kComplete;
  const std::span<const std::byte> p = *list;
  if (p.empty()) {
    task.SetStatus(scsi::ScsiStatus::kGood);
    return HandlerResult::kComplete;
  }
  const size_t header = cdb->ten ? 8 : 4;
  if (p.size() < header) return Fail(task, scsi::ParameterListLengthError());
  auto byte = [&p](size_t i) { return static_cast<uint8_t>(p[i]); };
  if (byte(1) != 0) return Fail(task, scsi::InvalidFieldInParameterList(1));  // MEDIUM TYPE
  const bool long_lba = cdb->ten && (byte(4) & 0x01) != 0;
  const size_t bd_len = cdb->ten ? LoadBe16(p, 6) : byte(3);
  const size_t bd_at = cdb->ten ? 6 : 3;
  if (bd_len != 0 && bd_len != (long_lba ? 16u : 8u)) {
    return Fail(task, scsi::InvalidFieldInParameterList(static_cast<uint16_t>(bd_at)));
  }
  if (header + bd_len > p.size()) return Fail(task, scsi::ParameterListLengthError());
  if (bd_len != 0) {
    // A block descriptor may restate the geometry; it cannot change it.
    const size_t at = header;
    const uint64_t blocks = long_lba ? LoadBe64(p, at) : LoadBe32(p, at);
    const uint32_t length = long_lba ? LoadBe32(p, at + 12) : (LoadBe32(p, at + 4) & 0x00FFFFFFu);
    const uint64_t current =
        long_lba ? lu.num_blocks() : std::min<uint64_t>(lu.num_blocks(), 0xFFFFFFFFull);
    if (blocks != 0 && blocks != current) {
      return Fail(task, scsi::InvalidFieldInParameterList(static_cast<uint16_t>(at)));
    }
    if (length != lu.block_size()) {
      return Fail(
          task, scsi::InvalidFieldInParameterList(static_cast<uint16_t>(at + (long_lba ? 12 : 5))));
    }
  }
  std::optional<bool> new_wce;
  size_t wce_at = 0;  // parameter list offset of the caching page's WCE byte
  for (size_t at = header + bd_len; at < p.size();) {
    if (p.size() - at < 2) return Fail(task, scsi::ParameterListLengthError());
    const uint8_t code = byte(at) & 0x3F;
    if ((byte(at) & 0x40) != 0) {  // SPF: no subpages
      return Fail(task, scsi::InvalidFieldInParameterList(static_cast<uint16_t>(at), 6));
    }
    const size_t len = size_t{byte(at + 1)} + 2;
    if (len > p.size() - at) return Fail(task, scsi::ParameterListLengthError());
    std::vector<std::byte> current;
    std::vector<std::byte> changeable;
    if (code == scsi::kModePageCaching) {
      current = CachingPage(lu, kPcCurrent);
      changeable = CachingPage(lu, kPcChangeable);
    } else if (code == scsi::kModePageControl) {
      current = ControlPage(kPcCurrent);
      changeable = ControlPage(kPcChangeable);
      changeable[8] = changeable[9] = std::byte{0};
    } else {
      return Fail(task, scsi::InvalidFieldInParameterList(static_cast<uint16_t>(at), 5));
    }
    if (len != current.size()) {
      return Fail(task, scsi::InvalidFieldInParameterList(static_cast<uint16_t>(at + 1)));
    }
    // Byte 0 bit 7 (PS) is reserved in MODE SELECT and ignored.
    for (size_t i = 2; i < len; ++i) {
      const auto mask = static_cast<uint8_t>(changeable[i]);
      const uint8_t diff = (byte(at + i) ^ static_cast<uint8_t>(current[i])) & ~mask;
      if (diff != 0) {
        uint8_t bit = 0;
        while (((diff >> bit) & 1) == 0) ++bit;
        return Fail(task, scsi::InvalidFieldInParameterList(static_cast<uint16_t>(at + i), bit));
      }
    }
    if (code == scsi::kModePageCaching) {
      new_wce = (byte(at + 2) & kWceBit) != 0;
      wce_at = at + 2;
    }
    at += len;
  }
  if (new_wce.has_value() && *new_wce != lu.write_cache_enabled()) {
    Status st = lu.backend().SetWriteCacheEnabled(*new_wce);
    if (!st.ok()) {
      SRP_LOG(kWarning, "{}: MODE SELECT WCE={}: {}", lu.name(), *new_wce, st.ToString());
      return Fail(task, scsi::InvalidFieldInParameterList(static_cast<uint16_t>(wce_at), 2));
    }
    // SPC-4 7.5.1: other initiators learn of the change through MODE PARAMETERS CHANGED.
    lu.unit_attentions().EstablishForAllExcept(task.nexus_id, scsi::kAscModeParametersChanged);
  }
  task.SetStatus(scsi::ScsiStatus::kGood);
  return HandlerResult::kComplete;
}

}  // namespace srp::target::handlers
