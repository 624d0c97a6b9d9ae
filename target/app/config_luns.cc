#include "target/app/config_luns.h"

#include <fmt/format.h>

#include <map>

#include "lib/common/fs_root.h"
#include "lib/common/log.h"
#include "target/backends/memory_backend.h"
#include "target/backends/null_backend.h"
#include "target/config/config_validate.h"
#include "target/config/scst_config_parser.h"
#include "target/scsi/logical_unit.h"

namespace srp::target {
namespace {

using config::Attribute;
using config::AttributeList;
using config::ErrorAt;

Result<uint32_t> GetU32(const AttributeList& attrs, std::string_view key, uint32_t fallback,
                        const config::SourceLocation& where) {
  SRP_ASSIGN_OR_RETURN(uint64_t v, config::GetUint(attrs, key, fallback));
  if (v > UINT32_MAX) return ErrorAt(where, fmt::format("{} {} is too large", key, v));
  return static_cast<uint32_t>(v);
}

// One LogicalUnit per DEVICE of a supported handler.
Result<std::shared_ptr<LogicalUnit>> BuildUnit(const config::Handler& handler,
                                               const config::Device& device, uint32_t queue_depth) {
  const AttributeList& attrs = device.attributes;
  SRP_ASSIGN_OR_RETURN(uint32_t block_size, GetU32(attrs, "blocksize", 512, device.where));
  SRP_ASSIGN_OR_RETURN(bool read_only, config::GetBool(attrs, "read_only", false));
  std::shared_ptr<BlockBackend> backend;
  if (handler.name == config::kHandlerNullio) {
    NullBackendOptions options;
    options.block_size = block_size;
    options.read_only = read_only;
    SRP_ASSIGN_OR_RETURN(uint64_t size, config::GetUint(attrs, "size", options.num_blocks * 512));
    options.num_blocks = size / block_size;
    SRP_ASSIGN_OR_RETURN(backend, NullBackend::Create(options));
  } else if (handler.name == config::kHandlerMemory) {
    MemoryBackendOptions options;
    options.block_size = block_size;
    options.read_only = read_only;
    SRP_ASSIGN_OR_RETURN(uint64_t size, config::GetUint(attrs, "size", 0));
    options.num_blocks = size / block_size;
    auto created = MemoryBackend::Create(options);
    if (!created.ok()) return ErrorAt(device.where, created.status().message());
    backend = std::move(created).value();
  } else {
    return ErrorAt(device.where,
                   fmt::format("handler {} is not available yet (this build serves vdisk_nullio "
                               "and vdisk_memory devices)",
                               handler.name));
  }
  LogicalUnitOptions lu;
  lu.name = device.name;
  lu.queue_depth = queue_depth;
  lu.read_only = read_only;
  lu.vendor = config::GetString(attrs, "t10_vend_id", lu.vendor);
  lu.product = config::GetString(attrs, "prod_id", "");
  lu.revision = config::GetString(attrs, "prod_rev_lvl", lu.revision);
  lu.serial = config::GetString(attrs, "usn", "");
  auto unit = LogicalUnit::Create(lu, backend);
  if (!unit.ok()) return ErrorAt(device.where, unit.status().message());
  return unit;
}

Status ReadDriverParameters(const config::TargetDriver& driver, DriverParameters* out) {
  for (const Attribute& a : driver.attributes) {
    auto parsed = config::ParseUint(a.value);
    if (!parsed.ok() && (a.key.rfind("srp_", 0) == 0 || a.key == "thread" ||
                         a.key == "rdma_cm_port" || a.key == "trace_flag"))
      return ErrorAt(a.where, fmt::format("{}: {}", a.key, parsed.status().message()));
    uint64_t v = parsed.value_or(0);
    if (a.key == "srp_max_message_size" || a.key == "srp_max_req_size") {
      out->srp_max_message_size = static_cast<uint32_t>(v);
    } else if (a.key == "srp_max_rdma_size") {
      out->srp_max_rdma_size = static_cast<uint32_t>(v);
    } else if (a.key == "thread") {
      out->thread = static_cast<int>(v);
    } else if (a.key == "rdma_cm_port") {
      out->rdma_cm_port = static_cast<uint16_t>(v);
    } else if (a.key == "trace_flag") {
      out->trace_flag = static_cast<uint32_t>(v);
    } else {
      SRP_LOG(kWarning, "{}: driver attribute {} is not used by this target (ignored)",
              a.where.ToString(), a.key);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ConfiguredTarget> BuildConfiguredTarget(const config::Configuration& cfg,
                                               uint32_t default_queue_depth) {
  ConfiguredTarget result;
  const config::TargetDriver* driver = config::FindDriver(cfg, config::kDriverIbSrpt);
  if (driver == nullptr || driver->targets.empty())
    return InvalidArgument("the configuration has no TARGET_DRIVER ib_srpt { TARGET ... } block");
  if (driver->targets.size() > 1)
    return ErrorAt(driver->targets[1].where,
                   "only one ib_srpt TARGET is served per process in this build");
  const config::Target& target = driver->targets.front();
  if (!target.groups.empty())
    return ErrorAt(target.groups.front().where,
                   "ACL GROUPs are not available yet (every initiator sees the target's LUNs)");
  SRP_RETURN_IF_ERROR(ReadDriverParameters(*driver, &result.parameters));
  SRP_ASSIGN_OR_RETURN(bool enabled, config::GetBool(target.attributes, "enabled", true));
  if (!enabled) return ErrorAt(target.where, fmt::format("target {} has enabled 0", target.name));

  // Build every unit first (one per device actually exported), then the map.
  std::map<std::string, std::shared_ptr<LogicalUnit>> units;
  auto luns = std::make_shared<LunMap>();
  for (const config::LunAssignment& assignment : target.default_luns) {
    auto& unit = units[assignment.device];
    if (!unit) {
      const config::Handler* handler = config::FindHandlerOfDevice(cfg, assignment.device);
      const config::Device* device = config::FindDevice(cfg, assignment.device);
      if (handler == nullptr || device == nullptr)
        return ErrorAt(assignment.where, fmt::format("unknown device {}", assignment.device));
      SRP_ASSIGN_OR_RETURN(unit, BuildUnit(*handler, *device, default_queue_depth));
    }
    Status added = luns->Add(static_cast<uint32_t>(assignment.lun), unit);
    if (!added.ok()) return ErrorAt(assignment.where, added.message());
  }
  if (target.default_luns.empty())
    SRP_LOG(kWarning, "{}: target {} exports no LUN", target.where.ToString(), target.name);
  result.name = target.name;
  result.luns = std::move(luns);
  return result;
}

Result<ConfiguredTarget> LoadConfiguredTarget(const std::string& path,
                                              uint32_t default_queue_depth) {
  SRP_ASSIGN_OR_RETURN(config::Configuration cfg, config::LoadScstConfig(path));
  SRP_RETURN_IF_ERROR(config::ValidateConfiguration(cfg, FsRoot("/")));
  return BuildConfiguredTarget(cfg, default_queue_depth);
}

}  // namespace srp::target
