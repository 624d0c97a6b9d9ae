// irqbalance detection: the daemon rewrites smp_affinity behind our back, so
// IRQ pinning results are meaningless while it runs.
#pragma once

#include <string_view>

#include "lib/common/fs_root.h"

namespace srp::tuning {

// True when some /proc/<pid>/comm reads "irqbalance".
bool IrqbalanceRunning(const FsRoot& fs);
// The warning to print/log when IrqbalanceRunning() and IRQ knobs are used.
std::string_view IrqbalanceWarning();

}  // namespace srp::tuning
