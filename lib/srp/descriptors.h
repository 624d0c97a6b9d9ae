// SRP_CMD data descriptors (§1.8 of docs/srp-reference.md): the target-side parser that
// turns a received SRP_CMD into a DataLayout, and the initiator-side encoder that builds
// an SRP_CMD from a header, additional CDB and DataLayout.
//
// What the parser validates (each with its own error message; kProtocolError unless
// noted): the IU against the negotiated max IU length; add_cdb_len; buf_fmt (reserved
// formats 4..15, immediate data in the DATA-IN nibble, bidirectional commands, which
// ib_srp never sends); direct descriptor length 0 or > 2^31; indirect table length not a
// multiple of 16, empty table, more inline entries than the table or than the received
// bytes, lengths not summing to the header's total, external tables when unsupported or
// too large; total above max_transfer; immediate data not negotiated, offset inside the
// header, running past the received bytes or the max IU length.
//
// Not validated here: whether an rkey/va was ever registered by the initiator. That is a
// fabric-level check: an RDMA READ/WRITE with a bad key fails with a remote access error
// on the queue pair (kRemoteAccessError from lib/fabric).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/common/status.h"
#include "lib/srp/constants.h"
#include "lib/srp/iu.h"

namespace srp::wire {

enum class DataDirection : uint8_t {
  kNone = 0,
  kOut = 1,  // DATA-OUT: initiator -> target (WRITE); target RDMA-READs
  kIn = 2,   // DATA-IN: target -> initiator (READ); target RDMA-WRITEs
};

// §1.8 direct data descriptor (16 bytes): va u64, rkey u32, len u32; va/rkey are opaque.
struct DirectDescriptor {
  uint64_t va = 0;
  uint32_t rkey = 0;
  uint32_t len = 0;
  bool operator==(const DirectDescriptor&) const = default;
};

struct DescriptorLimits {
  uint32_t max_transfer = 16u << 20;         // largest total data length of one command
  uint32_t max_iu_len = 0;                   // negotiated max IT IU length; 0 = no limit
  bool immediate_data = false;               // immediate data negotiated at login
  uint32_t imm_data_offset = 0;              // the login's imm_data_offset (when negotiated)
  bool external_tables = false;              // target fetches indirect tables it did not receive
  uint32_t max_external_descriptors = 2048;  // bound on table_desc.len / 16
};

struct DataLayout {
  DataDirection direction = DataDirection::kNone;
  DataFormat format = DataFormat::kNone;
  // Direct: one descriptor. Indirect: the entries received in the IU, or, after
  // ParseExternalTable, the whole table.
  std::vector<DirectDescriptor> descriptors;
  uint32_t total_length = 0;  // bytes to move (direct: len; indirect: header len; imm: len)
  // Indirect only: the whole table in initiator memory (table_desc.len = 16 * entries).
  DirectDescriptor table_desc{};
  // Set when the table has more entries than the IU carried; the caller must RDMA-READ
  // table_desc.len bytes from table_desc.va/rkey and call ParseExternalTable.
  bool needs_external_table = false;
  // Immediate only: where the data sits in the IU.
  uint32_t imm_offset = 0;
  uint32_t imm_length = 0;

  // The immediate data bytes inside `iu` (empty unless format is kImmediate).
  std::span<const std::byte> ImmediateData(std::span<const std::byte> iu) const;
};

// Parses the data descriptors of an SRP_CMD. `hdr` must come from DecodeCmdHeader(iu);
// `iu` is the whole received IU (exactly the bytes received).
Result<DataLayout> ParseDataLayout(const CmdHeader& hdr, std::span<const std::byte> iu,
                                   const DescriptorLimits& limits);

// Completes a layout with needs_external_table set from the `fetched` table bytes (at
// least table_desc.len of them). Validates every entry, that the entries carried inline
// match the table's first entries, and that the lengths sum to total_length.
Result<DataLayout> ParseExternalTable(const DataLayout& layout, std::span<const std::byte> fetched);

// Initiator side: builds a complete SRP_CMD. buf_fmt, data_out/in_desc_cnt and
// add_cdb_len of `hdr` are replaced by values derived from `layout` and `add_cdb`.
// Direct: exactly one descriptor. Indirect: table_desc, total_length and the inline
// descriptors. Immediate: `imm_data` is placed at layout.imm_offset (DATA-OUT only).
// Errors: inconsistent layout, add_cdb not a multiple of 4 or longer than 252 bytes,
// `out` too small.
Result<size_t> EncodeCmd(const CmdHeader& hdr, std::span<const std::byte> add_cdb,
                         const DataLayout& layout, std::span<const std::byte> imm_data,
                         std::span<std::byte> out);
Result<std::vector<std::byte>> EncodeCmd(const CmdHeader& hdr, std::span<const std::byte> add_cdb,
                                         const DataLayout& layout,
                                         std::span<const std::byte> imm_data);

// Size EncodeCmd needs for this command.
size_t EncodedCmdSize(std::span<const std::byte> add_cdb, const DataLayout& layout,
                      std::span<const std::byte> imm_data);

DirectDescriptor DecodeDirectDescriptor(std::span<const std::byte, kDirectDescSize> in);
void EncodeDirectDescriptor(const DirectDescriptor& d, std::span<std::byte, kDirectDescSize> out);

}  // namespace srp::wire
