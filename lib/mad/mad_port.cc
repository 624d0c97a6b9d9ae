#include "lib/mad/mad_port.h"

#include <fmt/format.h>

#include "lib/common/log.h"

namespace srp::mad {

Result<ReceivedMad> MadPort::Receive(std::chrono::milliseconds timeout) {
  if (!queued_.empty()) {
    ReceivedMad r = std::move(queued_.front());
    queued_.pop_front();
    return r;
  }
  return DoReceive(timeout);
}

Result<Mad> MadPort::Request(const MadAddress& to, const Mad& request,
                             std::chrono::milliseconds timeout, int retries) {
  using Clock = std::chrono::steady_clock;
  const uint64_t tid = request.tid();
  const uint8_t mgmt_class = request.mgmt_class();
  const int attempts = 1 + std::max(retries, 0);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    SRP_RETURN_IF_ERROR(Send(to, request.wire()));
    const auto deadline = Clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) left = std::chrono::milliseconds(0);  // still drain what is there
      auto got = DoReceive(left);
      if (!got.ok()) {
        if (got.status().code() == StatusCode::kTimedOut) break;
        return got.status();
      }
      const Mad& mad = got->mad;
      if (!mad.is_response()) {
        if (queued_.size() >= kMaxQueued) queued_.pop_front();
        queued_.push_back(std::move(*got));
        continue;
      }
      if (mad.tid() == tid && mad.mgmt_class() == mgmt_class) return std::move(got->mad);
      SRP_LOG(kDebug, "mad: discarding response with TID {:#x} (waiting for {:#x})", mad.tid(),
              tid);
    }
    SRP_LOG(kDebug, "mad: TID {:#x} to LID {:#x}: attempt {}/{} timed out", tid, to.lid,
            attempt + 1, attempts);
  }
  return Status(
      StatusCode::kTimedOut,
      fmt::format("no response to MAD class {:#04x} attr {:#06x} TID {:#x} from LID "
                  "{:#x} after {} attempt(s) of {} ms",
                  mgmt_class, request.header().attr_id, tid, to.lid, attempts, timeout.count()));
}

}  // namespace srp::mad
