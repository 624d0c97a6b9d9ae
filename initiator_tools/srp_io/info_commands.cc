// srp-io luns / inquiry / readcap.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "initiator_tools/initiator/sync_io.h"
#include "initiator_tools/srp_io/commands.h"
#include "initiator_tools/srp_io/io_util.h"

namespace srp::srp_io {
namespace {

using nlohmann::json;

std::string DeviceTypeName(uint8_t type) {
  switch (type) {
    case 0x00:
      return "disk";
    case 0x01:
      return "tape";
    case 0x05:
      return "cd/dvd";
    case 0x0c:
      return "storage-array";
    case 0x0d:
      return "enclosure";
    case 0x1f:
      return "no-device";
    default:
      return fmt::format("type-0x{:02x}", type);
  }
}

uint64_t LunNumber(const scsi::LunBytes& lun) {
  if (auto n = scsi::UnpackLun(lun)) return *n;
  return scsi::ScsiLunToInt(lun);
}

}  // namespace

int ReportError(const IoOptions& options, const Status& status) {
  if (options.json) {
    fmt::print("{}\n", json{{"command", options.command},
                            {"error", status.message()},
                            {"code", std::string(StatusCodeName(status.code()))},
                            {"exit_code", ExitCodeFor(status)}}
                           .dump(2));
  } else {
    fmt::print(stderr, "srp-io: {}\n", status.ToString());
  }
  return ExitCodeFor(status);
}

int RunLuns(initiator::Session& session, const IoOptions& options) {
  auto luns = initiator::ReportLuns(session);
  if (!luns.ok()) return ReportError(options, luns.status());
  json rows = json::array();
  std::string table = fmt::format("{:<6} {:<10} {:<9} {:<17} {:<5} {:>14}\n", "LUN", "TYPE",
                                  "VENDOR", "PRODUCT", "REV", "SIZE");
  for (const scsi::LunBytes& lun : *luns) {
    auto inq = initiator::Inquiry(session, lun);
    if (!inq.ok()) return ReportError(options, inq.status());
    json row{{"lun", LunNumber(lun)},           {"type", DeviceTypeName(inq->device_type)},
             {"device_type", inq->device_type}, {"vendor", inq->vendor},
             {"product", inq->product},         {"revision", inq->revision}};
    std::string size = "-";
    if (inq->device_type == scsi::kDeviceTypeDisk) {
      auto cap = initiator::ReadCapacity(session, lun);
      if (!cap.ok()) return ReportError(options, cap.status());
      const uint64_t blocks = cap->last_lba + 1;
      row["blocks"] = blocks;
      row["block_size"] = cap->block_size;
      row["bytes"] = blocks * cap->block_size;
      size = FormatSize(blocks * cap->block_size);
    }
    table += fmt::format("{:<6} {:<10} {:<9} {:<17} {:<5} {:>14}\n", LunNumber(lun),
                         DeviceTypeName(inq->device_type), inq->vendor, inq->product, inq->revision,
                         size);
    rows.push_back(std::move(row));
  }
  if (options.json) {
    fmt::print("{}\n", json{{"command", "luns"}, {"luns", rows}}.dump(2));
  } else {
    fmt::print("{}", table);
  }
  return kExitOk;
}

int RunInquiry(initiator::Session& session, const IoOptions& options) {
  const scsi::LunBytes lun = scsi::PackLun(options.lun);
  auto inq = initiator::Inquiry(session, lun);
  if (!inq.ok()) return ReportError(options, inq.status());
  auto serial = initiator::UnitSerialNumber(session, lun);
  json j{{"command", "inquiry"},
         {"lun", options.lun},
         {"peripheral_qualifier", inq->peripheral_qualifier},
         {"device_type", inq->device_type},
         {"type", DeviceTypeName(inq->device_type)},
         {"removable", inq->removable},
         {"version", inq->version},
         {"response_data_format", inq->response_data_format},
         {"hisup", inq->hisup},
         {"cmdque", inq->cmdque},
         {"tpgs", inq->tpgs},
         {"protect", inq->protect},
         {"vendor", inq->vendor},
         {"product", inq->product},
         {"revision", inq->revision}};
  if (serial.ok()) j["serial"] = *serial;
  if (options.json) {
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  fmt::print("Peripheral qualifier: {}\n", inq->peripheral_qualifier);
  fmt::print("Device type:          0x{:02x} ({})\n", inq->device_type,
             DeviceTypeName(inq->device_type));
  fmt::print("Removable:            {}\n", inq->removable ? "yes" : "no");
  fmt::print("Version:              0x{:02x}\n", inq->version);
  fmt::print("Response data format: {}\n", inq->response_data_format);
  fmt::print("HiSup: {}  CmdQue: {}  TPGS: {}  Protect: {}\n", inq->hisup, inq->cmdque, inq->tpgs,
             inq->protect);
  fmt::print("Vendor:               {}\n", inq->vendor);
  fmt::print("Product:              {}\n", inq->product);
  fmt::print("Revision:             {}\n", inq->revision);
  if (serial.ok()) fmt::print("Unit serial number:   {}\n", *serial);
  return kExitOk;
}

int RunReadcap(initiator::Session& session, const IoOptions& options) {
  auto cap = initiator::ReadCapacity(session, scsi::PackLun(options.lun));
  if (!cap.ok()) return ReportError(options, cap.status());
  const uint64_t blocks = cap->last_lba + 1;
  const uint64_t bytes = blocks * cap->block_size;
  if (options.json) {
    fmt::print("{}\n", json{{"command", "readcap"},
                            {"lun", options.lun},
                            {"blocks", blocks},
                            {"last_lba", cap->last_lba},
                            {"block_size", cap->block_size},
                            {"bytes", bytes},
                            {"lbpme", cap->lbpme}}
                           .dump(2));
  } else {
    fmt::print("Blocks:     {} (last LBA {})\nBlock size: {}\nCapacity:   {} bytes ({})\n", blocks,
               cap->last_lba, cap->block_size, bytes, FormatSize(bytes));
  }
  return kExitOk;
}

}  // namespace srp::srp_io
