#include "target/config/config_validate.h"

#include <fmt/format.h>

#include "target/config/config_check.h"

namespace srp::target::config {
namespace {

Status CheckBackingFile(const Handler& h, const Device& d, const FsRoot& fs) {
  const Attribute* file = FindAttribute(d.attributes, "filename");
  if (file == nullptr) {
    return ErrorAt(d.where,
                   fmt::format("DEVICE '{}' ({}) needs a 'filename' attribute", d.name, h.name));
  }
  if (file->value.empty() || file->value[0] != '/') {
    return ErrorAt(d.where, fmt::format("DEVICE '{}': filename '{}' is not an absolute path",
                                        d.name, file->value));
  }
  if (!fs.Exists(file->value)) {
    return ErrorAt(
        d.where, fmt::format("DEVICE '{}': backing file '{}' does not exist", d.name, file->value));
  }
  return Status::Ok();
}

Status CheckSize(const Handler& h, const Device& d, bool required) {
  const Attribute* size_attr = FindAttribute(d.attributes, "size");
  if (size_attr == nullptr) {
    if (!required) return Status::Ok();
    return ErrorAt(d.where,
                   fmt::format("DEVICE '{}' ({}) needs a 'size' attribute", d.name, h.name));
  }
  SRP_ASSIGN_OR_RETURN(uint64_t size, GetUint(d.attributes, "size", 0));
  SRP_ASSIGN_OR_RETURN(uint64_t block, GetUint(d.attributes, "blocksize", 512));
  if (size == 0 || size % block != 0) {
    return ErrorAt(d.where, fmt::format("DEVICE '{}': size {} is not a positive multiple of the "
                                        "block size {}",
                                        d.name, size, block));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateConfiguration(const Configuration& config, const FsRoot& fs) {
  SRP_RETURN_IF_ERROR(CheckConfiguration(config));
  for (const Handler& h : config.handlers) {
    for (const Device& d : h.devices) {
      if (h.name == kHandlerFileio || h.name == kHandlerBlockio) {
        SRP_RETURN_IF_ERROR(CheckBackingFile(h, d, fs));
      } else if (h.name == kHandlerMemory) {
        SRP_RETURN_IF_ERROR(CheckSize(h, d, /*required=*/true));
      } else if (h.name == kHandlerNullio) {
        SRP_RETURN_IF_ERROR(CheckSize(h, d, /*required=*/false));
      }
    }
  }
  return Status::Ok();
}

}  // namespace srp::target::config
