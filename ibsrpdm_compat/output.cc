#include "ibsrpdm_compat/output.h"

#include <fmt/format.h>

#include <cctype>
#include <string_view>

#include "lib/common/ids.h"
#include "lib/srp/target_string.h"

namespace srp::discovery {

namespace {

constexpr std::string_view kSrpPrefix = "SRP.T10:";
constexpr size_t kIdExtMaxChars = 16;

// sscanf("SRP.T10:%16s"): up to 16 non-space characters; nullopt if no match.
std::optional<std::string> IdExtText(const std::string& name) {
  if (name.compare(0, kSrpPrefix.size(), kSrpPrefix) != 0) return std::nullopt;
  std::string text;
  for (size_t i = kSrpPrefix.size(); i < name.size() && text.size() < kIdExtMaxChars; ++i) {
    unsigned char ch = static_cast<unsigned char>(name[i]);
    if (std::isspace(ch)) {
      if (text.empty()) continue;  // %s skips leading white space
      break;
    }
    text.push_back(static_cast<char>(ch));
  }
  if (text.empty()) return std::nullopt;
  return text;
}

const char* SlotState(uint8_t nibble) {
  switch (nibble) {
    case mad::kControllerNotInstalled:
      return "not installed";
    case mad::kControllerPresent:
      return "present";
    case mad::kControllerNoSlot:
      return "no slot";
    default:
      return "<unknown>";
  }
}

}  // namespace

std::vector<std::string> FormatAddTargetLines(const std::vector<DiscoveredTarget>& targets,
                                              const AddTargetOptions& options) {
  std::vector<std::string> lines;
  for (const DiscoveredTarget& t : targets) {
    for (const DiscoveredController& c : t.controllers) {
      for (const mad::ServiceEntry& s : c.services) {
        std::optional<std::string> id_ext = IdExtText(s.name);
        if (!id_ext) continue;
        for (uint16_t pkey : t.pkeys) {
          wire::TargetString ts;
          ts.id_ext_text = *id_ext;
          ts.id_ext = ParseHexU64(*id_ext).value_or(0);
          ts.ioc_guid = c.profile.guid;
          ts.dgid = t.gid;
          ts.pkey = pkey;
          ts.service_id = s.id;
          if (c.profile.io_class != mad::kSrpIoClass) ts.io_class = c.profile.io_class;
          if (options.initiator_ext) ts.initiator_ext = t.gid.interface_id();
          if (options.use_imm_data && options.max_imm_data > c.profile.send_size) {
            ts.max_it_iu_size = c.profile.send_size;
          }
          lines.push_back(wire::FormatTargetString(ts));
        }
      }
    }
  }
  return lines;
}

std::string FormatHuman(const std::vector<DiscoveredTarget>& targets, bool verbose) {
  std::string out;
  for (const DiscoveredTarget& t : targets) {
    out += "IO Unit Info:\n";
    out += fmt::format("    port LID:        {:04x}\n", t.lid);
    out += fmt::format("    port GID:        {:016x}{:016x}\n", t.gid.subnet_prefix(),
                       t.gid.interface_id());
    out += fmt::format("    change ID:       {:04x}\n", t.io_unit.change_id);
    out += fmt::format("    max controllers: 0x{:02x}\n", t.io_unit.max_controllers);
    if (verbose) {
      for (int slot = 1; slot <= t.io_unit.max_controllers; ++slot) {
        out += fmt::format("    controller[{:3d}]: {}\n", slot,
                           SlotState(t.io_unit.controllers[slot - 1] & 0xf));
      }
    }
    for (const DiscoveredController& c : t.controllers) {
      const mad::IoControllerProfile& p = c.profile;
      out += "\n";
      out += fmt::format("    controller[{:3d}]\n", c.slot);
      out += fmt::format("        GUID:      {:016x}\n", p.guid);
      out += fmt::format("        vendor ID: {:06x}\n", p.vendor_id >> 8);
      out += fmt::format("        device ID: {:06x}\n", p.device_id);
      out += fmt::format("        IO class : {:04x}\n", p.io_class);
      out += fmt::format("        Maximum size of Send Messages in bytes: {}\n",
                         static_cast<int32_t>(p.send_size));
      out += fmt::format("        ID:        {}\n", p.id_string);
      out += fmt::format("        service entries: {}\n", p.num_service_entries);
      for (size_t k = 0; k < c.services.size(); ++k) {
        out += fmt::format("            service[{:3d}]: {:016x} / {}\n", k, c.services[k].id,
                           c.services[k].name);
      }
    }
    out += "\n";
  }
  return out;
}

nlohmann::json ToJson(const DiscoveredTarget& t) {
  nlohmann::json j;
  j["lid"] = t.lid;
  j["gid"] = FormatGidHex(t.gid);
  j["port_guid"] = FormatHex64(t.gid.interface_id());
  j["capability_mask"] = t.capability_mask;
  j["device_management"] = (t.capability_mask & (1u << 19)) != 0;
  j["change_id"] = t.io_unit.change_id;
  j["max_controllers"] = t.io_unit.max_controllers;
  j["pkeys"] = nlohmann::json::array();
  for (uint16_t k : t.pkeys) j["pkeys"].push_back(FormatHex16(k));
  j["controllers"] = nlohmann::json::array();
  for (const DiscoveredController& c : t.controllers) {
    const mad::IoControllerProfile& p = c.profile;
    nlohmann::json jc;
    jc["slot"] = c.slot;
    jc["ioc_guid"] = FormatHex64(p.guid);
    jc["vendor_id"] = fmt::format("{:06x}", p.vendor_id & 0xffffff);
    jc["device_id"] = fmt::format("{:06x}", p.device_id);
    jc["device_version"] = p.device_version;
    jc["io_class"] = FormatHex16(p.io_class);
    jc["io_subclass"] = FormatHex16(p.io_subclass);
    jc["protocol"] = FormatHex16(p.protocol);
    jc["protocol_version"] = p.protocol_version;
    jc["send_queue_depth"] = p.send_queue_depth;
    jc["rdma_read_depth"] = p.rdma_read_depth;
    jc["send_size"] = p.send_size;
    jc["rdma_size"] = p.rdma_size;
    jc["op_cap_mask"] = p.op_cap_mask;
    jc["id_string"] = p.id_string;
    jc["services"] = nlohmann::json::array();
    for (const mad::ServiceEntry& s : c.services) {
      nlohmann::json js;
      js["name"] = s.name;
      js["service_id"] = FormatHex64(s.id);
      std::optional<std::string> id_ext = IdExtText(s.name);
      if (id_ext) js["id_ext"] = *id_ext;
      jc["services"].push_back(js);
    }
    j["controllers"].push_back(jc);
  }
  return j;
}

nlohmann::json ToJson(const DiscoveryResult& result) {
  nlohmann::json j;
  j["targets"] = nlohmann::json::array();
  for (const DiscoveredTarget& t : result.targets) j["targets"].push_back(ToJson(t));
  j["errors"] = nlohmann::json::array();
  for (const PortError& e : result.errors) {
    j["errors"].push_back(
        {{"lid", e.lid}, {"gid", FormatGidHex(e.gid)}, {"error", e.status.ToString()}});
  }
  j["unanswered"] = result.unanswered;
  return j;
}

}  // namespace srp::discovery
