#include "target/scsi/command_table.h"

#include <array>

#include "lib/scsi/constants.h"
#include "target/scsi/handlers.h"

namespace srp::target {
namespace {

namespace h = handlers;
using scsi::kSaReadCapacity16;
using scsi::kSaReportSupportedOpcodes;

// One row per supported command, ascending opcode. The usage bitmaps mirror the parsers in
// lib/scsi/cdb_parse.cc: a bit is set when the parser accepts it (CONTROL is 00h: NACA and
// LINK are rejected).
// clang-format off
constexpr CommandHandler kDiskHandlers[] = {
    {scsi::kOpTestUnitReady, -1, &h::TestUnitReady, "TEST UNIT READY", 0,
     {0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {scsi::kOpRequestSense, -1, &h::RequestSense, "REQUEST SENSE", kCmdUaExempt,
     {0x03, 0x00, 0x00, 0x00, 0xFF, 0x00}},
    {scsi::kOpRead6, -1, &h::ReadWrite, "READ(6)", 0,
     {0x08, 0x1F, 0xFF, 0xFF, 0xFF, 0x00}},
    {scsi::kOpWrite6, -1, &h::ReadWrite, "WRITE(6)", 0,
     {0x0A, 0x1F, 0xFF, 0xFF, 0xFF, 0x00}},
    {scsi::kOpInquiry, -1, &h::Inquiry, "INQUIRY", kCmdUaExempt,
     {0x12, 0x01, 0xFF, 0xFF, 0xFF, 0x00}},
    {scsi::kOpModeSelect6, -1, &h::ModeSelect, "MODE SELECT(6)", 0,
     {0x15, 0x10, 0x00, 0x00, 0xFF, 0x00}},
    {scsi::kOpModeSense6, -1, &h::ModeSense, "MODE SENSE(6)", 0,
     {0x1A, 0x08, 0xFF, 0xFF, 0xFF, 0x00}},
    {scsi::kOpStartStopUnit, -1, &h::StartStopUnit, "START STOP UNIT", 0,
     {0x1B, 0x01, 0x00, 0x0F, 0xF5, 0x00}},
    {scsi::kOpReadCapacity10, -1, &h::ReadCapacity10, "READ CAPACITY(10)", 0,
     {0x25, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00}},
    {scsi::kOpRead10, -1, &h::ReadWrite, "READ(10)", 0,
     {0x28, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0x00}},
    {scsi::kOpWrite10, -1, &h::ReadWrite, "WRITE(10)", 0,
     {0x2A, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0x00}},
    {scsi::kOpVerify10, -1, &h::Verify, "VERIFY(10)", 0,
     {0x2F, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0x00}},
    {scsi::kOpSynchronizeCache10, -1, &h::SynchronizeCache, "SYNCHRONIZE CACHE(10)", 0,
     {0x35, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0x00}},
    {scsi::kOpWriteSame10, -1, &h::WriteSame, "WRITE SAME(10)", 0,
     {0x41, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0x00}},
    {scsi::kOpUnmap, -1, &h::Unmap, "UNMAP", 0,
     {0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F, 0xFF, 0xFF, 0x00}},
    {scsi::kOpModeSelect10, -1, &h::ModeSelect, "MODE SELECT(10)", 0,
     {0x55, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00}},
    {scsi::kOpModeSense10, -1, &h::ModeSense, "MODE SENSE(10)", 0,
     {0x5A, 0x18, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00}},
    {scsi::kOpRead16, -1, &h::ReadWrite, "READ(16)", 0,
     {0x88, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}},
    {scsi::kOpCompareAndWrite, -1, &h::CompareAndWrite, "COMPARE AND WRITE", 0,
     {0x89, 0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00}},
    {scsi::kOpWrite16, -1, &h::ReadWrite, "WRITE(16)", 0,
     {0x8A, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}},
    {scsi::kOpVerify16, -1, &h::Verify, "VERIFY(16)", 0,
     {0x8F, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}},
    {scsi::kOpSynchronizeCache16, -1, &h::SynchronizeCache, "SYNCHRONIZE CACHE(16)", 0,
     {0x91, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}},
    {scsi::kOpWriteSame16, -1, &h::WriteSame, "WRITE SAME(16)", 0,
     {0x93, 0x09, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}},
    {scsi::kOpServiceActionIn16, kSaReadCapacity16, &h::ReadCapacity16, "READ CAPACITY(16)", 0,
     {0x9E, kSaReadCapacity16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00}},
    {scsi::kOpReportLuns, -1, &h::NotRoutedHere, "REPORT LUNS", kCmdUaExempt | kCmdAnsweredByCore,
     {0xA0, 0x00, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00}},
    {scsi::kOpMaintenanceIn, kSaReportSupportedOpcodes, &h::ReportSupportedOpcodes,
     "REPORT SUPPORTED OPERATION CODES", 0,
     {0xA3, kSaReportSupportedOpcodes, 0x87, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00}},
    {scsi::kOpRead12, -1, &h::ReadWrite, "READ(12)", 0,
     {0xA8, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0x00}},
    {scsi::kOpWrite12, -1, &h::ReadWrite, "WRITE(12)", 0,
     {0xAA, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0x00}},
};
// clang-format on

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

constexpr bool RowsAreSortedAndConsistent() {
  for (size_t a = 0; a < std::size(kDiskHandlers); ++a) {
    const CommandHandler& row = kDiskHandlers[a];
    if (a > 0 && kDiskHandlers[a - 1].opcode > row.opcode) return false;
    if (row.usage[0] != row.opcode) return false;
    if (row.service_action >= 0 && row.usage[1] != row.service_action) return false;
    if (scsi::CdbLengthForOpcode(row.opcode) == 0) return false;
  }
  return true;
}
static_assert(RowsAreSortedAndConsistent(),
              "rows ascend by opcode; usage[0] is the opcode and usage[1] the service action");

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
