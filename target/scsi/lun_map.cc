#include "target/scsi/lun_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "lib/common/endian.h"
#include "lib/scsi/lun.h"

namespace srp::target {

Status LunMap::Add(uint32_t lun, std::shared_ptr<LogicalUnit> unit) {
  if (lun > scsi::kMaxPackedLun) {
    return InvalidArgument(fmt::format("LUN {} above the maximum {}", lun, scsi::kMaxPackedLun));
  }
  if (unit == nullptr) return InvalidArgument(fmt::format("LUN {}: no logical unit", lun));
  std::unique_lock lock(mu_);
  auto [it, inserted] = units_.try_emplace(lun, std::move(unit));
  if (!inserted) {
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("LUN {} already mapped to {}", lun, it->second->name()));
  }
  NotifyOthers(lun);
  return Status::Ok();
}

Status LunMap::Remove(uint32_t lun) {
  std::unique_lock lock(mu_);
  if (units_.erase(lun) == 0) return NotFound(fmt::format("LUN {} is not mapped", lun));
  NotifyOthers(lun);
  return Status::Ok();
}

Status LunMap::Replace(uint32_t lun, std::shared_ptr<LogicalUnit> unit) {
  if (unit == nullptr) return InvalidArgument(fmt::format("LUN {}: no logical unit", lun));
  std::unique_lock lock(mu_);
  auto it = units_.find(lun);
  if (it == units_.end()) return NotFound(fmt::format("LUN {} is not mapped", lun));
  if (it->second == unit) return Status::Ok();
  const LogicalUnit& old = *it->second;
  unit->unit_attentions().AdoptFrom(it->second->unit_attentions());
  if (old.block_size() != unit->block_size() || old.num_blocks() != unit->num_blocks()) {
    unit->NotifyCapacityChanged();
  }
  it->second = std::move(unit);
  return Status::Ok();
}

void LunMap::ForgetNexus(uint64_t nexus) {
  std::shared_lock lock(mu_);
  for (auto& entry : units_) entry.second->ForgetNexus(nexus);
}

void LunMap::NotifyOthers(uint32_t changed_lun) {
  for (auto& [lun, unit] : units_) {
    if (lun != changed_lun) {
      unit->unit_attentions().EstablishForAll(scsi::kAscReportedLunsDataHasChanged);
    }
  }
}

std::shared_ptr<LogicalUnit> LunMap::Find(uint32_t lun) const {
  std::shared_lock lock(mu_);
  auto it = units_.find(lun);
  return it == units_.end() ? nullptr : it->second;
}

std::vector<uint32_t> LunMap::Luns() const {
  std::shared_lock lock(mu_);
  std::vector<uint32_t> out;
  out.reserve(units_.size());
  for (const auto& entry : units_) out.push_back(entry.first);
  return out;
}

size_t LunMap::size() const {
  std::shared_lock lock(mu_);
  return units_.size();
}

std::vector<std::byte> LunMap::ReportLunsData(uint8_t select_report) const {
  const std::vector<uint32_t> luns = select_report == 1 ? std::vector<uint32_t>{} : Luns();
  std::vector<std::byte> d(8 + 8 * luns.size());
  StoreBe32(d.data(), static_cast<uint32_t>(8 * luns.size()));
  for (size_t i = 0; i < luns.size(); ++i) {
    const scsi::LunBytes packed = scsi::PackLun(luns[i]);
    std::copy(packed.begin(), packed.end(), d.begin() + static_cast<ptrdiff_t>(8 + 8 * i));
  }
  return d;
}

}  // namespace srp::target
