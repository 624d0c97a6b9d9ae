#include "initiator_tools/initiator/data_layout.h"

#include <fmt/format.h>

#include <algorithm>

namespace srp::initiator {

Result<PlannedLayout> PlanDataLayout(wire::DataDirection direction,
                                     std::span<const DataSegment> segments,
                                     const LayoutPolicy& policy, bool allow_immediate,
                                     const wire::DirectDescriptor& table_location) {
  PlannedLayout plan;
  if (direction == wire::DataDirection::kNone) {
    if (!segments.empty()) return InvalidArgument("data segments given without a direction");
    return plan;
  }
  if (segments.empty()) return InvalidArgument("data direction given without data segments");
  if (segments.size() > policy.sg_tablesize) {
    return InvalidArgument(fmt::format("{} data segments exceed sg_tablesize {}", segments.size(),
                                       policy.sg_tablesize));
  }
  uint64_t total = 0;
  for (const DataSegment& s : segments) {
    if (s.length == 0) return InvalidArgument("zero-length data segment");
    total += s.length;
  }
  if (total > UINT32_MAX) return InvalidArgument("command data exceeds 4 GiB - 1");
  plan.layout.direction = direction;
  plan.layout.total_length = static_cast<uint32_t>(total);

  if (direction == wire::DataDirection::kOut && allow_immediate && policy.immediate_data &&
      uint64_t{policy.imm_data_offset} + total <= policy.max_it_iu_len) {
    plan.layout.format = wire::DataFormat::kImmediate;
    plan.layout.imm_offset = policy.imm_data_offset;
    plan.layout.imm_length = static_cast<uint32_t>(total);
    return plan;
  }
  if (segments.size() == 1) {
    plan.layout.format = wire::DataFormat::kDirect;
    plan.layout.descriptors.push_back({segments[0].addr, segments[0].rkey, segments[0].length});
    return plan;
  }

  uint32_t fit = policy.cmd_sg_entries;
  if (policy.max_it_iu_len < IndirectCmdSize(fit)) {
    fit = policy.max_it_iu_len > IndirectCmdSize(0)
              ? (policy.max_it_iu_len - IndirectCmdSize(0)) / 16
              : 0;
  }
  fit = std::min<uint32_t>(fit, 255);
  if (segments.size() > fit && !policy.allow_ext_sg) {
    return InvalidArgument(
        fmt::format("could not fit {} data segments into the SRP_CMD ({} inline entries); enable "
                    "allow_ext_sg",
                    segments.size(), fit));
  }
  if (fit == 0) return InvalidArgument("max IT IU length leaves no room for an indirect table");
  plan.layout.format = wire::DataFormat::kIndirect;
  plan.table.reserve(segments.size());
  for (const DataSegment& s : segments) plan.table.push_back({s.addr, s.rkey, s.length});
  const size_t inline_count = std::min<size_t>(segments.size(), fit);
  plan.layout.descriptors.assign(plan.table.begin(), plan.table.begin() + inline_count);
  plan.layout.table_desc = {table_location.va, table_location.rkey,
                            static_cast<uint32_t>(16 * segments.size())};
  return plan;
}

}  // namespace srp::initiator
