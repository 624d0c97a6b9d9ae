#include "target/config/scst_config_writer.h"

#include <fmt/format.h>

namespace srp::target::config {
namespace {

void Indent(std::string& out, int depth) { out.append(static_cast<size_t>(depth), '\t'); }

void WriteAttributes(std::string& out, const AttributeList& attrs, int depth) {
  for (const Attribute& a : attrs) {
    Indent(out, depth);
    out += fmt::format("{} {}\n", QuoteConfigWord(a.key), QuoteConfigWord(a.value));
  }
}

void WriteLuns(std::string& out, const std::vector<LunAssignment>& luns, int depth) {
  for (const LunAssignment& l : luns) {
    Indent(out, depth);
    out += fmt::format("LUN {} {}", l.lun, QuoteConfigWord(l.device));
    if (l.attributes.empty()) {
      out += '\n';
      continue;
    }
    out += " {\n";
    WriteAttributes(out, l.attributes, depth + 1);
    Indent(out, depth);
    out += "}\n";
  }
}

// Writes "KEYWORD name" and, when `has_body`, opens a block. Returns has_body.
bool Open(std::string& out, int depth, std::string_view keyword, std::string_view name,
          bool has_body) {
  Indent(out, depth);
  out += fmt::format("{} {}{}\n", keyword, QuoteConfigWord(name), has_body ? " {" : "");
  return has_body;
}

void Close(std::string& out, int depth) {
  Indent(out, depth);
  out += "}\n";
}

void WriteGroup(std::string& out, const Group& g, int depth) {
  bool body = !g.attributes.empty() || !g.luns.empty() || !g.initiators.empty();
  if (!Open(out, depth, "GROUP", g.name, body)) return;
  WriteAttributes(out, g.attributes, depth + 1);
  if (!g.attributes.empty() && !g.luns.empty()) out += '\n';
  WriteLuns(out, g.luns, depth + 1);
  if ((!g.attributes.empty() || !g.luns.empty()) && !g.initiators.empty()) out += '\n';
  for (const InitiatorEntry& i : g.initiators) {
    Indent(out, depth + 1);
    out += fmt::format("INITIATOR {}\n", QuoteConfigWord(i.name));
  }
  Close(out, depth);
}

void WriteTarget(std::string& out, const Target& t, int depth) {
  bool body = !t.attributes.empty() || !t.default_luns.empty() || !t.groups.empty();
  if (!Open(out, depth, "TARGET", t.name, body)) return;
  WriteAttributes(out, t.attributes, depth + 1);
  bool need_blank = !t.attributes.empty();
  if (!t.default_luns.empty()) {
    if (need_blank) out += '\n';
    WriteLuns(out, t.default_luns, depth + 1);
    need_blank = true;
  }
  for (const Group& g : t.groups) {
    if (need_blank) out += '\n';
    WriteGroup(out, g, depth + 1);
    need_blank = true;
  }
  Close(out, depth);
}

}  // namespace

std::string QuoteConfigWord(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) {
    if (c == ' ' || c == '\t' || c == '#' || c == '{' || c == '}' || c == '"' || c == '\\' ||
        c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(word);
  std::string out = "\"";
  for (char c : word) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string WriteScstConfig(const Configuration& config) {
  std::string out;
  bool first = true;
  auto separate = [&] {
    if (!first) out += '\n';
    first = false;
  };
  for (const Handler& h : config.handlers) {
    separate();
    out += fmt::format("HANDLER {} {{\n", QuoteConfigWord(h.name));
    WriteAttributes(out, h.attributes, 1);
    if (!h.attributes.empty() && !h.devices.empty()) out += '\n';
    for (const Device& d : h.devices) {
      if (!Open(out, 1, "DEVICE", d.name, !d.attributes.empty())) continue;
      WriteAttributes(out, d.attributes, 2);
      Close(out, 1);
    }
    out += "}\n";
  }
  for (const TargetDriver& drv : config.drivers) {
    separate();
    out += fmt::format("TARGET_DRIVER {} {{\n", QuoteConfigWord(drv.name));
    WriteAttributes(out, drv.attributes, 1);
    bool need_blank = !drv.attributes.empty();
    for (const Target& t : drv.targets) {
      if (need_blank) out += '\n';
      WriteTarget(out, t, 1);
      need_blank = true;
    }
    out += "}\n";
  }
  return out;
}

}  // namespace srp::target::config
