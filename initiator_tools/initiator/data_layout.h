// How an SRP_CMD describes its data (§1.8 of docs/srp-reference.md), decided the way
// ib_srp's srp_map_data does:
//  * small DATA-OUT when immediate data was negotiated and 68 + length <= max IT IU length
//    -> IMMEDIATE (data copied into the IU at offset 68), unless the caller opts out;
//  * one segment -> DIRECT;
//  * several segments -> INDIRECT with min(n, cmd_sg_entries) entries inline and
//    table_desc describing the whole table in registered initiator memory; more entries than
//    fit inline need allow_ext_sg (the target then RDMA-READs the external table).
// Pure function: the caller writes `table` into the memory `table_location` names.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "lib/common/status.h"
#include "lib/srp/descriptors.h"

namespace srp::initiator {

// One piece of command data in registered memory: local virtual address, length, and the
// rkey of its memory region (the address doubles as the remote va, as with verbs).
struct DataSegment {
  uint64_t addr = 0;
  uint32_t length = 0;
  uint32_t rkey = 0;
};

struct LayoutPolicy {
  bool immediate_data = false;  // negotiated at login (requested and IMMED_SUPP)
  uint32_t imm_data_offset = 68;
  uint32_t max_it_iu_len = 0;  // largest IU we may send
  uint32_t cmd_sg_entries = 12;
  bool allow_ext_sg = false;
  uint32_t sg_tablesize = 256;  // most segments a command may have
};

struct PlannedLayout {
  wire::DataLayout layout;
  // INDIRECT only: the whole descriptor table (layout.descriptors holds the inline prefix).
  std::vector<wire::DirectDescriptor> table;
  bool immediate() const { return layout.format == wire::DataFormat::kImmediate; }
  bool external_table() const { return table.size() > layout.descriptors.size(); }
};

// `table_location` gives va and rkey of registered memory large enough for 16 bytes per
// segment (its len is ignored). Errors (kInvalidArgument): segments with no direction or a
// direction with no segments, a zero-length segment, total above 4 GiB - 1, more segments
// than sg_tablesize, or more than fit in the IU without allow_ext_sg.
Result<PlannedLayout> PlanDataLayout(wire::DataDirection direction,
                                     std::span<const DataSegment> segments,
                                     const LayoutPolicy& policy, bool allow_immediate,
                                     const wire::DirectDescriptor& table_location);

// Bytes of the SRP_CMD an INDIRECT layout with `inline_entries` entries needs.
constexpr uint32_t IndirectCmdSize(uint32_t inline_entries) {
  return 48 + 20 + 16 * inline_entries;
}

}  // namespace srp::initiator
