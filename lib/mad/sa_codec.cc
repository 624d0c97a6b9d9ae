#include "lib/mad/sa_codec.h"

#include <cstring>

#include "lib/common/endian.h"
#include "lib/common/ids.h"
#include "lib/mad/codec_util.h"

namespace srp::mad {
namespace {

using internal::CheckSize;

}  // namespace

std::array<std::byte, kPortInfoRecordStride> EncodePortInfoRecord(const PortInfoRecord& r) {
  std::array<std::byte, kPortInfoRecordStride> out{};
  std::byte* p = out.data();
  StoreBe16(p + 0, r.endport_lid);
  StoreU8(p + 2, r.port_num);
  StoreBe64(p + 4, r.m_key);
  StoreBe64(p + 12, r.subnet_prefix);
  StoreBe16(p + 20, r.lid);
  StoreBe16(p + 22, r.master_sm_lid);
  StoreBe32(p + 24, r.capability_mask);
  StoreU8(p + 32, r.local_port_num);
  StoreU8(p + 35, r.link_width_active);
  StoreU8(p + 36, r.port_state & 0x0f);
  StoreU8(p + 37, static_cast<uint8_t>((r.port_phys_state & 0x0f) << 4));
  return out;
}

Result<PortInfoRecord> DecodePortInfoRecord(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckSize(in, kPortInfoRecordSize, "PortInfoRecord"));
  const std::byte* p = in.data();
  PortInfoRecord r;
  r.endport_lid = LoadBe16(p + 0);
  r.port_num = LoadU8(p + 2);
  r.m_key = LoadBe64(p + 4);
  r.subnet_prefix = LoadBe64(p + 12);
  r.lid = LoadBe16(p + 20);
  r.master_sm_lid = LoadBe16(p + 22);
  r.capability_mask = LoadBe32(p + 24);
  r.local_port_num = LoadU8(p + 32);
  r.link_width_active = LoadU8(p + 35);
  r.port_state = LoadU8(p + 36) & 0x0f;
  r.port_phys_state = LoadU8(p + 37) >> 4;
  return r;
}

Result<std::array<std::byte, kNodeRecordStride>> EncodeNodeRecord(const NodeRecord& r) {
  if (r.description.size() > kNodeDescriptionSize)
    return InvalidArgument("NodeDescription longer than 64 bytes");
  std::array<std::byte, kNodeRecordStride> out{};
  std::byte* p = out.data();
  StoreBe16(p + 0, r.lid);
  StoreU8(p + 4, r.base_version);
  StoreU8(p + 5, r.class_version);
  StoreU8(p + 6, r.node_type);
  StoreU8(p + 7, r.num_ports);
  StoreBe64(p + 8, r.sys_image_guid);
  StoreBe64(p + 16, r.node_guid);
  StoreBe64(p + 24, r.port_guid);
  StoreBe16(p + 32, r.partition_cap);
  StoreBe16(p + 34, r.device_id);
  StoreBe32(p + 36, r.revision);
  StoreBe32(p + 40, (static_cast<uint32_t>(r.local_port_num) << 24) | (r.vendor_id & 0xffffff));
  std::memcpy(p + 44, r.description.data(), r.description.size());
  return out;
}

Result<NodeRecord> DecodeNodeRecord(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckSize(in, kNodeRecordSize, "NodeRecord"));
  const std::byte* p = in.data();
  NodeRecord r;
  r.lid = LoadBe16(p + 0);
  r.base_version = LoadU8(p + 4);
  r.class_version = LoadU8(p + 5);
  r.node_type = LoadU8(p + 6);
  r.num_ports = LoadU8(p + 7);
  r.sys_image_guid = LoadBe64(p + 8);
  r.node_guid = LoadBe64(p + 16);
  r.port_guid = LoadBe64(p + 24);
  r.partition_cap = LoadBe16(p + 32);
  r.device_id = LoadBe16(p + 34);
  r.revision = LoadBe32(p + 36);
  uint32_t w = LoadBe32(p + 40);
  r.local_port_num = static_cast<uint8_t>(w >> 24);
  r.vendor_id = w & 0xffffff;
  const char* c = reinterpret_cast<const char*>(p + 44);
  r.description.assign(c, strnlen(c, kNodeDescriptionSize));
  return r;
}

std::array<std::byte, kPathRecordSize> EncodePathRecord(const PathRecord& r) {
  std::array<std::byte, kPathRecordSize> out{};
  std::byte* p = out.data();
  StoreBe64(p + 0, r.service_id);
  StoreGid(p + 8, r.dgid);
  StoreGid(p + 24, r.sgid);
  StoreBe16(p + 40, r.dlid);
  StoreBe16(p + 42, r.slid);
  StoreBe32(p + 44,
            (r.raw_traffic ? 0x80000000u : 0u) | ((r.flow_label & 0xfffff) << 8) | r.hop_limit);
  StoreU8(p + 48, r.tclass);
  StoreU8(p + 49, static_cast<uint8_t>((r.reversible ? 0x80 : 0) | (r.numb_path & 0x7f)));
  StoreBe16(p + 50, r.pkey);
  StoreBe16(p + 52, static_cast<uint16_t>(((r.qos_class & 0xfff) << 4) | (r.sl & 0x0f)));
  StoreU8(p + 54, static_cast<uint8_t>((r.mtu_selector << 6) | (r.mtu & 0x3f)));
  StoreU8(p + 55, static_cast<uint8_t>((r.rate_selector << 6) | (r.rate & 0x3f)));
  StoreU8(p + 56, static_cast<uint8_t>((r.packet_life_selector << 6) | (r.packet_life & 0x3f)));
  StoreU8(p + 57, r.preference);
  return out;
}

Result<PathRecord> DecodePathRecord(std::span<const std::byte> in) {
  SRP_RETURN_IF_ERROR(CheckSize(in, kPathRecordSize, "PathRecord"));
  const std::byte* p = in.data();
  PathRecord r;
  r.service_id = LoadBe64(p + 0);
  r.dgid = LoadGid(p + 8);
  r.sgid = LoadGid(p + 24);
  r.dlid = LoadBe16(p + 40);
  r.slid = LoadBe16(p + 42);
  uint32_t w = LoadBe32(p + 44);
  r.raw_traffic = (w & 0x80000000u) != 0;
  r.flow_label = (w >> 8) & 0xfffff;
  r.hop_limit = static_cast<uint8_t>(w);
  r.tclass = LoadU8(p + 48);
  uint8_t b = LoadU8(p + 49);
  r.reversible = (b & 0x80) != 0;
  r.numb_path = b & 0x7f;
  r.pkey = LoadBe16(p + 50);
  uint16_t q = LoadBe16(p + 52);
  r.qos_class = q >> 4;
  r.sl = q & 0x0f;
  b = LoadU8(p + 54);
  r.mtu_selector = b >> 6;
  r.mtu = b & 0x3f;
  b = LoadU8(p + 55);
  r.rate_selector = b >> 6;
  r.rate = b & 0x3f;
  b = LoadU8(p + 56);
  r.packet_life_selector = b >> 6;
  r.packet_life = b & 0x3f;
  r.preference = LoadU8(p + 57);
  return r;
}

}  // namespace srp::mad
