// Subnet Administration record codecs: only the records and fields srp_daemon
// (and our srp-discover) use; every other field is encoded as zero.
// Layouts: IB spec 1.x chapter 15 (SA attributes); cross-checked against the
// field order of rdma-core srp_daemon.h (srp_sa_node_rec, srp_sa_port_info_rec).
// SA ClassPortInfo uses the common 72-byte layout (dm_codec.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "lib/common/ids.h"
#include "lib/common/status.h"

namespace srp::mad {

// SA ClassPortInfo:CapabilityMask bit 13, IsPortInfoCapMaskMatchSupported.
inline constexpr uint16_t kSaCapPortInfoCapMaskMatch = 1u << 13;
// PortInfo:CapabilityMask bit 19, IsDeviceManagementSupported.
inline constexpr uint32_t kPortCapDeviceManagement = 1u << 19;
// PortInfoRecord query attr_mod: match CapabilityMask bits instead of equality.
inline constexpr uint32_t kPortInfoCapMaskMatchAttrMod = 0x80000000u;

// PortInfoRecord: EndportLID(2) @0, PortNum(1) @2, reserved(1) @3, PortInfo(64) @4.
// PortInfo offsets inside the record: M_Key 4, GIDPrefix 12, LID 20,
// MasterSMLID 22, CapabilityMask 24, DiagCode 28, M_KeyLeasePeriod 30,
// LocalPortNum 32, LinkWidthEnabled 33, LinkWidthSupported 34, LinkWidthActive 35,
// LinkSpeedSupported(4)|PortState(4) 36, PortPhysicalState(4)|LinkDownDefault(4) 37.
// 68 bytes, stride 72 (attr_offset 9).
inline constexpr size_t kPortInfoRecordSize = 68;
inline constexpr size_t kPortInfoRecordStride = 72;
inline constexpr uint64_t kPirCompEndportLid = 1ull << 0;
inline constexpr uint64_t kPirCompPortNum = 1ull << 1;
inline constexpr uint64_t kPirCompLid = 1ull << 5;
inline constexpr uint64_t kPirCompCapabilityMask = 1ull << 7;
inline constexpr uint8_t kPortStateActive = 4;
struct PortInfoRecord {
  uint16_t endport_lid = 0;
  uint8_t port_num = 0;
  uint64_t m_key = 0;
  uint64_t subnet_prefix = 0;
  uint16_t lid = 0;
  uint16_t master_sm_lid = 0;
  uint32_t capability_mask = 0;
  uint8_t local_port_num = 0;
  uint8_t link_width_active = 0;
  uint8_t port_state = 0;       // 4 bits
  uint8_t port_phys_state = 0;  // 4 bits
  bool operator==(const PortInfoRecord&) const = default;
};
std::array<std::byte, kPortInfoRecordStride> EncodePortInfoRecord(const PortInfoRecord& r);
Result<PortInfoRecord> DecodePortInfoRecord(std::span<const std::byte> in);

// NodeRecord: LID(2) @0, reserved(2) @2, NodeInfo(40) @4, NodeDescription(64) @44.
// NodeInfo offsets inside the record: BaseVersion 4, ClassVersion 5, NodeType 6,
// NumPorts 7, SystemImageGUID 8, NodeGUID 16, PortGUID 24, PartitionCap 32,
// DeviceID 34, Revision 36, LocalPortNum(1)|VendorID(3) 40.
// 108 bytes, stride 112 (attr_offset 14).
inline constexpr size_t kNodeRecordSize = 108;
inline constexpr size_t kNodeRecordStride = 112;
inline constexpr size_t kNodeDescriptionSize = 64;
inline constexpr uint64_t kNrCompLid = 1ull << 0;
inline constexpr uint64_t kNrCompNodeGuid = 1ull << 7;
inline constexpr uint64_t kNrCompPortGuid = 1ull << 8;
inline constexpr uint8_t kNodeTypeCa = 1;
struct NodeRecord {
  uint16_t lid = 0;
  uint8_t base_version = 0;
  uint8_t class_version = 0;
  uint8_t node_type = 0;
  uint8_t num_ports = 0;
  uint64_t sys_image_guid = 0;
  uint64_t node_guid = 0;
  uint64_t port_guid = 0;
  uint16_t partition_cap = 0;
  uint16_t device_id = 0;
  uint32_t revision = 0;
  uint8_t local_port_num = 0;
  uint32_t vendor_id = 0;   // 24 bits
  std::string description;  // up to 64 bytes
  bool operator==(const NodeRecord&) const = default;
};
// kInvalidArgument when the description exceeds 64 bytes.
Result<std::array<std::byte, kNodeRecordStride>> EncodeNodeRecord(const NodeRecord& r);
Result<NodeRecord> DecodeNodeRecord(std::span<const std::byte> in);

// PathRecord (64 bytes, stride 64): ServiceID(8) @0 (reserved before IB 1.2.1),
// DGID @8, SGID @24, DLID @40, SLID @42, RawTraffic(1)|rsvd(3)|FlowLabel(20)|HopLimit(8)
// @44, TClass @48, Reversible(1)|NumbPath(7) @49, P_Key @50, QoSClass(12)|SL(4) @52,
// MTUSelector(2)|MTU(6) @54, RateSelector(2)|Rate(6) @55,
// PacketLifeTimeSelector(2)|PacketLifeTime(6) @56, Preference @57, reserved(6) @58.
inline constexpr size_t kPathRecordSize = 64;
inline constexpr uint64_t kPrCompDgid = 1ull << 2;
inline constexpr uint64_t kPrCompSgid = 1ull << 3;
inline constexpr uint64_t kPrCompDlid = 1ull << 4;
inline constexpr uint64_t kPrCompSlid = 1ull << 5;
inline constexpr uint64_t kPrCompRawTraffic = 1ull << 6;
inline constexpr uint64_t kPrCompHopLimit = 1ull << 9;
inline constexpr uint64_t kPrCompNumbPath = 1ull << 12;
inline constexpr uint64_t kPrCompPkey = 1ull << 13;
struct PathRecord {
  uint64_t service_id = 0;
  Gid dgid;
  Gid sgid;
  uint16_t dlid = 0;
  uint16_t slid = 0;
  bool raw_traffic = false;
  uint32_t flow_label = 0;  // 20 bits
  uint8_t hop_limit = 0;
  uint8_t tclass = 0;
  bool reversible = false;
  uint8_t numb_path = 0;  // 7 bits
  uint16_t pkey = 0;
  uint16_t qos_class = 0;  // 12 bits
  uint8_t sl = 0;          // 4 bits
  uint8_t mtu_selector = 0;
  uint8_t mtu = 0;
  uint8_t rate_selector = 0;
  uint8_t rate = 0;
  uint8_t packet_life_selector = 0;
  uint8_t packet_life = 0;
  uint8_t preference = 0;
  bool operator==(const PathRecord&) const = default;
};
std::array<std::byte, kPathRecordSize> EncodePathRecord(const PathRecord& r);
Result<PathRecord> DecodePathRecord(std::span<const std::byte> in);

}  // namespace srp::mad
