// srp-admin's text tables for the list verbs, from the JSON the control socket returns
// (control_service.h: {"devices": [...]} and {"sessions": [...]}). Deterministic: columns are
// as wide as their widest cell, rows in the order given; an empty list prints a header and
// "(none)".
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace srp::target::admin {

std::string FormatDeviceTable(const nlohmann::json& devices_result);
std::string FormatSessionTable(const nlohmann::json& sessions_result);
// Reload/edit results: one line per change, "needs restart: ..." lines, "warning: ..." lines.
std::string FormatReport(const nlohmann::json& report_result);

}  // namespace srp::target::admin
