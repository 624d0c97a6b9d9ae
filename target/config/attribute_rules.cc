#include "target/config/attribute_rules.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>

namespace srp::target::config {
namespace {

enum class Kind { kBool, kUint, kBlockSize, kAscii };

struct Rule {
  AttributeContext context;
  std::string_view key;
  Kind kind;
  uint64_t min = 0;
  uint64_t max = UINT64_MAX;  // for kAscii: the maximum length
};

using C = AttributeContext;

// Ranges follow reference §4 (SCST/LIO ib_srpt module parameters) and the
// INQUIRY field widths of SPC (vendor 8, product 16, revision 4 bytes).
constexpr std::array kRules = {
    Rule{C::kDevice, "nv_cache", Kind::kBool},
    Rule{C::kDevice, "write_through", Kind::kBool},
    Rule{C::kDevice, "o_direct", Kind::kBool},
    Rule{C::kDevice, "read_only", Kind::kBool},
    Rule{C::kDevice, "removable", Kind::kBool},
    Rule{C::kDevice, "rotational", Kind::kBool},
    Rule{C::kDevice, "thin_provisioned", Kind::kBool},
    Rule{C::kDevice, "blocksize", Kind::kBlockSize},
    Rule{C::kDevice, "size", Kind::kUint},
    Rule{C::kDevice, "size_mb", Kind::kUint},
    Rule{C::kDevice, "t10_vend_id", Kind::kAscii, 1, 8},
    Rule{C::kDevice, "prod_id", Kind::kAscii, 1, 16},
    Rule{C::kDevice, "prod_rev_lvl", Kind::kAscii, 1, 4},
    Rule{C::kDevice, "t10_dev_id", Kind::kAscii, 0, 255},
    Rule{C::kDevice, "usn", Kind::kAscii, 0, 255},
    Rule{C::kDriver, "srp_max_message_size", Kind::kUint, 64, UINT32_MAX},
    Rule{C::kDriver, "srp_max_req_size", Kind::kUint, 996, UINT32_MAX},
    Rule{C::kDriver, "srp_max_rsp_size", Kind::kUint, 40, UINT32_MAX},
    Rule{C::kDriver, "srp_max_rdma_size", Kind::kUint, 256, 16u << 20},
    Rule{C::kDriver, "thread", Kind::kUint, 0, 1},
    Rule{C::kDriver, "trace_flag", Kind::kUint, 0, UINT32_MAX},
    Rule{C::kDriver, "rdma_cm_port", Kind::kUint, 0, UINT16_MAX},
    Rule{C::kDriver, "use_srq", Kind::kBool},
    Rule{C::kDriver, "srpt_srq_size", Kind::kUint, 4, 65535},
    Rule{C::kDriver, "srpt_sq_size", Kind::kUint, 16, 65535},
    Rule{C::kDriver, "enabled", Kind::kBool},
    Rule{C::kDriver, "port_name", Kind::kAscii, 1, 255},
    Rule{C::kDriver, "node_guid", Kind::kAscii, 1, 19},
    Rule{C::kDriver, "port_guid", Kind::kAscii, 1, 19},
    Rule{C::kTarget, "enabled", Kind::kBool},
    Rule{C::kTarget, "rel_tgt_id", Kind::kUint, 1, 65535},
    Rule{C::kLun, "read_only", Kind::kBool},
};

Status Check(const Rule& rule, std::string_view value) {
  switch (rule.kind) {
    case Kind::kBool:
      if (value != "0" && value != "1") return InvalidArgument("expected 0 or 1");
      return Status::Ok();
    case Kind::kBlockSize:
      if (value != "512" && value != "4096") return InvalidArgument("expected 512 or 4096");
      return Status::Ok();
    case Kind::kUint: {
      Result<uint64_t> v = ParseUint(value);
      if (!v.ok()) return v.status();
      if (*v < rule.min || *v > rule.max) {
        return InvalidArgument(fmt::format("{} is out of range {}..{}", *v, rule.min, rule.max));
      }
      return Status::Ok();
    }
    case Kind::kAscii:
      if (value.size() < rule.min) return InvalidArgument("must not be empty");
      if (value.size() > rule.max) {
        return InvalidArgument(fmt::format("'{}' is longer than {} characters", value, rule.max));
      }
      for (char c : value) {
        if (c < 0x20 || c > 0x7e) return InvalidArgument("only printable ASCII is allowed");
      }
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

std::string_view AttributeContextName(AttributeContext context) {
  switch (context) {
    case C::kHandler:
      return "HANDLER";
    case C::kDevice:
      return "DEVICE";
    case C::kDriver:
      return "TARGET_DRIVER";
    case C::kTarget:
      return "TARGET";
    case C::kGroup:
      return "GROUP";
    case C::kLun:
      return "LUN";
  }
  return "?";
}

bool IsValidAttributeName(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Status CheckAttribute(AttributeContext context, const Attribute& attr) {
  for (const Rule& rule : kRules) {
    if (rule.context != context || rule.key != attr.key) continue;
    Status s = Check(rule, attr.value);
    if (!s.ok()) {
      return ErrorAt(attr.where, fmt::format("{} attribute '{}': {}", AttributeContextName(context),
                                             attr.key, s.message()));
    }
    return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace srp::target::config
