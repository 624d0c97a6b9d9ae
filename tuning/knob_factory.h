// Builds a knob from its "<kind>:<target>" parts — for the restore journal
// and for command lines such as `--tune scheduler:loop0=none`.
#pragma once

#include <memory>
#include <string_view>

#include "lib/common/fs_root.h"
#include "tuning/affinity_api.h"
#include "tuning/knob.h"
#include "tuning/thread_mode_knob.h"

namespace srp::tuning {

// What the knob kinds need from the outside world. Pointers are borrowed and
// must outlive the knobs built from them; a null one makes its kinds fail.
struct KnobDeps {
  const FsRoot* fs = nullptr;       // scheduler, rq_affinity, irq_affinity
  AffinityApi* affinity = nullptr;  // cpu_pinning
  ThreadModeSetter thread_mode;     // thread_mode (its current mode is unknown: -1)
};

// kinds: "scheduler" (target: block device), "rq_affinity" (device),
// "irq_affinity" (IRQ number), "cpu_pinning" ("pid N" or "N"), "thread_mode".
Result<std::unique_ptr<TuningKnob>> MakeKnob(std::string_view kind, std::string_view target,
                                             const KnobDeps& deps);

}  // namespace srp::tuning
