#include "initiator_tools/srp_login/rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace srp::login {
namespace {

constexpr std::array<std::string_view, 9> kRuleOptions = {
    "allow_ext_sg", "ch_count",   "cmd_sg_entries", "comp_vector",   "max_cmd_per_lun",
    "max_sect",     "queue_size", "sg_tablesize",   "tl_retry_count"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsDecimal(std::string_view v) {
  uint32_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return !v.empty() && ec == std::errc() && end == v.data() + v.size();
}

Status ParseItem(std::string_view item, LoginRule& rule) {
  const size_t eq = item.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size()) {
    return InvalidArgument(fmt::format("'{}' is not key=value", item));
  }
  const std::string key(item.substr(0, eq));
  const std::string_view value = item.substr(eq + 1);
  auto dup = [&](bool set) {
    return set ? InvalidArgument(fmt::format("'{}' given twice", key)) : Status::Ok();
  };
  auto bad = [&](const Status& st) {
    return InvalidArgument(fmt::format("bad {} '{}': {}", key, value, st.message()));
  };
  if (key == "id_ext" || key == "ioc_guid" || key == "service_id") {
    std::optional<uint64_t>& field =
        key == "id_ext" ? rule.id_ext : (key == "ioc_guid" ? rule.ioc_guid : rule.service_id);
    SRP_RETURN_IF_ERROR(dup(field.has_value()));
    auto v = ParseHexU64(value);
    if (!v.ok()) return bad(v.status());
    field = *v;
    return Status::Ok();
  }
  if (key == "dgid") {
    SRP_RETURN_IF_ERROR(dup(rule.dgid.has_value()));
    auto v = ParseGid(value);
    if (!v.ok()) return bad(v.status());
    rule.dgid = *v;
    return Status::Ok();
  }
  if (key == "pkey") {
    SRP_RETURN_IF_ERROR(dup(rule.pkey.has_value()));
    auto v = ParseHexU16(value);
    if (!v.ok()) return bad(v.status());
    rule.pkey = *v;
    return Status::Ok();
  }
  if (std::find(kRuleOptions.begin(), kRuleOptions.end(), key) != kRuleOptions.end()) {
    if (!rule.allow) return InvalidArgument(fmt::format("'{}' in a deny rule", key));
    for (const auto& [k, v] : rule.options) SRP_RETURN_IF_ERROR(dup(k == key));
    if (!IsDecimal(value)) return InvalidArgument(fmt::format("{} needs a decimal value", key));
    rule.options.emplace_back(key, std::string(value));
    return Status::Ok();
  }
  return InvalidArgument(fmt::format("unknown key '{}'", key));
}

}  // namespace

Result<LoginRules> LoginRules::Parse(std::string_view text, std::string_view source) {
  LoginRules rules;
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](const Status& st) {
      return InvalidArgument(fmt::format("{}:{}: {}", source, line_no, st.message()));
    };
    LoginRule rule;
    rule.line = line_no;
    if (line.front() != 'a' && line.front() != 'd') {
      return fail(InvalidArgument("a rule starts with 'a' (allow) or 'd' (deny)"));
    }
    rule.allow = line.front() == 'a';
    std::string_view rest = line.substr(1);
    if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t') {
      return fail(InvalidArgument("white space expected after 'a'/'d'"));
    }
    rest = Trim(rest);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view item = Trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item.empty()) continue;
      if (Status st = ParseItem(item, rule); !st.ok()) return fail(st);
    }
    rules.rules_.push_back(std::move(rule));
  }
  return rules;
}

RuleDecision LoginRules::Decide(const wire::TargetString& t) const {
  for (const LoginRule& r : rules_) {
    if (r.id_ext && *r.id_ext != t.id_ext) continue;
    if (r.ioc_guid && *r.ioc_guid != t.ioc_guid) continue;
    if (r.dgid && (!t.dgid || !(*r.dgid == *t.dgid))) continue;
    if (r.service_id && (!t.service_id || *r.service_id != *t.service_id)) continue;
    if (r.pkey && (!t.pkey || (*r.pkey & 0x7fff) != (*t.pkey & 0x7fff))) continue;
    return RuleDecision{r.allow, &r};
  }
  return RuleDecision{};
}

}  // namespace srp::login
