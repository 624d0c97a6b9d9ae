// Finding the toolkit's other executables at run time, so installed tools and a build tree
// work the same way (no build-tree path is compiled in).
#pragma once

#include <string>
#include <string_view>

namespace srp {

// Directory of the running executable (/proc/self/exe), or "." when it cannot be read.
std::string SelfDir();

// Path of the companion tool `name`: `SelfDir()/name` when that is executable, else the first
// executable `name` on $PATH, else `SelfDir()/name` (so the error message names where it was
// expected).
std::string FindCompanionTool(std::string_view name);

}  // namespace srp
