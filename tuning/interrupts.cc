#include "tuning/interrupts.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <cctype>
#include <charconv>

namespace srp::tuning {
namespace {

// Splits off the next whitespace-separated token of `rest`.
std::string_view NextToken(std::string_view& rest) {
  size_t start = 0;
  while (start < rest.size() && std::isspace(static_cast<unsigned char>(rest[start]))) ++start;
  size_t end = start;
  while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end]))) ++end;
  std::string_view token = rest.substr(start, end - start);
  rest.remove_prefix(end);
  return token;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Result<InterruptTable> ParseInterrupts(std::string_view text) {
  InterruptTable table;
  size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (Trim(line).empty()) continue;
    if (header) {
      header = false;
      std::string_view rest = line;
      for (std::string_view t = NextToken(rest); !t.empty(); t = NextToken(rest))
        table.cpus.emplace_back(t);
      if (table.cpus.empty() || table.cpus[0].rfind("CPU", 0) != 0)
        return InvalidArgument("/proc/interrupts: header of CPU columns missing");
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    InterruptLine entry;
    if (!ParseNumber(Trim(line.substr(0, colon)), &entry.irq)) continue;  // NMI, LOC, ...
    std::string_view rest = line.substr(colon + 1);
    for (size_t i = 0; i < table.cpus.size(); ++i) {
      std::string_view before = rest;
      std::string_view t = NextToken(rest);
      uint64_t count = 0;
      if (!ParseNumber(t, &count)) {
        rest = before;  // fewer columns than CPUs: the description starts here
        break;
      }
      entry.counts.push_back(count);
    }
    entry.chip = std::string(NextToken(rest));
    entry.hwirq = std::string(NextToken(rest));
    entry.name = std::string(Trim(rest));
    table.lines.push_back(std::move(entry));
  }
  if (header) return InvalidArgument("/proc/interrupts: empty");
  return table;
}

Result<InterruptTable> ReadInterrupts(const FsRoot& fs) {
  SRP_ASSIGN_OR_RETURN(std::string text, fs.ReadFile("/proc/interrupts"));
  return ParseInterrupts(text);
}

std::vector<int> SelectIrqs(const InterruptTable& table, std::string_view pattern) {
  std::string pat(pattern);
  std::vector<int> irqs;
  for (const InterruptLine& line : table.lines) {
    if (!line.name.empty() && ::fnmatch(pat.c_str(), line.name.c_str(), 0) == 0)
      irqs.push_back(line.irq);
  }
  return irqs;
}

}  // namespace srp::tuning
