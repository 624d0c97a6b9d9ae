// LunMap: LUN number -> LogicalUnit for one ACL group (SCST "LUN n device" lines).
//
// Thread-safe: lookups (every command) take a shared lock; Add/Remove take it exclusive and
// establish REPORTED LUNS DATA HAS CHANGED on the other mapped units for every nexus they
// know (SPC-4: the initiator rescans on that unit attention).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "lib/common/status.h"
#include "target/scsi/logical_unit.h"

namespace srp::target {

class LunMap {
 public:
  // kInvalidArgument for lun > scsi::kMaxPackedLun or a null unit; kAlreadyExists if mapped.
  Status Add(uint32_t lun, std::shared_ptr<LogicalUnit> unit);
  // kNotFound if not mapped. Tasks already executing keep the unit alive until they complete.
  Status Remove(uint32_t lun);
  // Puts `unit` in place of the unit mapped at `lun` (a device resized or re-opened by the
  // configuration layer: a new LogicalUnit under the same LUN). The new unit takes over the
  // old one's nexuses and pending unit attentions, and when block size or capacity differ
  // every nexus gets CAPACITY DATA HAS CHANGED. The LUN inventory is unchanged, so no
  // REPORTED LUNS DATA HAS CHANGED. kNotFound if not mapped; kInvalidArgument for null.
  Status Replace(uint32_t lun, std::shared_ptr<LogicalUnit> unit);
  // Drops the unit attention state of `nexus` on every mapped unit (session closed).
  void ForgetNexus(uint64_t nexus);
  // Null when not mapped.
  std::shared_ptr<LogicalUnit> Find(uint32_t lun) const;
  // Mapped LUN numbers, ascending.
  std::vector<uint32_t> Luns() const;
  size_t size() const;

  // REPORT LUNS parameter data (SPC-4 6.33): LUN LIST LENGTH, 4 reserved bytes, then the
  // mapped LUNs in ascending order, packed as scsi::PackLun. SELECT REPORT 1 (well-known LUNs
  // only) yields an empty list: we have no well-known LUNs. Full length, untruncated.
  std::vector<std::byte> ReportLunsData(uint8_t select_report) const;

 private:
  // REQUIRES: mu_ held exclusively.
  void NotifyOthers(uint32_t changed_lun);

  mutable std::shared_mutex mu_;
  std::map<uint32_t, std::shared_ptr<LogicalUnit>> units_;  // GUARDED_BY(mu_)
};

}  // namespace srp::target
