// Writer of the current /etc/scst.conf format, laid out like scstadmin's
// -write_config output: tab indentation, a blank line between top-level
// blocks, a target's attributes, then its LUNs, then its groups.
// Deterministic: the model's order is kept. ParseScstConfig of the output
// yields a Configuration equal (operator==) to the input.
#pragma once

#include <string>

#include "target/config/config_model.h"

namespace srp::target::config {

std::string WriteScstConfig(const Configuration& config);

// A word as the parser reads it back: bare, or in double quotes when it is
// empty or contains blanks, '#', '{', '}', '"' or '\' (then \" and \\ escaped).
std::string QuoteConfigWord(std::string_view word);

}  // namespace srp::target::config
