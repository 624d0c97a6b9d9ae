// Device Management attribute codecs (IB spec annex A1 / srp-reference.md §5.2).
// Pure functions: encode to fixed-size byte arrays, decode with length checks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/status.h"

namespace srp::mad {

// ClassPortInfo (72 bytes; the same layout serves DM and SA).
inline constexpr size_t kClassPortInfoSize = 72;
struct ClassPortInfo {
  uint8_t base_version = 1;
  uint8_t class_version = 1;
  uint16_t capability_mask = 0;
  uint32_t capability_mask2 = 0;  // 27 bits
  uint8_t resp_time_value = 0;    // 5 bits
  Gid redirect_gid;
  uint32_t redirect_tc_sl_fl = 0;  // TC(8) | SL(4) | FlowLabel(20)
  uint16_t redirect_lid = 0;
  uint16_t redirect_pkey = 0;
  uint32_t redirect_qp = 0;  // low 24 bits
  uint32_t redirect_qkey = 0;
  Gid trap_gid;
  uint32_t trap_tc_sl_fl = 0;
  uint16_t trap_lid = 0;
  uint16_t trap_pkey = 0;
  uint32_t trap_hl_qp = 0;  // HopLimit(8) | QP(24)
  uint32_t trap_qkey = 0;
  bool operator==(const ClassPortInfo&) const = default;
};
std::array<std::byte, kClassPortInfoSize> EncodeClassPortInfo(const ClassPortInfo& info);
Result<ClassPortInfo> DecodeClassPortInfo(std::span<const std::byte> in);

// IOUnitInfo (132 bytes). Controller slots are 1-based; slot s lives in byte
// 4 + (s-1)/2, odd slot = high nibble, even slot = low nibble.
inline constexpr size_t kIoUnitInfoSize = 132;
inline constexpr int kMaxControllerSlots = 256;
inline constexpr uint8_t kControllerNotInstalled = 0x0;
inline constexpr uint8_t kControllerPresent = 0x1;
inline constexpr uint8_t kControllerNoSlot = 0xF;
struct IoUnitInfo {
  uint16_t change_id = 0;
  uint8_t max_controllers = 0;
  uint8_t diag_option_rom = 0;  // byte 3 as is (diag device id / option ROM bits)
  // controllers[s - 1] = nibble of slot s (only the low 4 bits are encoded).
  std::array<uint8_t, kMaxControllerSlots> controllers{};
  bool operator==(const IoUnitInfo&) const = default;
};
std::array<std::byte, kIoUnitInfoSize> EncodeIoUnitInfo(const IoUnitInfo& info);
Result<IoUnitInfo> DecodeIoUnitInfo(std::span<const std::byte> in);

// IOControllerProfile (128 bytes, field per field as in §5.2).
inline constexpr size_t kIoControllerProfileSize = 128;
inline constexpr size_t kIocIdStringSize = 64;
inline constexpr uint8_t kIocCapSendToIoc = 0x01;
inline constexpr uint8_t kIocCapSendFromIoc = 0x02;
inline constexpr uint8_t kIocCapRdmaReadFromIoc = 0x08;
inline constexpr uint8_t kIocCapRdmaWriteFromIoc = 0x20;
inline constexpr uint16_t kSrpIoClass = 0x0100;  // SRP rev. 16a
inline constexpr uint16_t kSrpIoSubclass = 0x609E;
inline constexpr uint16_t kSrpProtocol = 0x0108;
inline constexpr uint16_t kSrpProtocolVersion = 0x0001;
struct IoControllerProfile {
  uint64_t guid = 0;                // 0
  uint32_t vendor_id = 0;           // 8 (4 bytes as stored; srp_daemon prints >> 8)
  uint32_t device_id = 0;           // 12
  uint16_t device_version = 0;      // 16
  uint32_t subsys_vendor_id = 0;    // 20
  uint32_t subsys_id = 0;           // 24
  uint16_t io_class = 0;            // 28
  uint16_t io_subclass = 0;         // 30
  uint16_t protocol = 0;            // 32
  uint16_t protocol_version = 0;    // 34
  uint32_t reserved36 = 0;          // 36 (LIO: service_conn, initiators_supported)
  uint16_t send_queue_depth = 0;    // 40
  uint8_t rdma_read_depth = 0;      // 43
  uint32_t send_size = 0;           // 44
  uint32_t rdma_size = 0;           // 48
  uint8_t op_cap_mask = 0;          // 52
  uint8_t svc_cap_mask = 0;         // 53
  uint8_t num_service_entries = 0;  // 54
  std::string id_string;            // 64, up to 64 bytes, NUL-padded
  bool operator==(const IoControllerProfile&) const = default;
};
// kInvalidArgument when id_string is longer than 64 bytes.
Result<std::array<std::byte, kIoControllerProfileSize>> EncodeIoControllerProfile(
    const IoControllerProfile& profile);
Result<IoControllerProfile> DecodeIoControllerProfile(std::span<const std::byte> in);

// ServiceEntries: up to 4 entries of 48 bytes (name[40] NUL-terminated + service ID).
inline constexpr size_t kServiceEntrySize = 48;
inline constexpr size_t kServiceNameSize = 40;
inline constexpr size_t kMaxServiceEntriesPerMad = 4;
inline constexpr size_t kServiceEntriesSize = kServiceEntrySize * kMaxServiceEntriesPerMad;
struct ServiceEntry {
  std::string name;  // at most 39 characters
  uint64_t id = 0;
  bool operator==(const ServiceEntry&) const = default;
};
// kInvalidArgument for more than 4 entries or a name of 40+ characters.
Result<std::array<std::byte, kServiceEntriesSize>> EncodeServiceEntries(
    std::span<const ServiceEntry> entries);
// Decodes `count` (1..4) entries; a name is read up to its first NUL.
Result<std::vector<ServiceEntry>> DecodeServiceEntries(std::span<const std::byte> in, size_t count);

// ServiceEntries attr_mod = (slot << 16) | (last << 8) | first, inclusive range.
struct ServiceEntriesRange {
  uint16_t slot = 0;
  uint8_t first = 0;
  uint8_t last = 0;
  size_t count() const { return static_cast<size_t>(last - first) + 1; }
  bool operator==(const ServiceEntriesRange&) const = default;
};
uint32_t ServiceEntriesAttrMod(const ServiceEntriesRange& range);
// kInvalidArgument when last < first or the range spans more than 4 entries.
Result<ServiceEntriesRange> DecodeServiceEntriesAttrMod(uint32_t attr_mod);

// "SRP.T10:" + 16 lower-case hex digits of id_ext.
std::string SrpServiceName(uint64_t id_ext);

}  // namespace srp::mad
