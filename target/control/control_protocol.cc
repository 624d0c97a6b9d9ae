#include "target/control/control_protocol.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace srp::target::control {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<ControlOp, std::string_view>, 7> kOps = {{
    {ControlOp::kReload, "reload"},
    {ControlOp::kEdit, "edit"},
    {ControlOp::kListDevices, "list_devices"},
    {ControlOp::kListSessions, "list_sessions"},
    {ControlOp::kGetConfig, "get_config"},
    {ControlOp::kWriteConfig, "write_config"},
    {ControlOp::kApplyConfig, "apply_config"},
}};

Result<json> ParseObject(std::string_view line, std::string_view what) {
  if (line.size() > kMaxControlLine)
    return InvalidArgument(fmt::format("{} longer than {} bytes", what, kMaxControlLine));
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument(fmt::format("{} is not JSON", what));
  if (!j.is_object()) return InvalidArgument(fmt::format("{} is not a JSON object", what));
  return j;
}

// Optional string member: "" when absent; an error when present with another type.
Status GetString(const json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end()) return Status::Ok();
  if (!it->is_string()) return InvalidArgument(fmt::format("'{}' must be a string", key));
  *out = it->get<std::string>();
  return Status::Ok();
}

}  // namespace

std::string_view ControlOpName(ControlOp op) {
  for (const auto& [o, name] : kOps)
    if (o == op) return name;
  return "?";
}

json EditToJson(const config::ConfigEdit& e) {
  json j;
  j["op"] = std::string(config::ConfigEditOpName(e.op));
  j["driver"] = e.driver;
  if (!e.target.empty()) j["target"] = e.target;
  if (!e.group.empty()) j["group"] = e.group;
  if (!e.device.empty()) j["device"] = e.device;
  if (!e.handler.empty()) j["handler"] = e.handler;
  if (!e.initiator.empty()) j["initiator"] = e.initiator;
  if (e.op == config::ConfigEdit::Op::kAddLun || e.op == config::ConfigEdit::Op::kRemoveLun)
    j["lun"] = e.lun;
  if (!e.attributes.empty()) {
    json attrs = json::array();
    for (const auto& [k, v] : e.attributes) attrs.push_back(json::array({k, v}));
    j["attributes"] = std::move(attrs);
  }
  return j;
}

Result<config::ConfigEdit> EditFromJson(const json& j) {
  if (!j.is_object()) return InvalidArgument("'edit' must be an object");
  config::ConfigEdit e;
  std::string op;
  SRP_RETURN_IF_ERROR(GetString(j, "op", &op));
  if (op.empty()) return InvalidArgument("edit without 'op'");
  SRP_ASSIGN_OR_RETURN(e.op, config::ParseConfigEditOp(op));
  SRP_RETURN_IF_ERROR(GetString(j, "driver", &e.driver));
  if (e.driver.empty()) e.driver = std::string(config::kDriverIbSrpt);
  SRP_RETURN_IF_ERROR(GetString(j, "target", &e.target));
  SRP_RETURN_IF_ERROR(GetString(j, "group", &e.group));
  SRP_RETURN_IF_ERROR(GetString(j, "device", &e.device));
  SRP_RETURN_IF_ERROR(GetString(j, "handler", &e.handler));
  SRP_RETURN_IF_ERROR(GetString(j, "initiator", &e.initiator));
  if (auto it = j.find("lun"); it != j.end()) {
    if (!it->is_number_unsigned()) return InvalidArgument("'lun' must be a non-negative integer");
    e.lun = it->get<uint64_t>();
  }
  if (auto it = j.find("attributes"); it != j.end()) {
    if (!it->is_array()) return InvalidArgument("'attributes' must be an array of [key, value]");
    for (const json& kv : *it) {
      if (!kv.is_array() || kv.size() != 2 || !kv[0].is_string() || !kv[1].is_string())
        return InvalidArgument("'attributes' must be an array of [key, value] strings");
      e.attributes.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
    }
  }
  return e;
}

std::string EncodeRequest(const ControlRequest& r) {
  json j;
  j["op"] = std::string(ControlOpName(r.op));
  if (r.op == ControlOp::kEdit && r.edit) j["edit"] = EditToJson(*r.edit);
  if (r.op == ControlOp::kWriteConfig) j["path"] = r.path;
  if (r.op == ControlOp::kApplyConfig) {
    j["config"] = r.config_text;
    j["name"] = r.config_name;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string EncodeResponse(const ControlResponse& r) {
  json j;
  j["ok"] = r.ok;
  if (r.ok) {
    j["result"] = r.result;
  } else {
    j["error"] = r.error;
  }
  // Invalid UTF-8 (e.g. a file name) is replaced rather than thrown on.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<ControlRequest> DecodeRequest(std::string_view line) {
  SRP_ASSIGN_OR_RETURN(json j, ParseObject(line, "request"));
  std::string op;
  SRP_RETURN_IF_ERROR(GetString(j, "op", &op));
  if (op.empty()) return InvalidArgument("request without 'op'");
  ControlRequest r;
  bool known = false;
  for (const auto& [o, name] : kOps) {
    if (name == op) {
      r.op = o;
      known = true;
    }
  }
  if (!known) return InvalidArgument(fmt::format("unknown op '{}'", op));
  if (r.op == ControlOp::kEdit) {
    auto it = j.find("edit");
    if (it == j.end()) return InvalidArgument("op 'edit' without 'edit'");
    SRP_ASSIGN_OR_RETURN(r.edit, EditFromJson(*it));
  }
  if (r.op == ControlOp::kWriteConfig) {
    SRP_RETURN_IF_ERROR(GetString(j, "path", &r.path));
    if (r.path.empty()) return InvalidArgument("op 'write_config' without 'path'");
  }
  if (r.op == ControlOp::kApplyConfig) {
    if (j.find("config") == j.end()) return InvalidArgument("op 'apply_config' without 'config'");
    SRP_RETURN_IF_ERROR(GetString(j, "config", &r.config_text));
    SRP_RETURN_IF_ERROR(GetString(j, "name", &r.config_name));
    if (r.config_name.empty()) r.config_name = "<control>";
  }
  return r;
}

Result<ControlResponse> DecodeResponse(std::string_view line) {
  SRP_ASSIGN_OR_RETURN(json j, ParseObject(line, "response"));
  auto ok = j.find("ok");
  if (ok == j.end() || !ok->is_boolean()) return InvalidArgument("response without boolean 'ok'");
  ControlResponse r;
  r.ok = ok->get<bool>();
  if (r.ok) {
    if (auto it = j.find("result"); it != j.end()) r.result = *it;
  } else {
    SRP_RETURN_IF_ERROR(GetString(j, "error", &r.error));
  }
  return r;
}

}  // namespace srp::target::control
