// The control socket protocol of a running srp-target (srp-admin, `srp-target reload`).
//
// Transport: a Unix stream socket (control_server.h). The client sends ONE request line, the
// server answers ONE response line, then closes. Lines are JSON objects ended by '\n', at most
// kMaxControlLine bytes.
//
// Request:  {"op": "<op>", ...}
//   reload                      re-read the --config file and apply it
//   edit       "edit": {...}    one configuration edit (EditToJson below), applied at once
//   list_devices | list_sessions
//   get_config                  the running configuration as scst.conf text
//   write_config "path": "..."  the running configuration written by the target to a file
//   apply_config "config": "<scst.conf text>", "name": "<file name for errors>"
//                               replace the running configuration by this one (diffed, as reload)
// Response: {"ok": true, "result": {...}} or {"ok": false, "error": "<message>"}.
// Reload/edit results: {"applied": [...], "needs_restart": [...], "warnings": [...]}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "lib/common/status.h"
#include "target/config/config_edit.h"

namespace srp::target::control {

inline constexpr size_t kMaxControlLine = 1u << 20;

enum class ControlOp {
  kReload,
  kEdit,
  kListDevices,
  kListSessions,
  kGetConfig,
  kWriteConfig,
  kApplyConfig,
};

std::string_view ControlOpName(ControlOp op);

struct ControlRequest {
  ControlOp op = ControlOp::kReload;
  std::optional<config::ConfigEdit> edit;  // kEdit
  std::string path;                        // kWriteConfig
  std::string config_text;                 // kApplyConfig
  std::string config_name;                 // kApplyConfig: names the text in errors
};

struct ControlResponse {
  bool ok = true;
  std::string error;
  nlohmann::json result = nlohmann::json::object();

  static ControlResponse Error(std::string message) {
    ControlResponse r;
    r.ok = false;
    r.error = std::move(message);
    return r;
  }
};

nlohmann::json EditToJson(const config::ConfigEdit& edit);
Result<config::ConfigEdit> EditFromJson(const nlohmann::json& j);

// One line, '\n' included.
std::string EncodeRequest(const ControlRequest& request);
std::string EncodeResponse(const ControlResponse& response);
// Accept the line with or without its '\n'. Errors (kInvalidArgument / kProtocolError) name
// what is wrong: not JSON, not an object, unknown op, missing or mistyped field.
Result<ControlRequest> DecodeRequest(std::string_view line);
Result<ControlResponse> DecodeResponse(std::string_view line);

}  // namespace srp::target::control
