// Reader of the current /etc/scst.conf format (reference §8).
//
// Grammar (one statement per line; '{' and '}' also end a statement):
//   file      := { HANDLER name [block] | TARGET_DRIVER name [block] }
//   HANDLER   block: DEVICE name [block] | attribute
//   DEVICE    block: attribute
//   TARGET_DRIVER block: TARGET name [block] | attribute
//   TARGET    block: LUN n device [block] | GROUP name [block] | attribute
//   GROUP     block: LUN n device [block] | INITIATOR name | attribute
//   LUN       block: attribute
//   attribute := key value        (key is [a-z0-9_]+)
// '#' starts a comment (to the end of the line) where a word could start;
// a value with blanks, '#', '{', '}' or '"' is written in double quotes
// (inside, \" and \\ escape). Keywords are upper case; a word starting with
// an upper-case letter that is no keyword of its context is an error, so a
// misspelt structure keyword is never taken for an attribute.
//
// The parser is pure: it never touches the file system (see
// ValidateConfiguration for backing files). Every error is kInvalidArgument
// with the message "<file>:<line>: <what>".
#pragma once

#include <string>
#include <string_view>

#include "lib/common/status.h"
#include "target/config/config_model.h"

namespace srp::target::config {

// Parses and runs CheckConfiguration (names, LUNs, known attribute values).
Result<Configuration> ParseScstConfig(std::string_view text, std::string_view file_name);

// Reads `path` (any file, not through FsRoot) and parses it.
Result<Configuration> LoadScstConfig(const std::string& path);

}  // namespace srp::target::config
