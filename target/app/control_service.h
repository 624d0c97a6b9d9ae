// What a running srp-target answers on its control socket (control_protocol.h): reload, edits
// and listings, all through the LiveConfig, plus the sessions of the served ports.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "target/app/live_config.h"
#include "target/control/control_protocol.h"
#include "target/engine/srp_port.h"

namespace srp::target {

struct TargetSessions {
  std::string target;  // TARGET name
  std::vector<SrpPort::SessionInfo> sessions;
};
using SessionSource = std::function<std::vector<TargetSessions>()>;

// The JSON forms the control socket and `srp-admin --json` share.
nlohmann::json ReportToJson(const ReloadReport& report);
nlohmann::json DevicesToJson(const std::vector<DeviceInfo>& devices);
nlohmann::json SessionsToJson(const std::vector<TargetSessions>& sessions);

// Answers one request. `live` may be null (a target started without --config): then reload,
// edits and configuration output answer an error, listings of sessions still work.
control::ControlResponse HandleControlRequest(const control::ControlRequest& request,
                                              LiveConfig* live, const SessionSource& sessions);

}  // namespace srp::target
