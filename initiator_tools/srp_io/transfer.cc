#include "initiator_tools/srp_io/transfer.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <vector>

#include "lib/scsi/cdb_build.h"
#include "lib/scsi/constants.h"

namespace srp::srp_io {
namespace {

constexpr int kMaxRetries = 100;

bool Retryable(const initiator::ScsiResult& r) {
  if (!r.transport.ok()) return false;
  const auto st = static_cast<scsi::ScsiStatus>(r.status);
  if (st == scsi::ScsiStatus::kBusy || st == scsi::ScsiStatus::kTaskSetFull) return true;
  return st == scsi::ScsiStatus::kCheckCondition && r.parsed_sense &&
         r.parsed_sense->key == scsi::SenseKey::kUnitAttention;
}

}  // namespace

Result<TransferStats> RunTransfer(initiator::Session& session, const TransferSpec& spec,
                                  const ChunkFn& chunk) {
  if (spec.bs == 0 || spec.bs % spec.block_size != 0) {
    return InvalidArgument(
        fmt::format("--bs {} is not a multiple of the block size {}", spec.bs, spec.block_size));
  }
  const uint32_t qd = std::max<uint32_t>(spec.queue_depth, 1);
  SRP_ASSIGN_OR_RETURN(auto buffer, session.AllocateBuffer(size_t{spec.bs} * qd));
  struct Slot {
    uint64_t offset = 0;
    uint32_t length = 0;
    int retries = 0;
    bool busy = false;
  };
  std::vector<Slot> slots(qd);
  std::deque<uint32_t> resubmit;
  TransferStats stats;
  Status failure;
  uint64_t next = spec.offset;
  const uint64_t end = spec.offset + spec.size;
  uint32_t in_flight = 0;
  uint64_t completions = 0;
  const auto start = std::chrono::steady_clock::now();

  auto submit = [&](uint32_t s) -> Status {
    Slot& slot = slots[s];
    initiator::ScsiCommand cmd;
    cmd.lun = spec.lun;
    cmd.cdb = scsi::BuildReadWrite(spec.write, slot.offset / spec.block_size,
                                   slot.length / spec.block_size);
    cmd.direction = spec.write ? wire::DataDirection::kOut : wire::DataDirection::kIn;
    cmd.segments = {buffer->Segment(size_t{s} * spec.bs, slot.length)};
    auto tag = session.Submit(std::move(cmd), [&, s](const initiator::ScsiResult& r) {
      ++completions;
      Slot& done = slots[s];
      if (Retryable(r) && done.retries < kMaxRetries) {
        ++done.retries;
        ++stats.retries;
        resubmit.push_back(s);
        return;
      }
      --in_flight;
      done.busy = false;
      if (!r.good()) {
        if (failure.ok()) {
          failure = Status(r.transport.ok() ? StatusCode::kIoError : r.transport.code(),
                           fmt::format("{} at byte offset {}: {}", spec.write ? "WRITE" : "READ",
                                       done.offset, r.Describe()));
        }
        return;
      }
      ++stats.commands;
      stats.bytes += done.length;
      if (!spec.write && failure.ok()) {
        Status s2 = chunk(done.offset, buffer->bytes().subspan(size_t{s} * spec.bs, done.length));
        if (!s2.ok()) failure = s2;
      }
    });
    return tag.status();
  };

  while (failure.ok() && (next < end || in_flight > 0)) {
    while (!resubmit.empty() && failure.ok()) {
      const uint32_t s = resubmit.front();
      resubmit.pop_front();
      Status st = submit(s);
      if (!st.ok()) failure = st;
    }
    for (uint32_t s = 0; s < qd && next < end && failure.ok(); ++s) {
      if (slots[s].busy) continue;
      slots[s] =
          Slot{next, static_cast<uint32_t>(std::min<uint64_t>(spec.bs, end - next)), 0, true};
      next += slots[s].length;
      if (spec.write) {
        Status st =
            chunk(slots[s].offset, buffer->bytes().subspan(size_t{s} * spec.bs, slots[s].length));
        if (!st.ok()) {
          failure = st;
          break;
        }
      }
      ++in_flight;
      Status st = submit(s);
      if (!st.ok()) failure = st;
    }
    if (!failure.ok() || in_flight == 0) break;
    const uint64_t seen = completions;
    Status w = session.WaitUntil([&] { return completions != seen; }, spec.timeout);
    if (!w.ok()) failure = w;
  }
  // Let commands still in flight finish before the buffer goes away (bounded).
  if (in_flight > 0) {
    (void)session.WaitUntil([&] { return session.outstanding() == 0; }, spec.timeout);
    if (session.outstanding() != 0) (void)session.Logout(false);
  }
  if (!failure.ok()) return failure;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace srp::srp_io
