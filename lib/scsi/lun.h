// SAM 8-byte LUN encoding (SAM-5 4.7).
//
// Two views exist and both are needed:
//  * The target's view (SCST scst_pack_lun/scst_unpack_lun, LIO): a LUN number 0..16383 maps to a
//    single-level LUN: < 256 -> peripheral device addressing `00 LL 00 00 00 00 00 00`,
//    otherwise flat space addressing `(0x40 | hi) lo 00 ...`. PackLun/UnpackLun.
//  * The Linux initiator's view (int_to_scsilun/scsilun_to_int): the 8 bytes are read as four
//    big-endian 16-bit levels, level 0 in the low 16 bits of a u64, *including* the address
//    method bits. So flat LUN 300 (`41 2c ..`) is Linux LUN 0x412c. IntToScsiLun/ScsiLunToInt.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace srp::scsi {

using LunBytes = std::array<std::byte, 8>;

// Largest LUN number PackLun can express (14-bit flat space addressing).
inline constexpr uint32_t kMaxPackedLun = 0x3FFF;

// REQUIRES: lun <= kMaxPackedLun (larger values are masked to 14 bits).
LunBytes PackLun(uint32_t lun);

// Decodes a single-level peripheral (bus 0) or flat space LUN whose remaining levels are
// zero. Returns nullopt for anything else (other address methods, bus != 0, multi-level, or
// a short span), which the core answers with LOGICAL UNIT NOT SUPPORTED.
std::optional<uint32_t> UnpackLun(std::span<const std::byte> lun);

// Linux int_to_scsilun(): level i (16 bits) of `lun` goes to bytes 2i, 2i+1, big endian.
LunBytes IntToScsiLun(uint64_t lun);
// Linux scsilun_to_int(). REQUIRES: lun.size() >= 8 (fewer bytes read as zero).
uint64_t ScsiLunToInt(std::span<const std::byte> lun);

}  // namespace srp::scsi
