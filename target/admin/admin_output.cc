#include "target/admin/admin_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace srp::target::admin {
namespace {

using nlohmann::json;
using Row = std::vector<std::string>;

std::string Table(const Row& header, const std::vector<Row>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const Row& r : rows)
    for (size_t c = 0; c < r.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], r[c].size());
  auto line = [&](const Row& r) {
    std::string out;
    for (size_t c = 0; c < r.size(); ++c) {
      if (c + 1 == r.size()) {
        out += r[c];
      } else {
        out += fmt::format("{:<{}}  ", r[c], width[c]);
      }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  if (rows.empty()) out += "(none)\n";
  for (const Row& r : rows) out += line(r);
  return out;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string Join(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->empty()) return "-";
  std::string out;
  for (const json& v : *it) {
    if (!out.empty()) out += ",";
    out += v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

const json& List(const json& result, const char* key) {
  static const json kEmpty = json::array();
  auto it = result.find(key);
  return it != result.end() && it->is_array() ? *it : kEmpty;
}

}  // namespace

std::string FormatDeviceTable(const json& result) {
  std::vector<Row> rows;
  for (const json& d : List(result, "devices")) {
    uint64_t bytes = d.value("size_bytes", uint64_t{0});
    rows.push_back({Str(d, "name"), Str(d, "handler"),
                    bytes == 0 ? "-" : fmt::format("{}", bytes >> 20), Str(d, "block_size"),
                    d.value("read_only", false) ? "yes" : "no",
                    Str(d, "filename").empty() ? "-" : Str(d, "filename"), Join(d, "luns")});
  }
  return Table({"Device", "Handler", "Size(MiB)", "Block", "RO", "Filename", "LUNs"}, rows);
}

std::string FormatSessionTable(const json& result) {
  std::vector<Row> rows;
  for (const json& s : List(result, "sessions")) {
    rows.push_back({Str(s, "target"), Str(s, "name"), Str(s, "initiator_port_id"), Str(s, "group"),
                    Join(s, "luns"), Str(s, "channels")});
  }
  return Table({"Target", "Session", "Initiator port id", "Group", "LUNs", "Channels"}, rows);
}

std::string FormatReport(const json& result) {
  std::string out;
  for (const json& l : List(result, "applied")) out += l.get<std::string>() + "\n";
  for (const json& l : List(result, "needs_restart"))
    out += "needs restart: " + l.get<std::string>() + "\n";
  for (const json& l : List(result, "warnings")) out += "warning: " + l.get<std::string>() + "\n";
  if (out.empty()) out = "no change\n";
  return out;
}

}  // namespace srp::target::admin
