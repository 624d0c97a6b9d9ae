// The ib_srp add_target line (§6, §7 of docs/srp-reference.md): parse and format.
//
//   id_ext=<text>,ioc_guid=%016llx,dgid=%016llx%016llx,pkey=%04x,service_id=%016llx
//     [,<optional options>...]
//
// Options are separated by ',' or newline; empty options are skipped (as the kernel
// does). Mandatory: {id_ext, ioc_guid, dgid, pkey, service_id} or {id_ext, ioc_guid, dest}.
// Stricter than the kernel in two documented ways: a key given twice is an error, and
// decimal options must be non-negative (port 0 in dest is rejected too).
//
// Formatting reproduces ibsrpdm's `-c` spelling: id_ext as the original text (case kept),
// then ioc_guid, dgid, pkey, service_id, dest (those present, in that order), then the
// optional options in the order they were parsed (`option_order`), then any optional
// option that is set but not listed there, in ibsrpdm's order (io_class, initiator_ext,
// tl_retry_count, rule options, max_it_iu_size, ...). Hex values are lower-case and
// zero-padded, decimals plain. Therefore FormatTargetString(ParseTargetString(s)) == s
// for every canonical line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/status.h"

namespace srp::wire {

// dest=IPv4:port or dest=[IPv6%scope]:port (RDMA CM login).
struct DestAddress {
  std::string host;   // address text without brackets and scope
  std::string scope;  // IPv6 zone (interface name or number); may be empty
  uint16_t port = 0;
  bool ipv6 = false;
  bool operator==(const DestAddress&) const = default;
};

struct TargetString {
  std::string id_ext_text;  // as written (ibsrpdm copies the service-name text verbatim)
  uint64_t id_ext = 0;
  uint64_t ioc_guid = 0;
  std::optional<Gid> dgid;
  std::optional<uint16_t> pkey;
  std::optional<uint64_t> service_id;
  std::optional<DestAddress> dest;
  // Optional options.
  std::optional<std::string> src;         // IP address (RDMA CM source)
  std::optional<uint16_t> io_class;       // 0x0100 or 0xff00
  std::optional<uint64_t> initiator_ext;  // hex
  std::optional<uint32_t> max_it_iu_size;
  std::optional<uint32_t> max_cmd_per_lun;  // >= 1
  std::optional<uint32_t> queue_size;       // >= 1
  std::optional<uint32_t> max_sect;
  std::optional<uint32_t> cmd_sg_entries;  // 1..255
  std::optional<uint32_t> allow_ext_sg;    // boolean int
  std::optional<uint32_t> sg_tablesize;    // 1..2048
  std::optional<uint32_t> comp_vector;
  std::optional<uint32_t> tl_retry_count;    // 2..7
  std::optional<uint32_t> target_can_queue;  // >= 1
  std::optional<uint32_t> ch_count;          // >= 1
  // Names of the optional options in the order they were given.
  std::vector<std::string> option_order;

  bool uses_rdma_cm() const { return dest.has_value(); }
  bool operator==(const TargetString&) const = default;
};

// Errors (kInvalidArgument): "unknown parameter or missing value '<opt>'", a bad value
// for a known option (message names the option), a duplicate option, a missing
// mandatory set.
Result<TargetString> ParseTargetString(std::string_view text);

// The canonical line (no trailing newline). id_ext uses id_ext_text when set, else
// %016llx of id_ext.
std::string FormatTargetString(const TargetString& target);

// Parses "IPv4:port", "[IPv6]:port", "[IPv6%scope]:port" (also unbracketed IPv6 with the
// port after the last ':', as the kernel does).
Result<DestAddress> ParseDestAddress(std::string_view text);
std::string FormatDestAddress(const DestAddress& dest);

}  // namespace srp::wire
