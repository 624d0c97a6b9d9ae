// INQUIRY EVPD pages (SPC-4 7.8): a table of {page code, builder}; page 00h lists the table.
#include <array>
#include <string>

#include "lib/common/endian.h"
#include "lib/scsi/constants.h"
#include "target/scsi/handlers.h"
#include "target/scsi/logical_unit.h"

namespace srp::target::handlers {
namespace {

using PageBuilder = void (*)(const LogicalUnit& lu, std::vector<std::byte>& page);

void SupportedPages(const LogicalUnit& lu, std::vector<std::byte>& page);

// Unit serial number (SPC-4 7.8.15).
void UnitSerial(const LogicalUnit& lu, std::vector<std::byte>& page) {
  for (char c : lu.serial()) page.push_back(static_cast<std::byte>(c));
}

void AppendDesignator(std::vector<std::byte>& page, uint8_t code_set, uint8_t association,
                      uint8_t type, std::span<const std::byte> value) {
  page.push_back(static_cast<std::byte>(code_set));                   // PROTOCOL IDENTIFIER 0
  page.push_back(static_cast<std::byte>((association << 4) | type));  // PIV 0
  page.push_back(std::byte{0});
  page.push_back(static_cast<std::byte>(value.size()));
  page.insert(page.end(), value.begin(), value.end());
}

// Device identification (SPC-4 7.8.6): a T10 vendor ID designator (vendor + serial) and an
// NAA designator, both for the logical unit. Target-port designators (relative port, target
// port group) depend on the port and are added by the transport-aware step.
void DeviceIdentification(const LogicalUnit& lu, std::vector<std::byte>& page) {
  constexpr uint8_t kCodeSetBinary = 1;
  constexpr uint8_t kCodeSetAscii = 2;
  constexpr uint8_t kAssociationLu = 0;
  constexpr uint8_t kTypeT10VendorId = 1;
  constexpr uint8_t kTypeNaa = 3;

  std::vector<std::byte> t10(8);
  PutPaddedAscii(t10, lu.vendor());
  for (char c : lu.serial()) t10.push_back(static_cast<std::byte>(c));
  AppendDesignator(page, kCodeSetAscii, kAssociationLu, kTypeT10VendorId, t10);

  std::array<std::byte, 8> naa{};
  StoreBe64(naa.data(), lu.naa_id());
  AppendDesignator(page, kCodeSetBinary, kAssociationLu, kTypeNaa, naa);
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
};

void SupportedPages(const LogicalUnit&, std::vector<std::byte>& page) {
  for (const VpdPage& p : kVpdPages) page.push_back(static_cast<std::byte>(p.code));
}

}  // namespace

std::vector<std::byte> VpdPageData(const LogicalUnit& lu, uint8_t page_code) {
  for (const VpdPage& p : kVpdPages) {
    if (p.code != page_code) continue;
    std::vector<std::byte> page(4);
    StoreU8(&page[0], lu.device_type());  // PERIPHERAL QUALIFIER 0
    StoreU8(&page[1], page_code);
    p.build(lu, page);
    StoreBe16(&page[2], static_cast<uint16_t>(page.size() - 4));
    return page;
  }
  return {};
}

}  // namespace srp::target::handlers
