#include "initiator_tools/initiator/session_options.h"

#include <fmt/format.h>

#include <algorithm>

namespace srp::initiator {

Result<SessionOptions> OptionsFromTargetString(const wire::TargetString& target) {
  SessionOptions o;
  o.id_ext = target.id_ext;
  o.ioc_guid = target.ioc_guid;
  if (target.dest) {
    std::string host = target.dest->host;
    if (!target.dest->scope.empty()) host += "%" + target.dest->scope;
    o.destination = fabric::Address::Ip(std::move(host), target.dest->port);
  } else if (target.dgid && target.service_id) {
    o.destination =
        fabric::Address::Ib(*target.dgid, *target.service_id, target.pkey.value_or(0xffff));
  } else {
    return InvalidArgument("target string has neither dest= nor dgid= and service_id=");
  }
  if (target.io_class) {
    if (*target.io_class != static_cast<uint16_t>(wire::IoClass::kSrpRev16a) &&
        *target.io_class != static_cast<uint16_t>(wire::IoClass::kSrpRev10)) {
      return InvalidArgument(
          fmt::format("io_class 0x{:04x}: expected 0x0100 or 0xff00", *target.io_class));
    }
    o.io_class = static_cast<wire::IoClass>(*target.io_class);
  }
  o.initiator_ext = target.initiator_ext.value_or(0);
  if (target.queue_size) o.queue_size = *target.queue_size;
  if (target.cmd_sg_entries) o.cmd_sg_entries = *target.cmd_sg_entries;
  if (target.allow_ext_sg) o.allow_ext_sg = *target.allow_ext_sg != 0;
  if (target.sg_tablesize) o.sg_tablesize = *target.sg_tablesize;
  if (target.max_it_iu_size) o.max_it_iu_size = *target.max_it_iu_size;
  if (o.queue_size == 0) return InvalidArgument("queue_size must be at least 1");
  if (o.cmd_sg_entries == 0 || o.cmd_sg_entries > 255) {
    return InvalidArgument("cmd_sg_entries must be 1..255");
  }
  o.sg_tablesize = std::max(o.sg_tablesize, o.cmd_sg_entries);
  return o;
}

Result<SessionOptions> OptionsFromTargetString(std::string_view text) {
  SRP_ASSIGN_OR_RETURN(wire::TargetString target, wire::ParseTargetString(text));
  return OptionsFromTargetString(target);
}

uint32_t ComputeReqItIuLen(const SessionOptions& options) {
  const uint32_t sg_len =
      static_cast<uint32_t>(wire::kCmdHeaderSize + 16 + wire::kIndirectHeaderSize +
                            wire::kDirectDescSize * options.cmd_sg_entries);
  uint32_t len = sg_len;
  if (options.use_imm_data) len = std::max(len, kImmDataOffset + options.max_imm_data);
  if (options.max_it_iu_size != 0) len = std::min(len, options.max_it_iu_size);
  return len;
}

}  // namespace srp::initiator
