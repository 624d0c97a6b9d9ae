#include "lib/mad/dm_codec.h"

#include <algorithm>
#include <cstring>

#include "lib/common/endian.h"
#include "lib/common/ids.h"
#include "lib/mad/codec_util.h"

namespace srp::mad {
namespace {

using internal::CheckSize;

// Text up to the first NUL within `size` bytes.
std::string LoadCString(const std::byte* p, size_t size) {
  const char* c = reinterpret_cast<const char*>(p);
  return std::string(c, strnlen(c, size));
}

}  // namespace

std::array<std::byte, kClassPortInfoSize> EncodeClassPortInfo(const ClassPortInfo& i) {
  std::array<std::byte, kClassPortInfoSize> out{};
  std::byte* p = out.data();
  StoreU8(p + 0, i.base_version);
  StoreU8(p + 1, i.class_version);
  StoreBe16(p + 2, i.capability_mask);
  StoreBe32(p + 4, (i.capability_mask2 << 5) | (i.resp_time_value & 0x1f));
  StoreGid(p + 8, i.redirect_gid);
  StoreBe32(p + 24, i.redirect_tc_sl_fl);
  StoreBe16(p + 28, i.redirect_lid);
  StoreBe16(p + 30, i.redirect_pkey);
  StoreBe32(p + 32, i.redirect_qp & 0x00ffffff);
  StoreBe32(p + 36, i.redirect_qkey);
  StoreGid(p + 40, i.trap_gid);
  StoreBe32(p + 56, i.trap_tc_sl_fl);
  StoreBe16(p + 60, i.trap_lid);
  StoreBe16(p + 62, i.trap_pkey);
  StoreBe32(p + 64, i.trap_hl_qp);
  StoreBe32(p + 68, i.trap_qkey);
  return out;
}

Result<ClassPortInfo> DecodeClassPortInfo(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckSize(in, kClassPortInfoSize, "ClassPortInfo"));
  const std::byte* p = in.data();
  ClassPortInfo i;
  i.base_version = LoadU8(p + 0);
  i.class_version = LoadU8(p + 1);
  i.capability_mask = LoadBe16(p + 2);
  uint32_t w = LoadBe32(p + 4);
  i.capability_mask2 = w >> 5;
  i.resp_time_value = static_cast<uint8_t>(w & 0x1f);
  i.redirect_gid = LoadGid(p + 8);
  i.redirect_tc_sl_fl = LoadBe32(p + 24);
  i.redirect_lid = LoadBe16(p + 28);
  i.redirect_pkey = LoadBe16(p + 30);
  i.redirect_qp = LoadBe32(p + 32) & 0x00ffffff;
  i.redirect_qkey = LoadBe32(p + 36);
  i.trap_gid = LoadGid(p + 40);
  i.trap_tc_sl_fl = LoadBe32(p + 56);
  i.trap_lid = LoadBe16(p + 60);
  i.trap_pkey = LoadBe16(p + 62);
  i.trap_hl_qp = LoadBe32(p + 64);
  i.trap_qkey = LoadBe32(p + 68);
  return i;
}

std::array<std::byte, kIoUnitInfoSize> EncodeIoUnitInfo(const IoUnitInfo& info) {
  std::array<std::byte, kIoUnitInfoSize> out{};
  StoreBe16(out.data(), info.change_id);
  StoreU8(out.data() + 2, info.max_controllers);
  StoreU8(out.data() + 3, info.diag_option_rom);
  for (int slot = 1; slot <= kMaxControllerSlots; ++slot) {
    uint8_t nibble = info.controllers[static_cast<size_t>(slot - 1)] & 0x0f;
    uint8_t& byte = reinterpret_cast<uint8_t&>(out[4 + static_cast<size_t>(slot - 1) / 2]);
    byte |= (slot % 2 == 1) ? static_cast<uint8_t>(nibble << 4) : nibble;
  }
  return out;
}

Result<IoUnitInfo> DecodeIoUnitInfo(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckSize(in, kIoUnitInfoSize, "IOUnitInfo"));
  IoUnitInfo info;
  info.change_id = LoadBe16(in, 0);
  info.max_controllers = LoadU8(in.data() + 2);
  info.diag_option_rom = LoadU8(in.data() + 3);
  for (int slot = 1; slot <= kMaxControllerSlots; ++slot) {
    uint8_t byte = LoadU8(in.data() + 4 + (slot - 1) / 2);
    info.controllers[static_cast<size_t>(slot - 1)] =
        (slot % 2 == 1) ? static_cast<uint8_t>(byte >> 4) : static_cast<uint8_t>(byte & 0x0f);
  }
  return info;
}

Result<std::array<std::byte, kIoControllerProfileSize>> EncodeIoControllerProfile(
    const IoControllerProfile& c) {
  if (c.id_string.size() > kIocIdStringSize)
    return InvalidArgument("IOControllerProfile ID string longer than 64 bytes");
  std::array<std::byte, kIoControllerProfileSize> out{};
  std::byte* p = out.data();
  StoreBe64(p + 0, c.guid);
  StoreBe32(p + 8, c.vendor_id);
  StoreBe32(p + 12, c.device_id);
  StoreBe16(p + 16, c.device_version);
  StoreBe32(p + 20, c.subsys_vendor_id);
  StoreBe32(p + 24, c.subsys_id);
  StoreBe16(p + 28, c.io_class);
  StoreBe16(p + 30, c.io_subclass);
  StoreBe16(p + 32, c.protocol);
  StoreBe16(p + 34, c.protocol_version);
  StoreBe32(p + 36, c.reserved36);
  StoreBe16(p + 40, c.send_queue_depth);
  StoreU8(p + 43, c.rdma_read_depth);
  StoreBe32(p + 44, c.send_size);
  StoreBe32(p + 48, c.rdma_size);
  StoreU8(p + 52, c.op_cap_mask);
  StoreU8(p + 53, c.svc_cap_mask);
  StoreU8(p + 54, c.num_service_entries);
  std::memcpy(p + 64, c.id_string.data(), c.id_string.size());
  return out;
}

Result<IoControllerProfile> DecodeIoControllerProfile(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckSize(in, kIoControllerProfileSize, "IOControllerProfile"));
  const std::byte* p = in.data();
  IoControllerProfile c;
  c.guid = LoadBe64(p + 0);
  c.vendor_id = LoadBe32(p + 8);
  c.device_id = LoadBe32(p + 12);
  c.device_version = LoadBe16(p + 16);
  c.subsys_vendor_id = LoadBe32(p + 20);
  c.subsys_id = LoadBe32(p + 24);
  c.io_class = LoadBe16(p + 28);
  c.io_subclass = LoadBe16(p + 30);
  c.protocol = LoadBe16(p + 32);
  c.protocol_version = LoadBe16(p + 34);
  c.reserved36 = LoadBe32(p + 36);
  c.send_queue_depth = LoadBe16(p + 40);
  c.rdma_read_depth = LoadU8(p + 43);
  c.send_size = LoadBe32(p + 44);
  c.rdma_size = LoadBe32(p + 48);
  c.op_cap_mask = LoadU8(p + 52);
  c.svc_cap_mask = LoadU8(p + 53);
  c.num_service_entries = LoadU8(p + 54);
  c.id_string = LoadCString(p + 64, kIocIdStringSize);
  return c;
}

Result<std::array<std::byte, kServiceEntriesSize>> EncodeServiceEntries(
    std::span<const ServiceEntry> entries) {
  if (entries.size() > kMaxServiceEntriesPerMad)
    return InvalidArgument("more than 4 service entries in one MAD");
  std::array<std::byte, kServiceEntriesSize> out{};
  for (size_t i = 0; i < entries.size(); ++i) {
    const ServiceEntry& e = entries[i];
    if (e.name.size() >= kServiceNameSize)
      return InvalidArgument("service name '" + e.name + "' longer than 39 characters");
    std::byte* p = out.data() + i * kServiceEntrySize;
    std::memcpy(p, e.name.data(), e.name.size());
    StoreBe64(p + kServiceNameSize, e.id);
  }
  return out;
}

Result<std::vector<ServiceEntry>> DecodeServiceEntries(std::span<const std::byte> in,
                                                       size_t count) {
  if (count == 0 || count > kMaxServiceEntriesPerMad)
    return InvalidArgument("service entry count must be 1..4");
  SRP_RETURN_IF_ERROR(CheckSize(in, count * kServiceEntrySize, "ServiceEntries"));
  std::vector<ServiceEntry> entries(count);
  for (size_t i = 0; i < count; ++i) {
    const std::byte* p = in.data() + i * kServiceEntrySize;
    entries[i].name = LoadCString(p, kServiceNameSize);
    entries[i].id = LoadBe64(p + kServiceNameSize);
  }
  return entries;
}

uint32_t ServiceEntriesAttrMod(const ServiceEntriesRange& r) {
  return (static_cast<uint32_t>(r.slot) << 16) | (static_cast<uint32_t>(r.last) << 8) | r.first;
}

Result<ServiceEntriesRange> DecodeServiceEntriesAttrMod(uint32_t attr_mod) {
  ServiceEntriesRange r;
  r.slot = static_cast<uint16_t>(attr_mod >> 16);
  r.last = static_cast<uint8_t>(attr_mod >> 8);
  r.first = static_cast<uint8_t>(attr_mod);
  if (r.last < r.first) return InvalidArgument("ServiceEntries range with last < first");
  if (r.count() > kMaxServiceEntriesPerMad)
    return InvalidArgument("ServiceEntries range of more than 4 entries");
  return r;
}

std::string SrpServiceName(uint64_t id_ext) { return "SRP.T10:" + FormatHex64(id_ext); }

}  // namespace srp::mad
