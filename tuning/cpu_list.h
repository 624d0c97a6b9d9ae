// CPU sets in the two kernel text forms: CPU lists ("0-3,8", as in
// smp_affinity_list and `taskset -c`) and hex masks ("00000000,000000ff", as in
// smp_affinity and plain `taskset`). Pure functions; no system access.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "lib/common/status.h"

namespace srp::tuning {

using CpuSet = std::set<int>;

// Parses "0-3,8" (whitespace around the text is ignored; "" is the empty set).
// Rejects descending ranges, negative numbers and stride syntax ("0-7:2/4").
Result<CpuSet> ParseCpuList(std::string_view text);
// Formats as the kernel does: ascending, runs of two or more CPUs as "a-b".
std::string FormatCpuList(const CpuSet& cpus);

// Parses a hex mask, optionally "0x"-prefixed, with or without comma groups;
// the rightmost digit holds CPUs 0-3.
Result<CpuSet> ParseCpuMask(std::string_view text);
// Formats like the kernel's "%*pb": ceil(width/4) hex digits, where width is
// max(nr_cpus, highest CPU + 1), grouped by 8 digits from the right with ','.
std::string FormatCpuMask(const CpuSet& cpus, int nr_cpus = 0);
// The number of CPUs a mask text covers (4 per hex digit), to format a mask
// back with the width it was read with.
int CpuMaskWidth(std::string_view text);

// A CPU set given either as a list or, when prefixed "0x", as a hex mask.
Result<CpuSet> ParseCpuListOrMask(std::string_view text);

}  // namespace srp::tuning
