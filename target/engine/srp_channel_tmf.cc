// Task management and tag bookkeeping of SrpChannel (§1.7 of srp-reference.md).
#include "lib/common/log.h"
#include "lib/scsi/lun.h"
#include "target/engine/srp_channel.h"

namespace srp::target {

// A command whose SRP_RSP is already queued is not in flight any more: the initiator may have
// received the response (and reused the tag) before our SEND completion arrives.
bool SrpChannel::TagInFlight(uint64_t tag, const SrpRequest* self) const {
  for (const auto& r : requests_) {
    if (r.get() == self || !r->active() || !r->is_command() || r->aborted()) continue;
    if (r->response_queued()) continue;
    if (r->tag() == tag && r->state() != RequestState::kNew) return true;
  }
  return false;
}

// Scope: the commands of this channel (ib_srp sends ABORT TASK on the command's channel).
// ABORT TASK for a tag that is not in flight (already answered) succeeds: the initiator's
// goal, that the command no longer runs, holds. Aborted commands get no SRP_RSP; their
// credits come back through a later response.
wire::TmfResponse SrpChannel::ExecuteTmf(const wire::TaskManagement& tmf, SrpRequest* self) {
  auto abort_matching = [&](auto&& match) {
    int n = 0;
    for (auto& r : requests_) {
      if (r.get() == self || !r->active() || !r->is_command() || r->aborted()) continue;
      if (match(*r) && r->Abort()) ++n;
    }
    return n;
  };
  switch (tmf.function) {
    case wire::TmfFunction::kAbortTask: {
      int n = abort_matching([&](const SrpRequest& r) { return r.tag() == tmf.task_tag; });
      SRP_LOG(kInfo, "ch {}: ABORT TASK tag {:#x}: {}", params_.id, tmf.task_tag,
              n > 0 ? "aborted" : "not in flight");
      return wire::TmfResponse::kComplete;
    }
    case wire::TmfFunction::kAbortTaskSet:
    case wire::TmfFunction::kClearTaskSet:
    case wire::TmfFunction::kLogicalUnitReset: {
      int n = abort_matching([&](const SrpRequest& r) { return r.lun() == tmf.lun; });
      SRP_LOG(kInfo, "ch {}: task management function {:#04x}: {} command(s) aborted", params_.id,
              static_cast<int>(tmf.function), n);
      if (tmf.function == wire::TmfFunction::kLogicalUnitReset) {
        // The other I_T nexuses learn of the reset through 29/00 (SAM-5 LOGICAL UNIT RESET).
        std::optional<uint32_t> lun = scsi::UnpackLun(std::as_bytes(std::span(tmf.lun)));
        std::shared_ptr<LogicalUnit> unit = lun ? luns().Find(*lun) : nullptr;
        if (unit) unit->OnLunReset(nexus_id());
      }
      return wire::TmfResponse::kComplete;
    }
    case wire::TmfFunction::kClearAca:
      return wire::TmfResponse::kComplete;
  }
  SRP_LOG(kInfo, "ch {}: task management function {:#04x} not supported", params_.id,
          static_cast<int>(tmf.function));
  return wire::TmfResponse::kNotSupported;
}

}  // namespace srp::target
