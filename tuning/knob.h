// TuningKnob: one system setting we change for a benchmark and put back.
//
// Contract (every knob kind implements the protected hooks; the public flow is
// fixed here): Apply() validates and canonicalizes the value, remembers the
// value read before the FIRST Apply as original(), writes, and verifies by
// reading back (a mismatch is an error). Restore() writes original() back
// (no-op when nothing was applied; idempotent). A knob the kernel refuses to
// change (e.g. a kernel-managed IRQ) is marked !settable() with a reason(); its
// Apply returns OK and changes nothing — "not settable" is not a failure.
// Not thread-safe; KnobSet serializes access.
#pragma once

#include <string>
#include <string_view>

#include "lib/common/status.h"

namespace srp::tuning {

// One row of the report's "tuning" section (plain strings, JSON-friendly).
struct KnobRecord {
  std::string name;           // "scheduler:loop0"
  std::string before;         // value read before the first Apply
  std::string applied;        // value written (canonical form), "" if none
  std::string after_restore;  // value read after Restore, "" if not restored
  std::string status;         // "ok", "not settable: <reason>", "dry-run", or the error
};

class TuningKnob {
 public:
  virtual ~TuningKnob() = default;
  TuningKnob(const TuningKnob&) = delete;
  TuningKnob& operator=(const TuningKnob&) = delete;

  // "<kind>:<target>", e.g. "scheduler:loop0", "irq_affinity:42".
  std::string name() const { return kind_ + ":" + target_; }
  const std::string& kind() const { return kind_; }
  const std::string& target() const { return target_; }

  // The current value in canonical form (what Apply(value) would verify against).
  virtual Result<std::string> Read() = 0;
  // Validates `value` and maps it to the canonical form that Read returns
  // after a successful write (e.g. "noop" -> "none"). Reads, never writes.
  virtual Result<std::string> Canonicalize(std::string_view value) = 0;
  // Where a write goes, for dry runs and messages ("/sys/block/loop0/queue/scheduler").
  virtual std::string WriteTarget() const = 0;

  // Reads and remembers original() unless already captured. Called by Apply;
  // KnobSet calls it earlier to journal the original before any write.
  Status CaptureOriginal();
  Status Apply(std::string_view value);
  Status Restore();

  bool settable() const { return settable_; }
  const std::string& reason() const { return reason_; }
  bool has_original() const { return has_original_; }
  const std::string& original() const { return original_; }
  // True between a (possibly half-failed) Apply and a successful Restore.
  bool is_applied() const { return is_applied_; }
  // The canonical value last applied; "" when nothing was applied.
  const std::string& applied() const { return applied_; }

 protected:
  TuningKnob(std::string kind, std::string target)
      : kind_(std::move(kind)), target_(std::move(target)) {}

  // Writes the canonical `value`. A knob that detects that the kernel refuses
  // the change calls MarkNotSettable() and returns OK.
  virtual Status Write(const std::string& value) = 0;
  void MarkNotSettable(std::string reason);

 private:
  Status WriteAndVerify(const std::string& value);

  std::string kind_;
  std::string target_;
  bool settable_ = true;
  std::string reason_;
  bool has_original_ = false;
  std::string original_;
  bool is_applied_ = false;
  std::string applied_;
};

}  // namespace srp::tuning
