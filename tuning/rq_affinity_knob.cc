#include "tuning/rq_affinity_knob.h"

#include <fmt/format.h>

namespace srp::tuning {

RqAffinityKnob::RqAffinityKnob(const FsRoot& fs, std::string dev)
    : TuningKnob("rq_affinity", dev),
      fs_(&fs),
      path_(fmt::format("/sys/block/{}/queue/rq_affinity", dev)) {}

Result<std::string> RqAffinityKnob::Read() { return fs_->ReadTrimmed(path_); }

Result<std::string> RqAffinityKnob::Canonicalize(std::string_view value) {
  if (value == "0" || value == "1" || value == "2") return std::string(value);
  return InvalidArgument(fmt::format("rq_affinity must be 0, 1 or 2, not '{}'", value));
}

Status RqAffinityKnob::Write(const std::string& value) { return fs_->WriteFile(path_, value); }

}  // namespace srp::tuning
