// Consistency rules of a Configuration that need no file system: known
// handler and driver names, unique device/target/group names, LUN numbers in
// range and unique per LUN set, LUNs naming existing devices, valid values
// of known attributes. Both parsers run it; ValidateConfiguration runs it
// again (a model edited by admin commands never skips it).
#pragma once

#include "lib/common/status.h"
#include "target/config/config_model.h"

namespace srp::target::config {

// The first violation, as "<file>:<line>: <what>" (kInvalidArgument).
Status CheckConfiguration(const Configuration& config);

}  // namespace srp::target::config
