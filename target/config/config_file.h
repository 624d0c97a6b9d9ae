// Writing a configuration file so that a reader never sees half of it: the text goes to a
// temporary file in the same directory, is fsync'ed, and replaces `path` with rename(2).
#pragma once

#include <string>

#include "lib/common/status.h"
#include "target/config/config_model.h"

namespace srp::target::config {

Status WriteTextFileAtomically(const std::string& path, const std::string& text);
// WriteScstConfig(config) to `path`, atomically.
Status WriteConfigFile(const std::string& path, const Configuration& config);

}  // namespace srp::target::config
