// /sys/block/<dev>/queue/rq_affinity: where block completions run.
// 0 = anywhere, 1 = the submitting CPU's group, 2 = the submitting CPU. Only
// "0", "1" and "2" are accepted.
#pragma once

#include <string>
#include <string_view>

#include "lib/common/fs_root.h"
#include "tuning/knob.h"

namespace srp::tuning {

class RqAffinityKnob final : public TuningKnob {
 public:
  // REQUIRES: `fs` outlives the knob.
  RqAffinityKnob(const FsRoot& fs, std::string dev);

  Result<std::string> Read() override;
  Result<std::string> Canonicalize(std::string_view value) override;
  std::string WriteTarget() const override { return path_; }

 protected:
  Status Write(const std::string& value) override;

 private:
  const FsRoot* fs_;
  std::string path_;
};

}  // namespace srp::tuning
