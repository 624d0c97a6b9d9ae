// Internal helpers shared by the lib/mad codecs. Not part of the public API.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "lib/common/status.h"

namespace srp::mad::internal {

// OK when `in` holds at least `need` bytes; else kInvalidArgument naming `what`.
inline Status CheckSize(std::span<const std::byte> in, size_t need, const char* what) {
  if (in.size() >= need) return Status::Ok();
  return InvalidArgument(std::string(what) + ": " + std::to_string(in.size()) + " bytes, need " +
                         std::to_string(need));
}

}  // namespace srp::mad::internal
