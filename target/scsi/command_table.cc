#include "target/scsi/command_table.h"

#include <array>

#include "lib/scsi/constants.h"
#include "target/scsi/handlers.h"

namespace srp::target {
namespace {

namespace h = handlers;

// REPORT LUNS is answered by the core from the LUN map (scsi_core.cc), not by a LU.
constexpr CommandHandler kDiskHandlers[] = {
    {scsi::kOpTestUnitReady, -1, &h::TestUnitReady, "TEST UNIT READY", 0},
    {scsi::kOpRequestSense, -1, &h::RequestSense, "REQUEST SENSE", kCmdUaExempt},
    {scsi::kOpRead6, -1, &h::ReadWrite, "READ(6)", 0},
    {scsi::kOpWrite6, -1, &h::ReadWrite, "WRITE(6)", 0},
    {scsi::kOpInquiry, -1, &h::Inquiry, "INQUIRY", kCmdUaExempt},
    {scsi::kOpModeSense6, -1, &h::ModeSense6, "MODE SENSE(6)", 0},
    {scsi::kOpReadCapacity10, -1, &h::ReadCapacity10, "READ CAPACITY(10)", 0},
    {scsi::kOpRead10, -1, &h::ReadWrite, "READ(10)", 0},
    {scsi::kOpWrite10, -1, &h::ReadWrite, "WRITE(10)", 0},
    {scsi::kOpRead16, -1, &h::ReadWrite, "READ(16)", 0},
    {scsi::kOpWrite16, -1, &h::ReadWrite, "WRITE(16)", 0},
    {scsi::kOpServiceActionIn16, scsi::kSaReadCapacity16, &h::ReadCapacity16, "READ CAPACITY(16)",
     0},
    {scsi::kOpRead12, -1, &h::ReadWrite, "READ(12)", 0},
    {scsi::kOpWrite12, -1, &h::ReadWrite, "WRITE(12)", 0},
};

// opcode -> index of its first row (rows of one opcode are contiguous), -1 if none.
constexpr std::array<int16_t, 256> BuildIndex() {
  std::array<int16_t, 256> index{};
  for (auto& i : index) i = -1;
  for (size_t row = 0; row < std::size(kDiskHandlers); ++row) {
    auto& slot = index[kDiskHandlers[row].opcode];
    if (slot < 0) slot = static_cast<int16_t>(row);
  }
  return index;
}
constexpr std::array<int16_t, 256> kIndex = BuildIndex();

constexpr bool RowsOfAnOpcodeAreContiguous() {
  for (size_t a = 0; a < std::size(kDiskHandlers); ++a) {
    for (size_t b = a + 2; b < std::size(kDiskHandlers); ++b) {
      if (kDiskHandlers[a].opcode == kDiskHandlers[b].opcode &&
          kDiskHandlers[a + 1].opcode != kDiskHandlers[a].opcode) {
        return false;
      }
    }
  }
  return true;
}
static_assert(RowsOfAnOpcodeAreContiguous(), "keep rows of one opcode next to each other");

}  // namespace

const CommandHandler* FindCommandHandler(std::span<const std::byte> cdb) {
  const auto opcode = static_cast<uint8_t>(cdb[0]);
  const int16_t first = kIndex[opcode];
  if (first < 0) return nullptr;
  const int sa = cdb.size() > 1 ? static_cast<int>(static_cast<uint8_t>(cdb[1]) & 0x1F) : -1;
  for (size_t row = static_cast<size_t>(first);
       row < std::size(kDiskHandlers) && kDiskHandlers[row].opcode == opcode; ++row) {
    if (kDiskHandlers[row].service_action < 0 || kDiskHandlers[row].service_action == sa) {
      return &kDiskHandlers[row];
    }
  }
  return nullptr;
}

std::span<const CommandHandler> DiskCommandHandlers() { return kDiskHandlers; }

}  // namespace srp::target
