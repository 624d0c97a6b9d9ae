// The I/O scheduler of a block device: /sys/block/<dev>/queue/scheduler.
//
// The file lists the offered schedulers with the active one in brackets
// ("[mq-deadline] kyber bfq none"). Legacy names are mapped to what the device
// offers: "noop" -> "none" and "deadline" -> "mq-deadline" (blk-mq), and back
// on legacy single-queue kernels. Read() returns the active name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/common/fs_root.h"
#include "tuning/knob.h"

namespace srp::tuning {

struct SchedulerChoice {
  std::vector<std::string> available;  // in file order
  std::string active;                  // "" when no entry is bracketed and several are offered
};

// Parses the scheduler file's text (pure).
SchedulerChoice ParseSchedulerList(std::string_view text);
// Maps a requested name to one of `available`, or InvalidArgument listing them.
Result<std::string> MapSchedulerName(std::string_view requested,
                                     const std::vector<std::string>& available);

class SchedulerKnob final : public TuningKnob {
 public:
  // REQUIRES: `fs` outlives the knob. `dev` is a /sys/block name ("loop0").
  SchedulerKnob(const FsRoot& fs, std::string dev);

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
