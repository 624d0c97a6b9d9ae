#include "tuning/knob.h"

#include <fmt/format.h>

namespace srp::tuning {

void TuningKnob::MarkNotSettable(std::string reason) {
  settable_ = false;
  reason_ = std::move(reason);
}

Status TuningKnob::CaptureOriginal() {
  if (has_original_) return Status::Ok();
  Result<std::string> current = Read();
  if (!current.ok()) return current.status().WithContext(name());
  original_ = std::move(current).value();
  has_original_ = true;
  return Status::Ok();
}

Status TuningKnob::WriteAndVerify(const std::string& value) {
  Status written = Write(value);
  if (!written.ok()) return written.WithContext(name());
  if (!settable_) return Status::Ok();
  Result<std::string> now = Read();
  if (!now.ok()) return now.status().WithContext(fmt::format("{}: read back", name()));
  if (*now != value) {
    return Status(StatusCode::kIoError, fmt::format("{}: wrote '{}' to {} but read back '{}'",
                                                    name(), value, WriteTarget(), *now));
  }
  return Status::Ok();
}

Status TuningKnob::Apply(std::string_view value) {
  if (!settable_) return Status::Ok();
  Result<std::string> canonical = Canonicalize(value);
  if (!canonical.ok()) return canonical.status().WithContext(name());
  SRP_RETURN_IF_ERROR(CaptureOriginal());
  Status s = WriteAndVerify(*canonical);
  if (!settable_) return Status::Ok();
  // Even a failed verify may have changed the value: keep it restorable.
  applied_ = *canonical;
  is_applied_ = true;
  return s;
}

Status TuningKnob::Restore() {
  if (!is_applied_ || !settable_) return Status::Ok();
  Status s = WriteAndVerify(original_);
  if (!s.ok()) return s.WithContext("restore");
  is_applied_ = false;
  return Status::Ok();
}

}  // namespace srp::tuning
