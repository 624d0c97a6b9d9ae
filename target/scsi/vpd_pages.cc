// INQUIRY EVPD pages (SPC-4 7.8, SBC-3 6.5): a table of {page code, builder}; page 00h lists
// the table.
#include <array>
#include <string>

#include "lib/common/endian.h"
#include "lib/scsi/constants.h"
#include "target/scsi/handlers.h"
#include "target/scsi/logical_unit.h"

namespace srp::target::handlers {
namespace {

using PageBuilder = void (*)(const LogicalUnit& lu, const TargetPortInfo& port,
                             std::vector<std::byte>& page);

constexpr uint8_t kCodeSetBinary = 1;
constexpr uint8_t kCodeSetAscii = 2;
constexpr uint8_t kCodeSetUtf8 = 3;
constexpr uint8_t kAssociationLu = 0;
constexpr uint8_t kAssociationTargetPort = 1;
constexpr uint8_t kTypeT10VendorId = 1;
constexpr uint8_t kTypeNaa = 3;
constexpr uint8_t kTypeRelativeTargetPort = 4;
constexpr uint8_t kTypeScsiNameString = 8;
constexpr uint8_t kProtocolSrp = 4;  // SPC-4 table 362
constexpr size_t kLimitsPageLength = 0x3C;

void SupportedPages(const LogicalUnit& lu, const TargetPortInfo& port,
                    std::vector<std::byte>& page);

// Unit serial number (SPC-4 7.8.15).
void UnitSerial(const LogicalUnit& lu, const TargetPortInfo&, std::vector<std::byte>& page) {
  for (char c : lu.serial()) page.push_back(static_cast<std::byte>(c));
}

// One designation descriptor (SPC-4 7.8.6.1). `protocol` set: PIV=1 with that PROTOCOL
// IDENTIFIER (only meaningful for target port associations).
void AppendDesignator(std::vector<std::byte>& page, uint8_t code_set, uint8_t association,
                      uint8_t type, std::span<const std::byte> value,
                      std::optional<uint8_t> protocol = std::nullopt) {
  page.push_back(static_cast<std::byte>((protocol.value_or(0) << 4) | code_set));
  page.push_back(static_cast<std::byte>((protocol ? 0x80 : 0) | (association << 4) | type));
  page.push_back(std::byte{0});
  page.push_back(static_cast<std::byte>(value.size()));
  page.insert(page.end(), value.begin(), value.end());
}

// Device identification (SPC-4 7.8.6): for the logical unit a T10 vendor ID designator
// (vendor + serial) and an NAA designator; for the target port the relative target port
// (type 4) and, when the port has a name, its SCSI name string (type 8, UTF-8, NUL
// terminated and padded to a multiple of 4, at most 256 bytes).
void DeviceIdentification(const LogicalUnit& lu, const TargetPortInfo& port,
                          std::vector<std::byte>& page) {
  std::vector<std::byte> t10(8);
  PutPaddedAscii(t10, lu.vendor());
  for (char c : lu.serial()) t10.push_back(static_cast<std::byte>(c));
  AppendDesignator(page, kCodeSetAscii, kAssociationLu, kTypeT10VendorId, t10);

  std::array<std::byte, 8> naa{};
  StoreBe64(naa.data(), lu.naa_id());
  AppendDesignator(page, kCodeSetBinary, kAssociationLu, kTypeNaa, naa);

  std::array<std::byte, 4> rel{};
  StoreBe16(&rel[2], port.relative_port_id);
  AppendDesignator(page, kCodeSetBinary, kAssociationTargetPort, kTypeRelativeTargetPort, rel,
                   kProtocolSrp);

  if (!port.name.empty()) {
    const size_t text = std::min<size_t>(port.name.size(), 255);
    std::vector<std::byte> name((text + 1 + 3) / 4 * 4);  // NUL + pad to a multiple of 4
    for (size_t i = 0; i < text; ++i) name[i] = static_cast<std::byte>(port.name[i]);
    AppendDesignator(page, kCodeSetUtf8, kAssociationTargetPort, kTypeScsiNameString, name,
                     kProtocolSrp);
  }
}

// Block limits (SBC-3 6.5.3). WSNZ=1 (WRITE SAME with 0 blocks is rejected); transfer
// lengths are not limited by the core; the unmap fields only when the backend unmaps.
void BlockLimits(const LogicalUnit& lu, const TargetPortInfo&, std::vector<std::byte>& page) {
  const size_t at = page.size();
  page.resize(at + kLimitsPageLength);
  std::byte* p = &page[at - 4];  // offsets below are page offsets
  StoreU8(p + 4, 0x01);          // WSNZ
  StoreU8(p + 5, kMaxCompareAndWriteBlocks);
  StoreBe16(p + 6, 1);  // OPTIMAL TRANSFER LENGTH GRANULARITY
  if (lu.supports_unmap()) {
    StoreBe32(p + 20, kMaxUnmapLbaCount);
    StoreBe32(p + 24, kMaxUnmapDescriptors);
    StoreBe32(p + 28, 1);  // OPTIMAL UNMAP GRANULARITY
  }
  StoreBe64(p + 36, kMaxWriteSameBlocks);
}

// Block device characteristics (SBC-3 6.5.2).
void BlockDeviceCharacteristics(const LogicalUnit& lu, const TargetPortInfo&,
                                std::vector<std::byte>& page) {
  const size_t at = page.size();
  page.resize(at + kLimitsPageLength);
  StoreBe16(&page[at], lu.medium_rotation_rate());
}

// Logical block provisioning (SBC-3 6.5.4): with unmap support LBPU (UNMAP), LBPWS (WRITE
// SAME(16) with UNMAP), LBPWS10, LBPRZ (unmapped blocks read as zeros: the backend contract)
// and PROVISIONING TYPE 2 (thin); without, everything 0 (fully provisioned).
void LogicalBlockProvisioning(const LogicalUnit& lu, const TargetPortInfo&,
                              std::vector<std::byte>& page) {
  const size_t at = page.size();
  page.resize(at + 4);
  if (lu.supports_unmap()) {
    StoreU8(&page[at + 1], 0x80 | 0x40 | 0x20 | 0x04);
    StoreU8(&page[at + 2], 0x02);
  }
}

struct VpdPage {
  uint8_t code;
  PageBuilder build;
};
// Ascending page order: page 00h must list the codes in ascending order.
constexpr VpdPage kVpdPages[] = {
    {scsi::kVpdSupportedPages, &SupportedPages},
    {scsi::kVpdUnitSerialNumber, &UnitSerial},
    {scsi::kVpdDeviceIdentification, &DeviceIdentification},
    {scsi::kVpdBlockLimits, &BlockLimits},
    {scsi::kVpdBlockDeviceCharacteristics, &BlockDeviceCharacteristics},
    {scsi::kVpdLogicalBlockProvisioning, &LogicalBlockProvisioning},
};

void SupportedPages(const LogicalUnit&, const TargetPortInfo&, std::vector<std::byte>& page) {
  for (const VpdPage& p : kVpdPages) page.push_back(static_cast<std::byte>(p.code));
}

}  // namespace

std::vector<std::byte> VpdPageData(const LogicalUnit& lu, uint8_t page_code,
                                   const TargetPortInfo* port) {
  static const TargetPortInfo kDefaultPort;
  for (const VpdPage& p : kVpdPages) {
    if (p.code != page_code) continue;
    std::vector<std::byte> page(4);
    StoreU8(&page[0], lu.device_type());  // PERIPHERAL QUALIFIER 0
    StoreU8(&page[1], page_code);
    p.build(lu, port != nullptr ? *port : kDefaultPort, page);
    StoreBe16(&page[2], static_cast<uint16_t>(page.size() - 4));
    return page;
  }
  return {};
}

}  // namespace srp::target::handlers
