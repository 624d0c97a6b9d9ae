#include "tuning/cpu_list.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace srp::tuning {
namespace {

constexpr int kMaxCpu = 1 << 16;  // far above any real nr_cpu_ids

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<int> ParseCpu(std::string_view s, std::string_view whole) {
  s = Trim(s);
  int value = -1;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || value < 0 || value >= kMaxCpu)
    return InvalidArgument(fmt::format("bad CPU number '{}' in CPU list '{}'", s, whole));
  return value;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view StripHexPrefix(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  return s;
}

}  // namespace

Result<CpuSet> ParseCpuList(std::string_view text) {
  std::string_view rest = Trim(text);
  CpuSet cpus;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (comma != std::string_view::npos && Trim(rest).empty())
      return InvalidArgument(fmt::format("trailing ',' in CPU list '{}'", text));
    size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      SRP_ASSIGN_OR_RETURN(int cpu, ParseCpu(item, text));
      cpus.insert(cpu);
      continue;
    }
    SRP_ASSIGN_OR_RETURN(int first, ParseCpu(item.substr(0, dash), text));
    SRP_ASSIGN_OR_RETURN(int last, ParseCpu(item.substr(dash + 1), text));
    if (last < first)
      return InvalidArgument(fmt::format("descending range '{}' in CPU list '{}'", item, text));
    for (int cpu = first; cpu <= last; ++cpu) cpus.insert(cpu);
  }
  return cpus;
}

std::string FormatCpuList(const CpuSet& cpus) {
  std::string out;
  auto it = cpus.begin();
  while (it != cpus.end()) {
    int first = *it;
    int last = first;
    for (++it; it != cpus.end() && *it == last + 1; ++it) last = *it;
    if (!out.empty()) out += ',';
    out += last == first ? fmt::format("{}", first) : fmt::format("{}-{}", first, last);
  }
  return out;
}

Result<CpuSet> ParseCpuMask(std::string_view text) {
  std::string_view s = StripHexPrefix(Trim(text));
  if (s.empty()) return InvalidArgument(fmt::format("empty CPU mask '{}'", text));
  CpuSet cpus;
  int digit_index = 0;  // counted from the right
  for (size_t i = s.size(); i-- > 0;) {
    if (s[i] == ',') continue;
    int v = HexValue(s[i]);
    if (v < 0) return InvalidArgument(fmt::format("bad hex digit in CPU mask '{}'", text));
    for (int bit = 0; bit < 4; ++bit) {
      if (v & (1 << bit)) cpus.insert(digit_index * 4 + bit);
    }
    ++digit_index;
    if (digit_index * 4 > kMaxCpu) return InvalidArgument("CPU mask too wide");
  }
  return cpus;
}

std::string FormatCpuMask(const CpuSet& cpus, int nr_cpus) {
  int width = nr_cpus;
  if (!cpus.empty()) width = std::max(width, *cpus.rbegin() + 1);
  int digits = std::max(1, (width + 3) / 4);
  std::string out;
  for (int d = digits - 1; d >= 0; --d) {
    int v = 0;
    for (int bit = 0; bit < 4; ++bit) {
      if (cpus.count(d * 4 + bit)) v |= 1 << bit;
    }
    out += "0123456789abcdef"[v];
    if (d != 0 && d % 8 == 0) out += ',';
  }
  return out;
}

int CpuMaskWidth(std::string_view text) {
  int digits = 0;
  for (char c : StripHexPrefix(Trim(text))) {
    if (HexValue(c) >= 0) ++digits;
  }
  return digits * 4;
}

Result<CpuSet> ParseCpuListOrMask(std::string_view text) {
  std::string_view s = Trim(text);
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return ParseCpuMask(s);
  return ParseCpuList(s);
}

}  // namespace srp::tuning
