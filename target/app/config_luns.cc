#include "target/app/config_luns.h"

#include <fmt/format.h>

#include <sstream>

#include "lib/common/ids.h"
#include "lib/common/log.h"
#include "target/app/live_config.h"
#include "target/config/scst_config_parser.h"
#include "target/engine/access_control.h"

namespace srp::target {
namespace {

Result<ConfiguredTarget> FromLive(std::shared_ptr<LiveConfig> live) {
  config::Configuration model = live->Model();
  const config::TargetDriver* driver = config::FindDriver(model, config::kDriverIbSrpt);
  if (driver == nullptr || driver->targets.empty())
    return InvalidArgument("the configuration has no TARGET_DRIVER ib_srpt { TARGET ... } block");
  const config::Target& target = driver->targets.front();
  SRP_ASSIGN_OR_RETURN(bool enabled, config::GetBool(target.attributes, "enabled", true));
  if (!enabled)
    SRP_LOG(kWarning, "{}: target {} has enabled 0: logins are refused until it is enabled",
            target.where.ToString(), target.name);
  if (target.default_luns.empty() && target.groups.empty())
    SRP_LOG(kWarning, "{}: target {} exports no LUN", target.where.ToString(), target.name);
  ConfiguredTarget result;
  result.name = target.name;
  result.access = live->Access(target.name);
  result.luns = result.access->Snapshot().default_luns;
  result.rel_tgt_id = live->RelativeTargetId(target.name);
  result.parameters = live->startup_parameters();
  live->MarkServed(target.name);
  result.live = std::move(live);
  return result;
}

}  // namespace

Status ReadDriverParameters(const config::TargetDriver& driver, DriverParameters* out) {
  for (const config::Attribute& a : driver.attributes) {
    if (a.key == "port_name") {
      std::istringstream names(a.value);
      for (std::string n; names >> n;) out->port_names.push_back(n);
      continue;
    }
    if (a.key == "node_guid" || a.key == "port_guid") {
      auto guid = ParseGuid(a.value);
      if (!guid.ok() || *guid == 0)
        return config::ErrorAt(a.where, fmt::format("{}: '{}' is not a GUID", a.key, a.value));
      (a.key == "node_guid" ? out->node_guid : out->port_guid) = *guid;
      continue;
    }
    auto parsed = config::ParseUint(a.value);
    if (!parsed.ok() && (a.key.rfind("srp_", 0) == 0 || a.key == "thread" ||
                         a.key == "rdma_cm_port" || a.key == "trace_flag"))
      return config::ErrorAt(a.where, fmt::format("{}: {}", a.key, parsed.status().message()));
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

Result<ConfiguredTarget> BuildConfiguredTarget(const config::Configuration& cfg,
                                               uint32_t default_queue_depth) {
  const config::TargetDriver* driver = config::FindDriver(cfg, config::kDriverIbSrpt);
  if (driver == nullptr || driver->targets.empty())
    return InvalidArgument("the configuration has no TARGET_DRIVER ib_srpt { TARGET ... } block");
  SRP_ASSIGN_OR_RETURN(std::unique_ptr<LiveConfig> live,
                       LiveConfig::Create(cfg, default_queue_depth, ""));
  return FromLive(std::move(live));
}

Result<ConfiguredTarget> LoadConfiguredTarget(const std::string& path,
                                              uint32_t default_queue_depth) {
  SRP_ASSIGN_OR_RETURN(std::unique_ptr<LiveConfig> live,
                       LiveConfig::Load(path, default_queue_depth));
  return FromLive(std::move(live));
}

}  // namespace srp::target
