// Value checks for the attributes we know. Attribute names are open-ended
// (SCST grows new ones; unknown keys pass through to the handler or driver),
// but a known key must carry a well-formed value: numbers are numbers,
// booleans are 0/1, blocksize is 512 or 4096, INQUIRY strings fit their field.
#pragma once

#include <string_view>

#include "lib/common/status.h"
#include "target/config/config_model.h"

namespace srp::target::config {

enum class AttributeContext { kHandler, kDevice, kDriver, kTarget, kGroup, kLun };

std::string_view AttributeContextName(AttributeContext context);

// OK when `attr.key` is unknown in `context` or its value is valid; otherwise
// an error "<file>:<line>: <context> attribute '<key>': <why>".
Status CheckAttribute(AttributeContext context, const Attribute& attr);

// Syntax of an attribute name: [a-z0-9_]+ (SCST's sysfs attribute names).
bool IsValidAttributeName(std::string_view key);

}  // namespace srp::target::config
