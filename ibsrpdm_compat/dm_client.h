// DmClient: the Device Management queries of the ibsrpdm walk, to one port
// (docs/srp-reference.md §5.1, §5.4 step 5), over the MAD seam.
//
// Every query is a GET (class 0x06, version 1) with a fresh non-zero TID,
// `timeout` per attempt and 1 + `retries` attempts (MadPort::Request; unlike
// ibsrpdm the retries really happen, §11.2). Errors:
//   kTimedOut        no answer (no agent on that port, or it is lost)
//   kRejected        an answer with a non-zero DM status (message has the status)
//   kProtocolError   an answer whose data does not decode
// Thread-safety: as the MadPort (one thread at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "lib/common/status.h"
#include "lib/mad/dm_codec.h"
#include "lib/mad/mad_port.h"

namespace srp::discovery {

struct DmClientOptions {
  std::chrono::milliseconds timeout{1000};  // per attempt
  int retries = 2;
};

class DmClient {
 public:
  DmClient(mad::MadPort& port, DmClientOptions options) : port_(port), options_(options) {}

  // `to`: the target port's LID (QPN 1, Q_Key 0x80010000) and the P_Key index
  // of the shared P_Key in the local table.
  Result<mad::ClassPortInfo> GetClassPortInfo(const mad::MadAddress& to);
  Result<mad::IoUnitInfo> GetIoUnitInfo(const mad::MadAddress& to);
  Result<mad::IoControllerProfile> GetIoControllerProfile(const mad::MadAddress& to, int slot);
  // One ServiceEntries GET: entries first..last (inclusive, at most 4).
  Result<std::vector<mad::ServiceEntry>> GetServiceEntries(const mad::MadAddress& to, int slot,
                                                           int first, int last);
  // All `count` entries of `slot` in chunks of 4 (first = j, last = min(j+3, count-1)).
  Result<std::vector<mad::ServiceEntry>> GetAllServiceEntries(const mad::MadAddress& to, int slot,
                                                              int count);

  const DmClientOptions& options() const { return options_; }

 private:
  // GET `attr_id`/`attr_mod`; the answer when its status is 0.
  Result<mad::Mad> Get(const mad::MadAddress& to, uint16_t attr_id, uint32_t attr_mod);

  mad::MadPort& port_;
  DmClientOptions options_;
};

// A fresh, non-zero, process-wide unique MAD TID (also used for SA queries).
uint64_t NextTid();

}  // namespace srp::discovery
