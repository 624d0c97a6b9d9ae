// srp_daemon.conf-style login rules (docs/srp-reference.md §6).
//
//   # comment                  blank lines and '#' lines are ignored
//   d  dgid=fe800000000000000002c903000f1367
//   a  id_ext=0002c903000f1366,queue_size=128,max_cmd_per_lun=32
//   a  max_sect=1024           (no match keys: matches every target)
//
// A rule is 'a' (allow) or 'd' (deny), white space, then a comma-separated
// list. Match keys (hex, compared as numbers): id_ext, ioc_guid, dgid (32 hex
// digits or IPv6 text), service_id, pkey (membership bit ignored). Allow rules
// may add options (decimal): allow_ext_sg, ch_count, cmd_sg_entries,
// comp_vector, max_cmd_per_lun, max_sect, queue_size, sg_tablesize,
// tl_retry_count; deny rules may not. The first rule whose keys all match
// decides; no match = allow without options.
// Errors name the file and line: unknown key, bad value, a key twice, a line
// not starting with a/d.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/status.h"
#include "lib/srp/target_string.h"

namespace srp::login {

struct LoginRule {
  bool allow = true;
  std::optional<uint64_t> id_ext;
  std::optional<uint64_t> ioc_guid;
  std::optional<Gid> dgid;
  std::optional<uint64_t> service_id;
  std::optional<uint16_t> pkey;
  // Options to append, in rule order: (key, decimal value text).
  std::vector<std::pair<std::string, std::string>> options;
  int line = 0;  // 1-based line in the rules file
};

struct RuleDecision {
  bool allow = true;
  const LoginRule* rule = nullptr;  // the matching rule, nullptr = none matched
};

class LoginRules {
 public:
  // `source` names the text in error messages ("<file>:<line>: ...").
  static Result<LoginRules> Parse(std::string_view text, std::string_view source);
  // The first rule matching `target`.
  RuleDecision Decide(const wire::TargetString& target) const;
  const std::vector<LoginRule>& rules() const { return rules_; }

 private:
  std::vector<LoginRule> rules_;
};

}  // namespace srp::login
