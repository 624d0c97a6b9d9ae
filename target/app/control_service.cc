#include "target/app/control_service.h"

#include "lib/common/log.h"
#include "target/config/config_file.h"
#include "target/config/scst_config_parser.h"
#include "target/config/scst_config_writer.h"

namespace srp::target {

using nlohmann::json;

json ReportToJson(const ReloadReport& r) {
  return json{{"applied", r.applied}, {"needs_restart", r.needs_restart}, {"warnings", r.warnings}};
}

json DevicesToJson(const std::vector<DeviceInfo>& devices) {
  json list = json::array();
  for (const DeviceInfo& d : devices) {
    list.push_back(json{{"name", d.name},
                        {"handler", d.handler},
                        {"filename", d.filename},
                        {"block_size", d.block_size},
                        {"num_blocks", d.num_blocks},
                        {"size_bytes", d.num_blocks * d.block_size},
                        {"read_only", d.read_only},
                        {"luns", d.luns}});
  }
  return json{{"devices", std::move(list)}};
}

json SessionsToJson(const std::vector<TargetSessions>& sessions) {
  json list = json::array();
  for (const TargetSessions& t : sessions) {
    for (const SrpPort::SessionInfo& s : t.sessions) {
      list.push_back(json{{"target", t.target},
                          {"name", s.name},
                          {"initiator_port_id", s.initiator_port_id},
                          {"group", s.group.empty() ? "Default" : s.group},
                          {"luns", s.luns},
                          {"channels", s.channels}});
    }
  }
  return json{{"sessions", std::move(list)}};
}

control::ControlResponse HandleControlRequest(const control::ControlRequest& request,
                                              LiveConfig* live, const SessionSource& sessions) {
  using control::ControlOp;
  using control::ControlResponse;
  SRP_LOG(kInfo, "control: {}", control::ControlOpName(request.op));
  ControlResponse response;
  if (request.op == ControlOp::kListSessions) {
    response.result = SessionsToJson(sessions ? sessions() : std::vector<TargetSessions>{});
    return response;
  }
  if (live == nullptr) {
    return ControlResponse::Error(
        "this target runs without a configuration (start it with --config FILE)");
  }
  switch (request.op) {
    case ControlOp::kReload:
    case ControlOp::kEdit: {
      auto report = request.op == ControlOp::kReload ? live->Reload() : live->Edit(*request.edit);
      if (!report.ok()) {
        SRP_LOG(kWarning, "control: {} refused, nothing changed: {}",
                control::ControlOpName(request.op), report.status().message());
        return ControlResponse::Error(report.status().message());
      }
      response.result = ReportToJson(*report);
      return response;
    }
    case ControlOp::kListDevices:
      response.result = DevicesToJson(live->Devices());
      return response;
    case ControlOp::kGetConfig:
      response.result = json{{"config", config::WriteScstConfig(live->Model())}};
      return response;
    case ControlOp::kWriteConfig: {
      Status st = config::WriteConfigFile(request.path, live->Model());
      if (!st.ok()) return ControlResponse::Error(st.ToString());
      response.result = json{{"path", request.path}};
      return response;
    }
    case ControlOp::kApplyConfig: {
      auto parsed = config::ParseScstConfig(request.config_text, request.config_name);
      if (!parsed.ok()) return ControlResponse::Error(parsed.status().message());
      auto report = live->Apply(std::move(*parsed));
      if (!report.ok()) return ControlResponse::Error(report.status().message());
      response.result = ReportToJson(*report);
      return response;
    }
    case ControlOp::kListSessions:
      break;
  }
  return ControlResponse::Error("unsupported request");
}

}  // namespace srp::target
