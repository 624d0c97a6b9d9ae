#include "lib/srp/descriptors.h"

#include <fmt/format.h>

#include <algorithm>

#include "lib/common/endian.h"
#include "lib/srp/codec_util.h"

namespace srp::wire {
namespace {

// §1.8 direct descriptor and indirect header offsets.
constexpr size_t kDescVa = 0, kDescRkey = 8, kDescLen = 12;
static_assert(kDescLen + 4 == kDirectDescSize);
constexpr size_t kIndTableDesc = 0, kIndTotalLen = 16, kIndList = 20;
static_assert(kIndList == kIndirectHeaderSize && kIndTableDesc + kDirectDescSize == kIndTotalLen);
constexpr size_t kMaxAddCdb = 252;  // add_cdb_len is a byte with the low 2 bits reserved

DirectDescriptor ReadDesc(std::span<const std::byte> in, size_t off) {
  return DecodeDirectDescriptor(in.subspan(off).first<kDirectDescSize>());
}

Status CheckDescLen(const DirectDescriptor& d, std::string_view what) {
  if (d.len == 0) return ProtocolError(fmt::format("{} has length 0", what));
  if (d.len > kMaxDescriptorLen) {
    return ProtocolError(fmt::format("{} length {} exceeds 2^31", what, d.len));
  }
  return Status::Ok();
}

Status CheckTotal(uint64_t total, const DescriptorLimits& limits) {
  if (total > limits.max_transfer) {
    return ProtocolError(fmt::format("data length {} exceeds the maximum transfer size {}", total,
                                     limits.max_transfer));
  }
  return Status::Ok();
}

Result<DataLayout> ParseDirect(std::span<const std::byte> iu, size_t off,
                               const DescriptorLimits& limits, DataLayout layout) {
  if (off + kDirectDescSize > iu.size()) {
    return ProtocolError(fmt::format(
        "direct descriptor at offset {} extends past the received IU ({} bytes)", off, iu.size()));
  }
  DirectDescriptor d = ReadDesc(iu, off);
  SRP_RETURN_IF_ERROR(CheckDescLen(d, "direct descriptor"));
  SRP_RETURN_IF_ERROR(CheckTotal(d.len, limits));
  layout.total_length = d.len;
  layout.descriptors.push_back(d);
  return layout;
}

Result<DataLayout> ParseIndirect(std::span<const std::byte> iu, size_t off, uint8_t count,
                                 const DescriptorLimits& limits, DataLayout layout) {
  if (off + kIndirectHeaderSize > iu.size()) {
    return ProtocolError(fmt::format(
        "indirect descriptor header at offset {} extends past the received IU ({} bytes)", off,
        iu.size()));
  }
  layout.table_desc = ReadDesc(iu, off + kIndTableDesc);
  layout.total_length = LoadBe32(iu, off + kIndTotalLen);
  const uint32_t table_len = layout.table_desc.len;
  if (table_len % kDirectDescSize != 0) {
    return ProtocolError(
        fmt::format("indirect table_desc length {} is not a multiple of 16", table_len));
  }
  const uint32_t table_entries = table_len / kDirectDescSize;
  if (table_entries == 0) return ProtocolError("indirect descriptor table is empty");
  if (count > table_entries) {
    return ProtocolError(fmt::format(
        "indirect descriptor count {} exceeds the {} entries of table_desc", count, table_entries));
  }
  const size_t list_end = off + kIndirectHeaderSize + size_t{count} * kDirectDescSize;
  if (list_end > iu.size()) {
    return ProtocolError(
        fmt::format("{} indirect descriptors need {} bytes but only {} were received", count,
                    list_end, iu.size()));
  }
  if (layout.total_length == 0) return ProtocolError("indirect descriptor total length is 0");
  SRP_RETURN_IF_ERROR(CheckTotal(layout.total_length, limits));

  uint64_t sum = 0;
  layout.descriptors.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    DirectDescriptor d = ReadDesc(iu, off + kIndList + i * kDirectDescSize);
    SRP_RETURN_IF_ERROR(CheckDescLen(d, fmt::format("indirect descriptor {}", i)));
    sum += d.len;
    layout.descriptors.push_back(d);
  }

  if (table_entries > count) {
    if (!limits.external_tables) {
      return ProtocolError(fmt::format(
          "external indirect descriptor table ({} entries, {} in the IU) is not supported",
          table_entries, count));
    }
    if (table_entries > limits.max_external_descriptors) {
      return ProtocolError(fmt::format("external indirect table of {} entries exceeds limit {}",
                                       table_entries, limits.max_external_descriptors));
    }
    if (sum > layout.total_length) {
      return ProtocolError(
          fmt::format("inline descriptor lengths ({}) exceed the indirect total length {}", sum,
                      layout.total_length));
    }
    layout.needs_external_table = true;
    return layout;
  }
  if (sum != layout.total_length) {
    return ProtocolError(
        fmt::format("indirect descriptor lengths sum to {} but the header's total length is {}",
                    sum, layout.total_length));
  }
  return layout;
}

Result<DataLayout> ParseImmediate(std::span<const std::byte> iu, size_t off,
                                  const DescriptorLimits& limits, DataLayout layout) {
  if (!limits.immediate_data) {
    return ProtocolError("immediate data used but not negotiated at login");
  }
  if (off + kImmBufHeaderSize > iu.size()) {
    return ProtocolError(
        fmt::format("immediate data header at offset {} extends past the received IU ({} bytes)",
                    off, iu.size()));
  }
  const uint32_t len = LoadBe32(iu, off);
  const uint64_t data_off = limits.imm_data_offset;
  if (data_off < off + kImmBufHeaderSize) {
    return ProtocolError(
        fmt::format("immediate data offset {} lies inside the SRP_CMD header (which ends at {})",
                    data_off, off + kImmBufHeaderSize));
  }
  if (len == 0) return ProtocolError("immediate data length is 0");
  SRP_RETURN_IF_ERROR(CheckTotal(len, limits));
  if (limits.max_iu_len != 0 && data_off + len > limits.max_iu_len) {
    return ProtocolError(
        fmt::format("immediate data ({} bytes at offset {}) runs past the max IU length {}", len,
                    data_off, limits.max_iu_len));
  }
  if (data_off + len > iu.size()) {
    return ProtocolError(
        fmt::format("immediate data ({} bytes at offset {}) runs past the received IU ({} bytes)",
                    len, data_off, iu.size()));
  }
  layout.total_length = len;
  layout.imm_offset = static_cast<uint32_t>(data_off);
  layout.imm_length = len;
  return layout;
}

}  // namespace

DirectDescriptor DecodeDirectDescriptor(std::span<const std::byte, kDirectDescSize> in) {
  return DirectDescriptor{LoadBe64(in.data() + kDescVa), LoadBe32(in.data() + kDescRkey),
                          LoadBe32(in.data() + kDescLen)};
}

void EncodeDirectDescriptor(const DirectDescriptor& d, std::span<std::byte, kDirectDescSize> out) {
  StoreBe64(out.data() + kDescVa, d.va);
  StoreBe32(out.data() + kDescRkey, d.rkey);
  StoreBe32(out.data() + kDescLen, d.len);
}

std::span<const std::byte> DataLayout::ImmediateData(std::span<const std::byte> iu) const {
  if (format != DataFormat::kImmediate || uint64_t{imm_offset} + imm_length > iu.size()) {
    return {};
  }
  return iu.subspan(imm_offset, imm_length);
}

Result<DataLayout> ParseDataLayout(const CmdHeader& hdr, std::span<const std::byte> iu,
                                   const DescriptorLimits& limits) {
  if (limits.max_iu_len != 0 && iu.size() > limits.max_iu_len) {
    return ProtocolError(fmt::format("SRP_CMD of {} bytes exceeds the negotiated max IU length {}",
                                     iu.size(), limits.max_iu_len));
  }
  if (hdr.add_cdb_len & 0x3) {
    return ProtocolError(
        fmt::format("SRP_CMD add_cdb_len 0x{:02x} is not a multiple of 4 (reserved low bits set)",
                    hdr.add_cdb_len));
  }
  const size_t off = hdr.descriptor_offset();
  if (off > iu.size()) {
    return ProtocolError(
        fmt::format("SRP_CMD additional CDB ({} bytes) extends past the received IU ({} bytes)",
                    hdr.add_cdb_len, iu.size()));
  }
  const uint8_t out_fmt = hdr.data_out_format();
  const uint8_t in_fmt = hdr.data_in_format();
  if (out_fmt > static_cast<uint8_t>(DataFormat::kImmediate)) {
    return ProtocolError(fmt::format("reserved DATA-OUT buffer format {}", out_fmt));
  }
  if (in_fmt == static_cast<uint8_t>(DataFormat::kImmediate)) {
    return ProtocolError("immediate data format in the DATA-IN nibble of buf_fmt");
  }
  if (in_fmt > static_cast<uint8_t>(DataFormat::kImmediate)) {
    return ProtocolError(fmt::format("reserved DATA-IN buffer format {}", in_fmt));
  }
  if (out_fmt != 0 && in_fmt != 0) {
    return ProtocolError(fmt::format(
        "bidirectional command (buf_fmt 0x{:02x} sets both DATA-OUT and DATA-IN) not supported",
        hdr.buf_fmt));
  }
  DataLayout layout;
  if (out_fmt == 0 && in_fmt == 0) return layout;
  const bool out = out_fmt != 0;
  layout.direction = out ? DataDirection::kOut : DataDirection::kIn;
  layout.format = static_cast<DataFormat>(out ? out_fmt : in_fmt);
  switch (layout.format) {
    case DataFormat::kDirect:
      return ParseDirect(iu, off, limits, std::move(layout));
    case DataFormat::kIndirect:
      return ParseIndirect(iu, off, out ? hdr.data_out_desc_cnt : hdr.data_in_desc_cnt, limits,
                           std::move(layout));
    case DataFormat::kImmediate:
      return ParseImmediate(iu, off, limits, std::move(layout));
    case DataFormat::kNone:
      break;
  }
  return Internal("unreachable data format");
}

Result<DataLayout> ParseExternalTable(const DataLayout& layout,
                                      std::span<const std::byte> fetched) {
  if (!layout.needs_external_table) {
    return InvalidArgument("layout does not need an external descriptor table");
  }
  const uint32_t table_len = layout.table_desc.len;
  if (fetched.size() < table_len) {
    return ProtocolError(fmt::format("fetched external table has {} bytes, table_desc.len is {}",
                                     fetched.size(), table_len));
  }
  const size_t entries = table_len / kDirectDescSize;
  DataLayout full = layout;
  full.descriptors.clear();
  full.descriptors.reserve(entries);
  uint64_t sum = 0;
  for (size_t i = 0; i < entries; ++i) {
    DirectDescriptor d = ReadDesc(fetched, i * kDirectDescSize);
    SRP_RETURN_IF_ERROR(CheckDescLen(d, fmt::format("external table entry {}", i)));
    if (i < layout.descriptors.size() && !(d == layout.descriptors[i])) {
      return ProtocolError(
          fmt::format("external table entry {} differs from the descriptor carried in the IU", i));
    }
    sum += d.len;
    full.descriptors.push_back(d);
  }
  if (sum != layout.total_length) {
    return ProtocolError(
        fmt::format("external table lengths sum to {} but the header's total length is {}", sum,
                    layout.total_length));
  }
  full.needs_external_table = false;
  return full;
}

size_t EncodedCmdSize(std::span<const std::byte> add_cdb, const DataLayout& layout,
                      std::span<const std::byte> imm_data) {
  const size_t off = kCmdHeaderSize + add_cdb.size();
  switch (layout.format) {
    case DataFormat::kNone:
      return off;
    case DataFormat::kDirect:
      return off + kDirectDescSize;
    case DataFormat::kIndirect:
      return off + kIndirectHeaderSize + layout.descriptors.size() * kDirectDescSize;
    case DataFormat::kImmediate:
      return std::max<size_t>(off + kImmBufHeaderSize, layout.imm_offset) + imm_data.size();
  }
  return off;
}

Result<size_t> EncodeCmd(const CmdHeader& hdr, std::span<const std::byte> add_cdb,
                         const DataLayout& layout, std::span<const std::byte> imm_data,
                         std::span<std::byte> out) {
  if (add_cdb.size() % 4 != 0 || add_cdb.size() > kMaxAddCdb) {
    return InvalidArgument(
        fmt::format("additional CDB of {} bytes: must be a multiple of 4 and at most {}",
                    add_cdb.size(), kMaxAddCdb));
  }
  const bool has_data = layout.format != DataFormat::kNone;
  if (has_data != (layout.direction != DataDirection::kNone)) {
    return InvalidArgument("data layout direction and format disagree");
  }
  const size_t off = kCmdHeaderSize + add_cdb.size();
  uint8_t count = 0;
  switch (layout.format) {
    case DataFormat::kNone:
      break;
    case DataFormat::kDirect:
      if (layout.descriptors.size() != 1) {
        return InvalidArgument("direct data layout needs exactly one descriptor");
      }
      break;
    case DataFormat::kIndirect:
      if (layout.descriptors.size() > 255) {
        return InvalidArgument("more than 255 inline indirect descriptors");
      }
      count = static_cast<uint8_t>(layout.descriptors.size());
      break;
    case DataFormat::kImmediate:
      if (layout.direction != DataDirection::kOut) {
        return InvalidArgument("immediate data is DATA-OUT only");
      }
      if (layout.imm_offset < off + kImmBufHeaderSize) {
        return InvalidArgument(fmt::format("immediate data offset {} inside the header (< {})",
                                           layout.imm_offset, off + kImmBufHeaderSize));
      }
      if (imm_data.size() > UINT32_MAX) return InvalidArgument("immediate data too large");
      break;
  }
  const size_t size = EncodedCmdSize(add_cdb, layout, imm_data);
  SRP_RETURN_IF_ERROR(internal::PrepareOut(out, size, "SRP_CMD"));

  CmdHeader h = hdr;
  const auto fmt_code = static_cast<uint8_t>(layout.format);
  const bool is_out = layout.direction == DataDirection::kOut;
  h.buf_fmt = static_cast<uint8_t>(is_out ? fmt_code << 4 : fmt_code);
  h.data_out_desc_cnt = is_out ? count : 0;
  h.data_in_desc_cnt = is_out ? 0 : count;
  h.add_cdb_len = static_cast<uint8_t>(add_cdb.size());
  SRP_RETURN_IF_ERROR(EncodeCmdHeader(h, out).status());
  std::copy(add_cdb.begin(), add_cdb.end(), out.begin() + kCmdHeaderSize);

  switch (layout.format) {
    case DataFormat::kNone:
      break;
    case DataFormat::kDirect:
      EncodeDirectDescriptor(layout.descriptors[0], out.subspan(off).first<kDirectDescSize>());
      break;
    case DataFormat::kIndirect:
      EncodeDirectDescriptor(layout.table_desc,
                             out.subspan(off + kIndTableDesc).first<kDirectDescSize>());
      StoreBe32(out, off + kIndTotalLen, layout.total_length);
      for (size_t i = 0; i < layout.descriptors.size(); ++i) {
        EncodeDirectDescriptor(
            layout.descriptors[i],
            out.subspan(off + kIndList + i * kDirectDescSize).first<kDirectDescSize>());
      }
      break;
    case DataFormat::kImmediate:
      StoreBe32(out, off, static_cast<uint32_t>(imm_data.size()));
      std::copy(imm_data.begin(), imm_data.end(), out.begin() + layout.imm_offset);
      break;
  }
  return size;
}

Result<std::vector<std::byte>> EncodeCmd(const CmdHeader& hdr, std::span<const std::byte> add_cdb,
                                         const DataLayout& layout,
                                         std::span<const std::byte> imm_data) {
  std::vector<std::byte> v(EncodedCmdSize(add_cdb, layout, imm_data));
  SRP_ASSIGN_OR_RETURN(size_t n, EncodeCmd(hdr, add_cdb, layout, imm_data, v));
  v.resize(n);
  return v;
}

}  // namespace srp::wire
