#include "initiator_tools/srp_login/login_line.h"

#include <algorithm>
#include <vector>

namespace srp::login {
namespace {

std::string_view KeyOf(std::string_view option) { return option.substr(0, option.find('=')); }

std::vector<std::string> SplitOptions(std::string_view line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= line.size()) {
    size_t end = line.find_first_of(",\n", start);
    if (end == std::string_view::npos) end = line.size();
    std::string_view item = line.substr(start, end - start);
    while (!item.empty() && (item.back() == '\r' || item.back() == ' ')) item.remove_suffix(1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) {
    if (!s.empty()) s += ',';
    s += i;
  }
  return s;
}

}  // namespace

Result<PreparedLine> PrepareLine(std::string_view line, const LoginRules& rules) {
  std::vector<std::string> items = SplitOptions(line);
  auto parsed = wire::ParseTargetString(Join(items));
  if (!parsed.ok()) return parsed.status();
  PreparedLine out;
  const RuleDecision decision = rules.Decide(*parsed);
  out.allowed = decision.allow;
  out.rule_line = decision.rule ? decision.rule->line : 0;
  std::vector<std::string> tail;
  if (decision.rule && decision.allow) {
    for (const auto& [key, value] : decision.rule->options) {
      std::erase_if(items, [&](const std::string& i) { return KeyOf(i) == key; });
      tail.push_back(key + "=" + value);
    }
  }
  std::vector<std::string> iu;
  for (const std::string& i : items) {
    if (KeyOf(i) == "max_it_iu_size") iu.push_back(i);
  }
  std::erase_if(items, [](const std::string& i) { return KeyOf(i) == "max_it_iu_size"; });
  items.insert(items.end(), tail.begin(), tail.end());
  items.insert(items.end(), iu.begin(), iu.end());
  out.text = Join(items);
  auto final_target = wire::ParseTargetString(out.text);
  if (!final_target.ok()) return final_target.status();
  out.target = std::move(final_target).value();
  return out;
}

}  // namespace srp::login
