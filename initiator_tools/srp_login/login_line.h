// One target line through srp-login: validate (§7 keys and values, via
// lib/srp/target_string.h), apply the rules, and produce the exact text that
// is written to add_target.
//
// The text keeps the input's spelling (id_ext case, option order) except:
// options the matching allow rule sets are removed from where they were and
// appended in rule order (the rule wins), and max_it_iu_size always comes
// last, as srp_daemon writes it. Empty options (",,") are dropped.
#pragma once

#include <string>
#include <string_view>

#include "initiator_tools/srp_login/rules.h"
#include "lib/common/status.h"
#include "lib/srp/target_string.h"

namespace srp::login {

struct PreparedLine {
  std::string text;           // what goes to add_target (no newline)
  wire::TargetString target;  // `text` parsed
  bool allowed = true;        // false: a deny rule matched
  int rule_line = 0;          // the deciding rule's line, 0 = none
};

// kInvalidArgument naming the bad option (from the input or after the rule's
// options were added).
Result<PreparedLine> PrepareLine(std::string_view line, const LoginRules& rules);

}  // namespace srp::login
