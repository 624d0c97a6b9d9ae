#include "target/admin/admin_args.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace srp::target::admin {
namespace {

using config::ConfigEdit;
using Op = ConfigEdit::Op;

// Options that take a value, by their canonical (lower-case) name.
const std::set<std::string>& ValueOptions() {
  static const std::set<std::string> k = {
      "adddev",    "path",        "handler",      "options",       "assigndev",      "group",
      "lun",       "writeconfig", "open_dev",     "attributes",    "add_lun",        "driver",
      "target",    "device",      "write_config", "close_dev",     "rem_lun",        "add_group",
      "rem_group", "add_init",    "rem_init",     "enable_target", "disable_target", "config",
      "run-dir",   "socket",      "blocksize"};
  return k;
}
// Options without a value.
const std::set<std::string>& FlagOptions() {
  static const std::set<std::string> k = {
      "list_device", "list_devices", "list_sessions", "clear_config", "json",  "help",
      "h",           "reload",       "noprompt",      "force",        "nonkey"};
  return k;
}

// Old verbs are CamelCase in scstadmin 1.x (-WriteConfig, -ClearConfig) and lower case in
// their examples (-adddev): matching is case-insensitive for the old names only.
std::string Canonical(std::string name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "writeconfig" || lower == "clearconfig" || lower == "adddev" || lower == "assigndev")
    return lower;
  return name;
}

// scstadmin -adddev -options: NV_CACHE, READ_ONLY, WRITE_THROUGH, O_DIRECT, BLOCKIO, NULLIO...
Status AddOldOptions(const std::string& options, ConfigEdit* e) {
  size_t pos = 0;
  while (pos <= options.size()) {
    size_t comma = options.find_first_of(",|", pos);
    std::string item =
        options.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    std::string upper;
    for (char c : item) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static const std::map<std::string, std::string> kMap = {{"NV_CACHE", "nv_cache"},
                                                            {"READ_ONLY", "read_only"},
                                                            {"WRITE_THROUGH", "write_through"},
                                                            {"O_DIRECT", "o_direct"}};
    if (upper == "BLOCKIO") {
      e->handler = "vdisk_blockio";
    } else if (upper == "NULLIO") {
      e->handler = "vdisk_nullio";
    } else if (auto it = kMap.find(upper); it != kMap.end()) {
      e->attributes.emplace_back(it->second, "1");
    } else if (!upper.empty()) {
      return InvalidArgument(fmt::format(
          "-options: unknown option '{}' (NV_CACHE, READ_ONLY, WRITE_THROUGH, O_DIRECT, "
          "BLOCKIO, NULLIO)",
          item));
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return Status::Ok();
}

Result<uint64_t> ParseLun(const std::string& option, const std::string& text) {
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      text.size() > 6)
    return InvalidArgument(fmt::format("-{}: '{}' is not a LUN number", option, text));
  return std::stoull(text);
}

}  // namespace

Result<AdminCommand> ParseAdminArgs(const std::vector<std::string>& args) {
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
  std::vector<std::string> verbs;
  static const std::set<std::string> kVerbNames = {
      "adddev",       "assigndev",   "writeconfig",   "clearconfig",    "open_dev",
      "close_dev",    "add_lun",     "rem_lun",       "add_group",      "rem_group",
      "add_init",     "rem_init",    "enable_target", "disable_target", "write_config",
      "clear_config", "list_device", "list_devices",  "list_sessions",  "reload"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string name;
    if (a.rfind("--", 0) == 0) {
      name = a.substr(2);
    } else if (a.rfind("-", 0) == 0 && a.size() > 1) {
      name = a.substr(1);
    } else {
      return InvalidArgument(fmt::format("unexpected argument '{}'", a));
    }
    std::string inline_value;
    bool has_inline = false;
    if (size_t eq = name.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline = true;
    }
    name = Canonical(name);
    if (name == "clearconfig") {
      // -ClearConfig [FILE]: the file operand of scstadmin 1.x is optional here.
      flags.insert(name);
      verbs.push_back(name);
      if (i + 1 < args.size() && args[i + 1].rfind("-", 0) != 0) values["clearconfig"] = args[++i];
      continue;
    }
    if (FlagOptions().contains(name)) {
      if (has_inline) return InvalidArgument(fmt::format("-{} takes no value", name));
      flags.insert(name);
      if (kVerbNames.contains(name)) verbs.push_back(name);
      continue;
    }
    if (!ValueOptions().contains(name))
      return InvalidArgument(fmt::format("unknown option '{}' (see --help)", a));
    if (!has_inline) {
      if (i + 1 >= args.size()) return InvalidArgument(fmt::format("{} needs a value", a));
      inline_value = args[++i];
    }
    if (values.contains(name)) return InvalidArgument(fmt::format("{} given twice", a));
    values[name] = inline_value;
    if (kVerbNames.contains(name)) verbs.push_back(name);
  }

  AdminCommand cmd;
  cmd.json = flags.contains("json");
  cmd.run_dir = values.count("run-dir") ? values["run-dir"] : "";
  cmd.socket = values.count("socket") ? values["socket"] : "";
  cmd.config_file = values.count("config") ? values["config"] : "";
  if (flags.contains("help") || flags.contains("h")) return cmd;  // kHelp
  if (verbs.size() > 1)
    return InvalidArgument(
        fmt::format("one operation at a time (got -{} and -{})", verbs[0], verbs[1]));
  auto get = [&](const char* key) { return values.count(key) ? values[key] : std::string(); };
  auto require = [&](const std::string& verb, const char* key) -> Result<std::string> {
    std::string v = get(key);
    if (v.empty()) return InvalidArgument(fmt::format("-{} needs -{} <value>", verb, key));
    return v;
  };
  if (verbs.empty()) {
    if (!cmd.config_file.empty()) {
      cmd.verb = AdminVerb::kApplyConfig;
      return cmd;
    }
    return InvalidArgument("no operation given (see --help)");
  }
  const std::string verb = verbs.front();
  ConfigEdit& e = cmd.edit;
  e.driver = get("driver").empty() ? std::string(config::kDriverIbSrpt) : get("driver");
  e.target = get("target");
  e.group = get("group");
  cmd.verb = AdminVerb::kEdit;
  if (verb == "adddev") {
    e.op = Op::kOpenDevice;
    e.device = get("adddev");
    SRP_ASSIGN_OR_RETURN(std::string path, require(verb, "path"));
    std::string handler = get("handler").empty() ? "vdisk" : get("handler");
    e.handler = handler == "vdisk" ? "vdisk_fileio" : handler;
    SRP_RETURN_IF_ERROR(AddOldOptions(get("options"), &e));
    if (e.handler != "vdisk_nullio") e.attributes.insert(e.attributes.begin(), {"filename", path});
    if (!get("blocksize").empty()) e.attributes.emplace_back("blocksize", get("blocksize"));
  } else if (verb == "open_dev") {
    e.op = Op::kOpenDevice;
    e.device = get("open_dev");
    SRP_ASSIGN_OR_RETURN(e.handler, require(verb, "handler"));
    SRP_ASSIGN_OR_RETURN(e.attributes, config::ParseAttributeList(get("attributes")));
  } else if (verb == "close_dev") {
    e.op = Op::kCloseDevice;
    e.device = get("close_dev");
  } else if (verb == "assigndev" || verb == "add_lun") {
    e.op = Op::kAddLun;
    if (verb == "assigndev") {
      e.device = get("assigndev");
      SRP_ASSIGN_OR_RETURN(std::string lun, require(verb, "lun"));
      SRP_ASSIGN_OR_RETURN(e.lun, ParseLun("lun", lun));
    } else {
      SRP_ASSIGN_OR_RETURN(e.device, require(verb, "device"));
      SRP_ASSIGN_OR_RETURN(e.lun, ParseLun(verb, get("add_lun")));
      SRP_ASSIGN_OR_RETURN(e.attributes, config::ParseAttributeList(get("attributes")));
    }
  } else if (verb == "rem_lun") {
    e.op = Op::kRemoveLun;
    SRP_ASSIGN_OR_RETURN(e.lun, ParseLun(verb, get("rem_lun")));
  } else if (verb == "add_group" || verb == "rem_group") {
    e.op = verb == "add_group" ? Op::kAddGroup : Op::kRemoveGroup;
    e.group = get(verb.c_str());
  } else if (verb == "add_init" || verb == "rem_init") {
    e.op = verb == "add_init" ? Op::kAddInitiator : Op::kRemoveInitiator;
    e.initiator = get(verb.c_str());
    SRP_ASSIGN_OR_RETURN(e.group, require(verb, "group"));
  } else if (verb == "enable_target" || verb == "disable_target") {
    e.op = verb == "enable_target" ? Op::kEnableTarget : Op::kDisableTarget;
    e.target = get(verb.c_str());
  } else if (verb == "clearconfig" || verb == "clear_config") {
    e.op = Op::kClearConfig;
  } else if (verb == "writeconfig" || verb == "write_config") {
    cmd.verb = AdminVerb::kWriteConfig;
    cmd.file = get(verb.c_str());
  } else if (verb == "list_device" || verb == "list_devices") {
    cmd.verb = AdminVerb::kListDevices;
  } else if (verb == "list_sessions") {
    cmd.verb = AdminVerb::kListSessions;
  } else if (verb == "reload") {
    cmd.verb = AdminVerb::kReload;
  }
  return cmd;
}

std::string AdminHelpText() {
  return R"(srp-admin: administer a running srp-target (or an scst.conf file) with scstadmin's verbs

Usage: srp-admin [--run-dir DIR | --socket PATH] [-config FILE] [--json] <operation>

Operations (scstadmin 1.x spelling / current spelling):
  -adddev NAME -path P [-handler vdisk|vdisk_fileio|vdisk_blockio|vdisk_nullio]
          [-options NV_CACHE,READ_ONLY,WRITE_THROUGH,O_DIRECT]
  -open_dev NAME -handler H [-attributes filename=P,nv_cache=1,...]
  -close_dev NAME [-handler H]
  -assigndev NAME -group G -lun N [-target T]          (group Default = the default LUN set)
  -add_lun N -driver ib_srpt -target T [-group G] -device NAME [-attributes read_only=1]
  -rem_lun N -driver ib_srpt -target T [-group G]
  -add_group G -driver ib_srpt -target T        -rem_group G -driver ib_srpt -target T
  -add_init I -driver ib_srpt -target T -group G   -rem_init I -driver ib_srpt -target T -group G
  -enable_target T -driver ib_srpt              -disable_target T -driver ib_srpt
  -WriteConfig FILE | -write_config FILE        write the configuration (scst.conf format)
  -ClearConfig [FILE] | -clear_config           remove every device, LUN and group
  -list_device | -list_sessions                 tables; --json for JSON
  -reload                                       re-read the target's --config file
  -config FILE                                  alone: apply FILE to the running target

Where it acts: the running target, found through its control socket in the run directory
(--run-dir, else $SRP_TARGET_RUN_DIR, else /run/srp-target; exactly one target must run, or
give --socket). With -config FILE an operation edits FILE instead (all or nothing).
-T may be left out when the driver has one target. -noprompt, -force are accepted.

Examples:
  srp-admin -adddev disk01 -path /srv/disk01.img -handler vdisk -options NV_CACHE
  srp-admin -assigndev disk01 -group Default -lun 0
  srp-admin -open_dev disk02 -handler vdisk_blockio -attributes filename=/dev/loop0
  srp-admin -add_group hosts -driver ib_srpt -target tgt0
  srp-admin -add_init 0x0002c90300a1b2c30002c90300a1b2c3 -driver ib_srpt -target tgt0 -group hosts
  srp-admin -add_lun 1 -driver ib_srpt -target tgt0 -group hosts -device disk02
  srp-admin -list_sessions --json
  srp-admin -write_config /etc/srp-target.conf
  srp-admin -config /etc/srp-target.conf -open_dev null1 -handler vdisk_nullio   (edit the file)

Exit codes: 0 done; 1 the target or file refused the operation (the message says why, nothing
was changed); 2 bad command line; 3 no running target found, several found, or unreachable.
)";
}

}  // namespace srp::target::admin
