#include "initiator_tools/attach/attach_state.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/common/fs_root.h"
#include "lib/common/log.h"

namespace srp::attach {

namespace fs = std::filesystem;

std::string RunDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("SRP_ATTACH_RUN_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return "/run/srp-attach";
}

std::string DeviceName(const std::string& device) {
  std::string name = device.starts_with("/dev/") ? device.substr(5) : device;
  if (!name.starts_with("loop") || name.size() == 4) return "";
  for (size_t i = 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return "";
  }
  return name;
}

nlohmann::json StateToJson(const AttachState& s) {
  nlohmann::json paths = nlohmann::json::array();
  for (const PathState& p : s.paths) {
    paths.push_back({{"target", p.target},
                     {"state", p.state},
                     {"reconnects", p.reconnects},
                     {"failed_reconnects", p.failed_reconnects},
                     {"commands", p.commands},
                     {"last_error", p.last_error}});
  }
  return {{"device", s.device},
          {"target", s.target},
          {"lun", s.lun},
          {"mountpoint", s.mountpoint},
          {"pid", s.pid},
          {"block_size", s.block_size},
          {"size_bytes", s.size_bytes},
          {"direct_io", s.direct_io},
          {"fuse_connection", s.fuse_connection},
          {"state", s.state},
          {"policy", s.policy},
          {"timeouts", s.timeouts},
          {"paths", paths},
          {"unmap_commands", s.unmap_commands},
          {"write_same_commands", s.write_same_commands}};
}

Result<AttachState> StateFromJson(const nlohmann::json& j) {
  try {
    AttachState s;
    s.device = j.at("device").get<std::string>();
    s.target = j.at("target").get<std::string>();
    s.lun = j.at("lun").get<uint32_t>();
    s.mountpoint = j.at("mountpoint").get<std::string>();
    s.pid = j.at("pid").get<pid_t>();
    s.block_size = j.value("block_size", 0u);
    s.size_bytes = j.value("size_bytes", uint64_t{0});
    s.direct_io = j.value("direct_io", false);
    s.fuse_connection = j.value("fuse_connection", 0u);
    s.state = j.value("state", std::string("running"));
    s.policy = j.value("policy", std::string("failover"));
    s.timeouts = j.value("timeouts", std::string());
    s.unmap_commands = j.value("unmap_commands", uint64_t{0});
    s.write_same_commands = j.value("write_same_commands", uint64_t{0});
    if (j.contains("paths") && j["paths"].is_array()) {
      for (const auto& p : j["paths"]) {
        PathState ps;
        ps.target = p.value("target", std::string());
        ps.state = p.value("state", std::string());
        ps.reconnects = p.value("reconnects", uint64_t{0});
        ps.failed_reconnects = p.value("failed_reconnects", uint64_t{0});
        ps.commands = p.value("commands", uint64_t{0});
        ps.last_error = p.value("last_error", std::string());
        s.paths.push_back(std::move(ps));
      }
    }
    if (DeviceName(s.device).empty()) return InvalidArgument("bad device " + s.device);
    return s;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("bad state: ") + e.what());
  }
}

Status EnsureRunDir(const std::string& run_dir) {
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) return Status::FromErrno(ec.value(), "creating " + run_dir);
  chmod(run_dir.c_str(), 0700);
  return Status::Ok();
}

Status WriteState(const std::string& run_dir, const AttachState& state) {
  const std::string name = DeviceName(state.device);
  if (name.empty()) return InvalidArgument("bad device " + state.device);
  const std::string path = run_dir + "/" + name + ".json";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << StateToJson(state).dump(2) << "\n";
    if (!out) return Status(StatusCode::kIoError, "cannot write " + tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) return Status::FromErrno(errno, "rename " + tmp);
  return Status::Ok();
}

Status RemoveState(const std::string& run_dir, const std::string& device) {
  const std::string name = DeviceName(device);
  if (name.empty()) return InvalidArgument("bad device " + device);
  const std::string path = run_dir + "/" + name + ".json";
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Status::FromErrno(errno, "unlink");
  return Status::Ok();
}

std::vector<AttachState> ListStates(const std::string& run_dir) {
  std::vector<AttachState> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    auto s = j.is_discarded() ? Result<AttachState>(InvalidArgument("not JSON")) : StateFromJson(j);
    if (!s.ok()) {
      SRP_LOG(kWarning, "{}: {}", entry.path().string(), s.status().ToString());
      continue;
    }
    out.push_back(*s);
  }
  std::sort(out.begin(), out.end(),
            [](const AttachState& a, const AttachState& b) { return a.device < b.device; });
  return out;
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM)) return false;
  // A zombie (exited, not yet reaped by whoever adopted it) no longer serves anything.
  auto stat = FsRoot("/").ReadFile(fmt::format("/proc/{}/stat", pid));
  if (!stat.ok()) return true;
  const size_t paren = stat->rfind(')');
  return paren == std::string::npos || paren + 2 >= stat->size() || (*stat)[paren + 2] != 'Z';
}

}  // namespace srp::attach
