#include "tuning/thread_mode_knob.h"

#include <fmt/format.h>

namespace srp::tuning {

ThreadModeKnob::ThreadModeKnob(std::string target, int current_mode, ThreadModeSetter setter)
    : TuningKnob("thread_mode", std::move(target)),
      current_(current_mode),
      setter_(std::move(setter)) {}

std::string ThreadModeKnob::WriteTarget() const {
  return fmt::format("restart target {} with thread=<mode>", target());
}

Result<std::string> ThreadModeKnob::Read() {
  if (current_ < 0) return Status(StatusCode::kUnavailable, "thread mode unknown");
  return std::to_string(current_);
}

Result<std::string> ThreadModeKnob::Canonicalize(std::string_view value) {
  if (value == "0" || value == "1") return std::string(value);
  return InvalidArgument(fmt::format("thread mode must be 0 or 1, not '{}'", value));
}

Status ThreadModeKnob::Write(const std::string& value) {
  if (!setter_) return Status(StatusCode::kNotSupported, "no thread mode setter");
  int mode = value == "1" ? 1 : 0;
  SRP_RETURN_IF_ERROR(setter_(mode));
  current_ = mode;
  return Status::Ok();
}

}  // namespace srp::tuning
