// srp-admin: scstadmin-style administration of a running srp-target or of an scst.conf file.
// See admin_args.h for the verbs and `srp-admin --help` for examples and exit codes.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "lib/common/fs_root.h"
#include "target/admin/admin_args.h"
#include "target/admin/admin_output.h"
#include "target/config/config_edit.h"
#include "target/config/config_file.h"
#include "target/config/config_validate.h"
#include "target/config/scst_config_parser.h"
#include "target/config/scst_config_writer.h"
#include "target/control/control_socket.h"

namespace {

using namespace srp;
using namespace srp::target;
using admin::AdminCommand;
using admin::AdminVerb;
using nlohmann::json;

int Error(int code, const std::string& message) {
  std::fprintf(stderr, "srp-admin: %s\n", message.c_str());
  return code;
}

void PrintList(const AdminCommand& cmd, const json& result) {
  if (cmd.json) {
    std::printf("%s\n", result.dump(2).c_str());
  } else if (cmd.verb == AdminVerb::kListDevices) {
    std::fputs(admin::FormatDeviceTable(result).c_str(), stdout);
  } else {
    std::fputs(admin::FormatSessionTable(result).c_str(), stdout);
  }
}

void PrintReport(const AdminCommand& cmd, const json& result) {
  if (cmd.json) {
    std::printf("%s\n", result.dump(2).c_str());
  } else {
    std::fputs(admin::FormatReport(result).c_str(), stdout);
  }
}

// ---- On a file (-config FILE) ----

Result<config::Configuration> LoadOrEmpty(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) return config::Configuration{};
  return config::LoadScstConfig(path);
}

int RunOnFile(const AdminCommand& cmd) {
  auto loaded = LoadOrEmpty(cmd.config_file);
  if (!loaded.ok()) return Error(admin::kExitFailed, loaded.status().message());
  config::Configuration model = std::move(*loaded);
  switch (cmd.verb) {
    case AdminVerb::kEdit: {
      Status st = config::ApplyConfigEdit(model, cmd.edit);
      if (st.ok()) st = config::ValidateConfiguration(model, FsRoot("/"));
      if (!st.ok()) return Error(admin::kExitFailed, st.message() + " (file unchanged)");
      st = config::WriteConfigFile(cmd.config_file, model);
      if (!st.ok()) return Error(admin::kExitFailed, st.ToString());
      std::printf("%s: %s done\n", cmd.config_file.c_str(),
                  std::string(config::ConfigEditOpName(cmd.edit.op)).c_str());
      return admin::kExitOk;
    }
    case AdminVerb::kWriteConfig: {
      Status st = config::WriteConfigFile(cmd.file, model);
      if (!st.ok()) return Error(admin::kExitFailed, st.ToString());
      return admin::kExitOk;
    }
    case AdminVerb::kListDevices: {
      json list = json::array();
      for (const config::Handler& h : model.handlers)
        for (const config::Device& d : h.devices)
          list.push_back(json{{"name", d.name},
                              {"handler", h.name},
                              {"filename", config::GetString(d.attributes, "filename")},
                              {"luns", json::array()}});
      PrintList(cmd, json{{"devices", list}});
      return admin::kExitOk;
    }
    default:
      return Error(admin::kExitUsage, "this operation needs a running target (drop -config)");
  }
}

// ---- On the running target ----

Result<control::ControlResponse> Send(const std::string& socket, const control::ControlRequest& r) {
  return control::SendControlRequest(socket, r);
}

int RunOnTarget(const AdminCommand& cmd) {
  std::string socket = cmd.socket;
  if (socket.empty()) {
    auto found = control::FindControlSocket(control::ResolveRunDir(cmd.run_dir));
    if (!found.ok()) return Error(admin::kExitNoTarget, found.status().message());
    socket = *found;
  }
  control::ControlRequest request;
  switch (cmd.verb) {
    case AdminVerb::kEdit:
      request.op = control::ControlOp::kEdit;
      request.edit = cmd.edit;
      break;
    case AdminVerb::kWriteConfig:
      request.op = control::ControlOp::kGetConfig;
      break;
    case AdminVerb::kListDevices:
      request.op = control::ControlOp::kListDevices;
      break;
    case AdminVerb::kListSessions:
      request.op = control::ControlOp::kListSessions;
      break;
    case AdminVerb::kReload:
      request.op = control::ControlOp::kReload;
      break;
    case AdminVerb::kApplyConfig: {
      std::ifstream in(cmd.config_file);
      if (!in) return Error(admin::kExitFailed, "cannot read " + cmd.config_file);
      std::stringstream text;
      text << in.rdbuf();
      request.op = control::ControlOp::kApplyConfig;
      request.config_text = text.str();
      request.config_name = cmd.config_file;
      break;
    }
    case AdminVerb::kHelp:
      return admin::kExitOk;
  }
  auto response = Send(socket, request);
  if (!response.ok())
    return Error(admin::kExitNoTarget, socket + ": " + response.status().ToString());
  if (!response->ok) return Error(admin::kExitFailed, response->error);
  switch (cmd.verb) {
    case AdminVerb::kWriteConfig: {
      std::string text = response->result.value("config", "");
      Status st = config::WriteTextFileAtomically(cmd.file, text);
      if (!st.ok()) return Error(admin::kExitFailed, st.ToString());
      return admin::kExitOk;
    }
    case AdminVerb::kListDevices:
    case AdminVerb::kListSessions:
      PrintList(cmd, response->result);
      return admin::kExitOk;
    default:
      PrintReport(cmd, response->result);
      return admin::kExitOk;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cmd = admin::ParseAdminArgs(args);
  if (!cmd.ok()) {
    std::fprintf(stderr, "srp-admin: %s\n", cmd.status().message().c_str());
    return admin::kExitUsage;
  }
  if (cmd->verb == AdminVerb::kHelp) {
    std::fputs(admin::AdminHelpText().c_str(), stdout);
    return args.empty() ? admin::kExitUsage : admin::kExitOk;
  }
  if (!cmd->config_file.empty() && cmd->verb != AdminVerb::kApplyConfig) return RunOnFile(*cmd);
  return RunOnTarget(*cmd);
}
