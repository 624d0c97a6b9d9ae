#include "tuning/irqbalance.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace srp::tuning {

bool IrqbalanceRunning(const FsRoot& fs) {
  Result<std::vector<std::string>> entries = fs.ListDir("/proc");
  if (!entries.ok()) return false;
  for (const std::string& entry : *entries) {
    if (entry.empty() || !std::all_of(entry.begin(), entry.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; }))
      continue;
    Result<std::string> comm = fs.ReadTrimmed("/proc/" + entry + "/comm");
    if (comm.ok() && *comm == "irqbalance") return true;
  }
  return false;
}

std::string_view IrqbalanceWarning() {
  return "irqbalance is running and will override IRQ affinity settings; stop it for the run "
         "(systemctl stop irqbalance) or results with irq_affinity knobs are unreliable";
}

}  // namespace srp::tuning
