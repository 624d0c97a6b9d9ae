#include "target/config/legacy_config.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <utility>

#include "target/config/config_check.h"

namespace srp::target::config {
namespace {

struct OptionMap {
  std::string_view option;
  std::string_view attribute;
};

constexpr std::array<OptionMap, 5> kOptions = {{
    {"NV_CACHE", "nv_cache"},
    {"WRITE_THROUGH", "write_through"},
    {"READ_ONLY", "read_only"},
    {"O_DIRECT", "o_direct"},
    {"REMOVABLE", "removable"},
}};

bool IsOptionAttribute(std::string_view key) {
  for (const OptionMap& o : kOptions) {
    if (o.attribute == key) return true;
  }
  return key == "filename" || key == "blocksize";
}

void NoteDropped(std::string& out, std::string_view what) {
  out += fmt::format("# not representable: {}\n", what);
}

void WriteVdisk(std::string& out, const Handler& h, const Device& d) {
  std::string options;
  auto add = [&options](std::string_view o) {
    if (!options.empty()) options += '|';
    options += o;
  };
  if (h.name == kHandlerBlockio) add("BLOCKIO");
  if (h.name == kHandlerNullio) add("NULLIO");
  for (const OptionMap& o : kOptions) {
    if (GetBool(d.attributes, o.attribute, false).value_or(false)) add(o.option);
  }
  out += fmt::format("DEVICE {},{},{},{}\n", d.name, GetString(d.attributes, "filename"), options,
                     GetString(d.attributes, "blocksize", "512"));
  for (const Attribute& a : d.attributes) {
    if (!IsOptionAttribute(a.key)) {
      NoteDropped(out, fmt::format("DEVICE {} attribute {} {}", d.name, a.key, a.value));
    }
  }
}

void WriteHandlers(std::string& out, const Configuration& config) {
  out += "[HANDLER vdisk]\n#DEVICE <vdisk name>,<device path>,<options>,<block size>\n";
  for (const Handler& h : config.handlers) {
    if (h.name != kHandlerFileio && h.name != kHandlerBlockio && h.name != kHandlerNullio) continue;
    for (const Device& d : h.devices) WriteVdisk(out, h, d);
  }
  out += "\n[HANDLER dev_disk]\n#DEVICE <device name>\n";
  for (const Handler& h : config.handlers) {
    if (h.name != kHandlerDevDisk) continue;
    for (const Device& d : h.devices) out += fmt::format("DEVICE {}\n", d.name);
  }
  for (const Handler& h : config.handlers) {
    if (!h.attributes.empty()) NoteDropped(out, fmt::format("HANDLER {} attributes", h.name));
    if (h.name != kHandlerMemory) continue;
    for (const Device& d : h.devices) NoteDropped(out, "vdisk_memory DEVICE " + d.name);
  }
}

void WriteAssignment(std::string& out, std::string_view group,
                     const std::vector<LunAssignment>& luns, bool with_hint) {
  out += fmt::format("\n[ASSIGNMENT {}]\n", group);
  if (with_hint) out += "#DEVICE <device name>,<lun>\n";
  for (const LunAssignment& l : luns) {
    out += fmt::format("DEVICE {},{}\n", l.device, l.lun);
    if (!l.attributes.empty()) NoteDropped(out, fmt::format("attributes of LUN {}", l.lun));
  }
}

}  // namespace

std::string WriteLegacyConfig(const Configuration& config) {
  std::string out = "# procfs-era SCST configuration written by srp-toolkit.\n\n";
  WriteHandlers(out, config);
  const TargetDriver* drv = FindDriver(config, kDriverIbSrpt);
  const Target* target = (drv == nullptr || drv->targets.empty()) ? nullptr : &drv->targets[0];
  if (drv != nullptr) {
    if (!drv->attributes.empty()) NoteDropped(out, "TARGET_DRIVER ib_srpt attributes");
    for (size_t i = 1; i < drv->targets.size(); ++i) {
      NoteDropped(out, "TARGET " + drv->targets[i].name);
    }
  }
  if (target != nullptr && !target->attributes.empty()) {
    NoteDropped(out, "TARGET " + target->name + " attributes");
  }
  out += fmt::format("\n[GROUP {}]\n#USER <user wwn>\n", kLegacyDefaultGroup);
  if (target != nullptr) {
    for (const Group& g : target->groups) {
      out += fmt::format("\n[GROUP {}]\n", g.name);
      for (const InitiatorEntry& i : g.initiators) out += fmt::format("USER {}\n", i.name);
      if (!g.attributes.empty()) NoteDropped(out, "GROUP " + g.name + " attributes");
    }
  }
  WriteAssignment(out, kLegacyDefaultGroup,
                  target ? target->default_luns : std::vector<LunAssignment>{}, true);
  if (target != nullptr) {
    for (const Group& g : target->groups) WriteAssignment(out, g.name, g.luns, false);
  }
  return out;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> Split(std::string_view s, std::string_view seps) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || seps.find(s[i]) != std::string_view::npos) {
      out.push_back(Trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

class LegacyParser {
 public:
  LegacyParser(std::string_view file, std::string_view target_name) : file_(file) {
    target_.name = std::string(target_name);
  }

  Result<Configuration> Run(std::string_view text) {
    int line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      size_t hash = line.find('#');
      if (hash != std::string_view::npos) line = line.substr(0, hash);
      line = Trim(line);
      if (line.empty()) continue;
      SRP_RETURN_IF_ERROR(Line(line, SourceLocation{file_, line_no}));
    }
    return Finish();
  }

 private:
  enum class Section { kNone, kVdisk, kDevDisk, kGroup, kAssignment };

  Status Line(std::string_view line, const SourceLocation& at) {
    if (line.front() == '[') {
      if (line.back() != ']') return ErrorAt(at, "section header without ']'");
      std::vector<std::string_view> w = Split(line.substr(1, line.size() - 2), " \t");
      std::erase(w, std::string_view());
      if (w.size() != 2) return ErrorAt(at, "section header must be '[KIND name]'");
      return Header(w[0], std::string(w[1]), at);
    }
    size_t space = line.find_first_of(" \t");
    std::string_view keyword = line.substr(0, space);
    std::string_view rest = space == std::string_view::npos ? "" : Trim(line.substr(space));
    if (keyword == "DEVICE" && section_ == Section::kVdisk) return Vdisk(rest, at);
    if (keyword == "DEVICE" && section_ == Section::kDevDisk) return DevDisk(rest, at);
    if (keyword == "DEVICE" && section_ == Section::kAssignment) return Assign(rest, at);
    if (keyword == "USER" && section_ == Section::kGroup) {
      if (rest.empty()) return ErrorAt(at, "USER needs an initiator name");
      if (group_ == nullptr) return ErrorAt(at, "USER in group Default, which holds everybody");
      group_->initiators.push_back({std::string(rest), at});
      return Status::Ok();
    }
    return ErrorAt(at, fmt::format("'{}' is not allowed here", keyword));
  }

  Status Header(std::string_view kind, std::string name, const SourceLocation& at) {
    group_ = nullptr;
    luns_ = nullptr;
    if (kind == "HANDLER") {
      if (name == "vdisk") {
        section_ = Section::kVdisk;
      } else if (name == "dev_disk") {
        section_ = Section::kDevDisk;
      } else {
        return ErrorAt(at, fmt::format("unsupported handler '{}' (vdisk, dev_disk)", name));
      }
      return Status::Ok();
    }
    if (kind == "GROUP") {
      section_ = Section::kGroup;
      if (name == kLegacyDefaultGroup) return Status::Ok();
      for (Group& g : target_.groups) {
        if (g.name == name) {
          return ErrorAt(at, fmt::format("duplicate GROUP '{}' (first defined at {})", name,
                                         g.where.ToString()));
        }
      }
      target_.groups.push_back(Group{std::move(name), {}, {}, {}, at});
      group_ = &target_.groups.back();
      return Status::Ok();
    }
    if (kind == "ASSIGNMENT") {
      section_ = Section::kAssignment;
      if (name == kLegacyDefaultGroup) {
        luns_ = &target_.default_luns;
        return Status::Ok();
      }
      for (Group& g : target_.groups) {
        if (g.name == name) luns_ = &g.luns;
      }
      if (luns_ == nullptr)
        return ErrorAt(at, fmt::format("ASSIGNMENT for unknown group '{}'", name));
      return Status::Ok();
    }
    return ErrorAt(at, fmt::format("unknown section '{}'", kind));
  }

  Handler& HandlerNamed(std::string_view name, const SourceLocation& at) {
    for (Handler& h : handlers_) {
      if (h.name == name) return h;
    }
    handlers_.push_back(Handler{std::string(name), {}, {}, at});
    return handlers_.back();
  }

  Status Vdisk(std::string_view rest, const SourceLocation& at) {
    std::vector<std::string_view> f = Split(rest, ",");
    if (f.size() < 2 || f.size() > 4 || f[0].empty()) {
      return ErrorAt(at, "expected DEVICE <name>,<path>[,<options>[,<block size>]]");
    }
    Device d{std::string(f[0]), {}, at};
    std::string_view handler = kHandlerFileio;
    AttributeList flags;
    if (f.size() >= 3) {
      for (std::string_view opt : Split(f[2], "| ")) {
        if (opt.empty()) continue;
        if (opt == "BLOCKIO") {
          handler = kHandlerBlockio;
          continue;
        }
        if (opt == "NULLIO") {
          handler = kHandlerNullio;
          continue;
        }
        const OptionMap* known = nullptr;
        for (const OptionMap& o : kOptions) {
          if (o.option == opt) known = &o;
        }
        if (known == nullptr) return ErrorAt(at, fmt::format("unknown vdisk option '{}'", opt));
        flags.push_back({std::string(known->attribute), "1", at});
      }
    }
    if (!f[1].empty()) d.attributes.push_back({"filename", std::string(f[1]), at});
    // Attributes in the order the writer reads them: options in table order.
    for (const OptionMap& o : kOptions) {
      for (const Attribute& a : flags) {
        if (a.key == o.attribute && FindAttribute(d.attributes, a.key) == nullptr) {
          d.attributes.push_back(a);
        }
      }
    }
    if (f.size() == 4 && !f[3].empty() && f[3] != "512") {
      d.attributes.push_back({"blocksize", std::string(f[3]), at});
    }
    HandlerNamed(handler, at).devices.push_back(std::move(d));
    return Status::Ok();
  }

  Status DevDisk(std::string_view rest, const SourceLocation& at) {
    if (rest.empty() || rest.find(',') != std::string_view::npos) {
      return ErrorAt(at, "expected DEVICE <name>");
    }
    HandlerNamed(kHandlerDevDisk, at).devices.push_back(Device{std::string(rest), {}, at});
    return Status::Ok();
  }

  Status Assign(std::string_view rest, const SourceLocation& at) {
    std::vector<std::string_view> f = Split(rest, ",");
    if (f.size() != 2 || f[0].empty()) return ErrorAt(at, "expected DEVICE <name>,<lun>");
    Result<uint64_t> lun = ParseUint(f[1]);
    if (!lun.ok()) return ErrorAt(at, fmt::format("LUN '{}' is not a number", f[1]));
    luns_->push_back(LunAssignment{*lun, std::string(f[0]), {}, at});
    return Status::Ok();
  }

  Result<Configuration> Finish() {
    Configuration config;
    config.handlers = std::move(handlers_);  // in order of first appearance
    TargetDriver drv{std::string(kDriverIbSrpt), {}, {}, SourceLocation{file_, 0}};
    target_.where = SourceLocation{file_, 0};
    drv.targets.push_back(std::move(target_));
    config.drivers.push_back(std::move(drv));
    SRP_RETURN_IF_ERROR(CheckConfiguration(config));
    return config;
  }

  std::string file_;
  Section section_ = Section::kNone;
  std::vector<Handler> handlers_;
  Target target_;
  Group* group_ = nullptr;                      // current [GROUP], null for Default
  std::vector<LunAssignment>* luns_ = nullptr;  // current [ASSIGNMENT]
};

}  // namespace

Result<Configuration> ParseLegacyConfig(std::string_view text, std::string_view file_name,
                                        std::string_view target_name) {
  LegacyParser parser(file_name, target_name);
  return parser.Run(text);
}

}  // namespace srp::target::config
