// The restore journal: a crash-safe record of original values, so a run that
// was killed (SIGKILL, power loss) can be undone later (`srp-perf restore`).
//
// Format: a header line "srp-tuning-journal 1", then one line per knob write
// "<kind>\t<target>\t<original>" with '\\', '\t' and '\n' escaped. Each line is
// appended and fsync'ed BEFORE the write it protects. A knob may appear more
// than once; restoring in reverse order leaves its earliest original.
// The journal is an ordinary file in the run's output directory (not under
// the FsRoot); it is removed after a clean restore.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/fs_root.h"
#include "lib/common/status.h"
#include "tuning/knob.h"
#include "tuning/knob_factory.h"

namespace srp::tuning {

struct JournalEntry {
  std::string kind;
  std::string target;
  std::string original;
  bool operator==(const JournalEntry&) const = default;
};

// One journal line including the trailing '\n' (pure).
std::string FormatJournalLine(const JournalEntry& entry);
// Parses a whole journal (pure). A torn last line (no '\n') is ignored: it
// was being written when the run died, so its knob was not yet changed.
Result<std::vector<JournalEntry>> ParseJournal(std::string_view text);

class RestoreJournal {
 public:
  // Creates (truncates) `path`, writes the header and fsyncs file and directory.
  static Result<std::unique_ptr<RestoreJournal>> Create(std::string path);
  ~RestoreJournal();  // closes; does NOT remove
  RestoreJournal(const RestoreJournal&) = delete;
  RestoreJournal& operator=(const RestoreJournal&) = delete;

  const std::string& path() const { return path_; }
  // Appends one line and fsyncs before returning.
  Status Append(const JournalEntry& entry);
  // Closes and unlinks the journal (after a clean restore).
  Status Remove();

 private:
  RestoreJournal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

// Undoes a killed run: restores every entry of the journal at `path` in
// reverse order through knobs built by MakeKnob (deps.fs is replaced by `fs`).
// Entries that cannot be restored and need not be (a thread_mode without a
// setter, a cpu_pinning of a process that is gone, a not-settable IRQ) are
// skipped with a warning. On success the journal is removed; on any failure
// it is kept and the first error is returned. NotFound if there is no journal.
// `records` (optional) receives one record per entry, in restore order.
Status RestoreFromJournal(const std::string& path, const FsRoot& fs, KnobDeps deps = {},
                          std::vector<KnobRecord>* records = nullptr);

}  // namespace srp::tuning
