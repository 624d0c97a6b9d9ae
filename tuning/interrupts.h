// /proc/interrupts parsing and IRQ selection by name pattern (pure functions
// over the text, plus one FsRoot read).
//
// Format: a header of CPU columns ("CPU0 CPU1 ..."), then one line per IRQ:
//   " 25:  1234  0  ...  PCI-MSI 1572865-edge  mlx5_comp0@pci:0000:03:00.0"
// i.e. "N:", one count per CPU column, the irq chip, "hwirq-type", and the
// action name(s) (the rest of the line; may contain spaces or be empty).
// Non-numeric rows (NMI, LOC, ERR, MIS ...) are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/fs_root.h"
#include "lib/common/status.h"

namespace srp::tuning {

struct InterruptLine {
  int irq = -1;
  std::vector<uint64_t> counts;  // one per CPU column
  std::string chip;              // "PCI-MSI", "IR-PCI-MSIX-0000:03:00.0", "IO-APIC"
  std::string hwirq;             // "1572865-edge"
  std::string name;              // "mlx5_comp0@pci:0000:03:00.0"
};

struct InterruptTable {
  std::vector<std::string> cpus;  // header columns: "CPU0", "CPU1", ...
  std::vector<InterruptLine> lines;
};

Result<InterruptTable> ParseInterrupts(std::string_view text);
Result<InterruptTable> ReadInterrupts(const FsRoot& fs);

// IRQ numbers whose name matches the shell glob `pattern` (fnmatch(3)), in
// table order. "mlx5_comp*" matches "mlx5_comp0@pci:0000:03:00.0".
std::vector<int> SelectIrqs(const InterruptTable& table, std::string_view pattern);

}  // namespace srp::tuning
