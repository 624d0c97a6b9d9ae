// KnobSet: transactional apply and reverse-order restore of a group of knobs.
//
// Apply(settings) applies in order; each knob's original value is journaled
// (when a journal path is set) BEFORE its write, and each write is verified by
// reading back. On the first failure the knobs already applied by that call
// are restored in reverse order and the error is returned. RestoreAll()
// restores everything still applied, in reverse order; it is idempotent, and
// after a clean restore the journal file is removed. The destructor calls
// RestoreAll(). A knob that is not settable (managed IRQ) is recorded as such
// and is not an error.
//
// dry_run: every write is reported to `report` (or logged at info level)
// as "dry-run: <knob>: write '<value>' to <where> (now '<current>')"; values
// are still validated, nothing is written, no journal is created.
//
// Thread-safe (one mutex): the signal watcher may call RestoreAll while the
// owner thread is between Apply calls.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/status.h"
#include "tuning/journal.h"
#include "tuning/knob.h"

namespace srp::tuning {

struct KnobSetting {
  std::unique_ptr<TuningKnob> knob;
  std::string value;
};

struct KnobSetOptions {
  std::string journal_path;  // "" = no journal
  bool dry_run = false;
  std::function<void(std::string_view line)> report;  // dry-run output; default: SRP_LOG info
};

class KnobSet {
 public:
  explicit KnobSet(KnobSetOptions options = {});
  ~KnobSet();
  KnobSet(const KnobSet&) = delete;
  KnobSet& operator=(const KnobSet&) = delete;

  // The KnobSet takes ownership of the knobs (also of those that failed, for Records()).
  Status Apply(std::vector<KnobSetting> settings);
  Status RestoreAll();
  // One record per knob ever given to Apply, in apply order.
  std::vector<KnobRecord> Records() const;
  // Number of knobs currently applied (not yet restored).
  size_t applied_count() const;

  // Test hook: drops all state WITHOUT restoring and leaves the journal on
  // disk, as a killed process would.
  void AbandonForTest();

 private:
  struct Entry {
    std::unique_ptr<TuningKnob> knob;
    KnobRecord record;
  };

  Status ApplyOne(size_t index, const std::string& value);   // REQUIRES: mu_ held
  Status DryRunOne(Entry& entry, const std::string& value);  // REQUIRES: mu_ held
  Status RestoreOne(size_t index);                           // REQUIRES: mu_ held
  Status RestoreAllLocked();                                 // REQUIRES: mu_ held

  const KnobSetOptions options_;
  mutable std::mutex mu_;
  std::vector<Entry> entries_;               // GUARDED_BY(mu_)
  std::vector<size_t> applied_;              // GUARDED_BY(mu_): indices into entries_, apply order
  std::unique_ptr<RestoreJournal> journal_;  // GUARDED_BY(mu_)
};

}  // namespace srp::tuning
