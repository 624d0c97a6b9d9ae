#include "tuning/knob_set.h"

#include <fmt/format.h>

#include <algorithm>

#include "lib/common/log.h"

namespace srp::tuning {

KnobSet::KnobSet(KnobSetOptions options) : options_(std::move(options)) {}

KnobSet::~KnobSet() {
  Status s = RestoreAll();
  if (!s.ok()) SRP_LOG(kError, "tuning: restore on destruction failed: {}", s.ToString());
}

Status KnobSet::DryRunOne(Entry& entry, const std::string& value) {
  TuningKnob& knob = *entry.knob;
  Result<std::string> current = knob.Read();
  entry.record.before = current.ok() ? *current : current.status().ToString();
  Result<std::string> canonical = knob.Canonicalize(value);
  if (!canonical.ok()) {
    entry.record.status = canonical.status().ToString();
    return canonical.status().WithContext(knob.name());
  }
  entry.record.applied = *canonical;
  entry.record.status = "dry-run";
  std::string line = fmt::format("dry-run: {}: write '{}' to {} (now '{}')", knob.name(),
                                 *canonical, knob.WriteTarget(), entry.record.before);
  if (options_.report) {
    options_.report(line);
  } else {
    SRP_LOG(kInfo, "{}", line);
  }
  return Status::Ok();
}

Status KnobSet::ApplyOne(size_t index, const std::string& value) {
  Entry& entry = entries_[index];
  TuningKnob& knob = *entry.knob;
  // Validate before journaling so a typo never touches anything.
  Result<std::string> canonical = knob.Canonicalize(value);
  if (!canonical.ok()) return canonical.status().WithContext(knob.name());
  SRP_RETURN_IF_ERROR(knob.CaptureOriginal());
  entry.record.before = knob.original();
  if (!options_.journal_path.empty()) {
    if (journal_ == nullptr) {
      SRP_ASSIGN_OR_RETURN(journal_, RestoreJournal::Create(options_.journal_path));
    }
    SRP_RETURN_IF_ERROR(journal_->Append({knob.kind(), knob.target(), knob.original()}));
  }
  Status s = knob.Apply(value);
  if (knob.is_applied()) applied_.push_back(index);
  if (!knob.settable()) {
    entry.record.status = "not settable: " + knob.reason();
    SRP_LOG(kWarning, "tuning: {} not settable: {}", knob.name(), knob.reason());
    return Status::Ok();
  }
  entry.record.applied = knob.applied();
  return s;
}

Status KnobSet::Apply(std::vector<KnobSetting> settings) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const KnobSetting& setting : settings) {
    if (setting.knob == nullptr) return InvalidArgument("null knob");
  }
  const size_t applied_before = applied_.size();
  for (KnobSetting& setting : settings) {
    entries_.push_back(Entry{std::move(setting.knob), {}});
    const size_t index = entries_.size() - 1;
    entries_[index].record.name = entries_[index].knob->name();
    Status s = options_.dry_run ? DryRunOne(entries_[index], setting.value)
                                : ApplyOne(index, setting.value);
    Entry& entry = entries_[index];
    if (s.ok()) {
      if (entry.record.status.empty()) entry.record.status = "ok";
      continue;
    }
    entry.record.status = s.ToString();
    // Roll back this call's knobs (including a half-applied failing one).
    Status rollback;
    std::vector<size_t> batch(applied_.begin() + static_cast<std::ptrdiff_t>(applied_before),
                              applied_.end());
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      Status r = RestoreOne(*it);
      if (!r.ok() && rollback.ok()) rollback = r;
    }
    if (rollback.ok() && applied_.empty() && journal_ != nullptr) {
      Status removed = journal_->Remove();
      journal_.reset();
      if (!removed.ok()) rollback = removed;
    }
    if (!rollback.ok()) {
      SRP_LOG(kError, "tuning: rollback after '{}' failed: {}", s.ToString(), rollback.ToString());
    }
    return s;
  }
  return Status::Ok();
}

Status KnobSet::RestoreOne(size_t index) {
  Entry& entry = entries_[index];
  Status s = entry.knob->Restore();
  Result<std::string> after = entry.knob->Read();
  entry.record.after_restore = after.ok() ? *after : after.status().ToString();
  if (!s.ok()) {
    entry.record.status += "; restore failed: " + s.ToString();
    return s;  // stays in applied_ so a later RestoreAll retries
  }
  applied_.erase(std::find(applied_.begin(), applied_.end(), index));
  return Status::Ok();
}

Status KnobSet::RestoreAllLocked() {
  Status first_error;
  std::vector<size_t> order(applied_.rbegin(), applied_.rend());
  for (size_t index : order) {
    Status s = RestoreOne(index);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  if (first_error.ok() && journal_ != nullptr) {
    first_error = journal_->Remove();
    journal_.reset();
  }
  return first_error;
}

Status KnobSet::RestoreAll() {
  std::lock_guard<std::mutex> lock(mu_);
  return RestoreAllLocked();
}

std::vector<KnobRecord> KnobSet::Records() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<KnobRecord> records;
  for (const Entry& entry : entries_) records.push_back(entry.record);
  return records;
}

size_t KnobSet::applied_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return applied_.size();
}

void KnobSet::AbandonForTest() {
  std::lock_guard<std::mutex> lock(mu_);
  for (Entry& entry : entries_) entry.knob.reset();
  applied_.clear();
  journal_.reset();  // closes the file, keeps it on disk
}

}  // namespace srp::tuning
