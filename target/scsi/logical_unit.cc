#include "target/scsi/logical_unit.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "lib/common/log.h"
#include "target/scsi/command_table.h"

namespace srp::target {
namespace {

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

Status CheckAscii(std::string_view what, const std::string& value, size_t max_len,
                  bool allow_empty) {
  if (value.empty() && !allow_empty) return InvalidArgument(fmt::format("{} is empty", what));
  if (value.size() > max_len) {
    return InvalidArgument(fmt::format("{} '{}' longer than {} characters", what, value, max_len));
  }
  const bool printable =
      std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  if (!printable) return InvalidArgument(fmt::format("{} has non-printable characters", what));
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<LogicalUnit>> LogicalUnit::Create(LogicalUnitOptions options,
                                                         std::shared_ptr<BlockBackend> backend) {
  if (backend == nullptr) return InvalidArgument("logical unit without a backend");
  SRP_RETURN_IF_ERROR(CheckAscii("device name", options.name, 255, false));
  if (options.product.empty()) options.product = options.name.substr(0, 16);
  if (options.serial.empty()) {
    options.serial = fmt::format("{:08x}", static_cast<uint32_t>(Fnv1a64(options.name)));
  }
  if (!options.naa_id.has_value()) {
    // NAA 3h: locally assigned, 60-bit value (SPC-4 7.8.6.6.3).
    options.naa_id = (uint64_t{3} << 60) | (Fnv1a64(options.name) & 0x0FFFFFFFFFFFFFFFull);
  }
  SRP_RETURN_IF_ERROR(CheckAscii("vendor", options.vendor, 8, false));
  SRP_RETURN_IF_ERROR(CheckAscii("product", options.product, 16, false));
  SRP_RETURN_IF_ERROR(CheckAscii("revision", options.revision, 4, false));
  SRP_RETURN_IF_ERROR(CheckAscii("serial", options.serial, 64, false));
  if (options.queue_depth == 0) return InvalidArgument("queue depth 0");
  return std::shared_ptr<LogicalUnit>(new LogicalUnit(std::move(options), std::move(backend)));
}

LogicalUnit::LogicalUnit(LogicalUnitOptions options, std::shared_ptr<BlockBackend> backend)
    : options_(std::move(options)), backend_(std::move(backend)) {}

bool LogicalUnit::TryAcquireSlot() {
  uint32_t cur = in_flight_.load(std::memory_order_relaxed);
  do {
    if (cur >= options_.queue_depth) return false;
  } while (!in_flight_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel,
                                             std::memory_order_relaxed));
  return true;
}

void LogicalUnit::ReleaseSlot() { in_flight_.fetch_sub(1, std::memory_order_acq_rel); }

void LogicalUnit::Execute(ScsiTask& task, TaskDoneFn done) {
  task.ResetOutputs();
  task.core.done = std::move(done);
  if (task.cdb_length == 0) {
    task.SetCheckCondition(scsi::InvalidOpcode());
    CompleteTask(task);
    return;
  }
  const CommandHandler* handler = FindCommandHandler(task.cdb());
  const bool exempt = handler != nullptr && (handler->flags & kCmdUaExempt) != 0;
  // REQUEST SENSE is exempt here and takes the unit attention itself as its parameter data.
  if (auto ua = unit_attentions_.Check(task.nexus_id, /*take=*/!exempt)) {
    task.SetCheckCondition(scsi::UnitAttention(*ua));
    CompleteTask(task);
    return;
  }
  if (handler == nullptr) {
    SRP_TRACE(kTraceScsi, "{}: unsupported opcode 0x{:02x} ({}), tag {}", name(), task.opcode(),
              scsi::OpcodeName(task.opcode()), task.tag);
    task.SetCheckCondition(scsi::InvalidOpcode());
    CompleteTask(task);
    return;
  }
  if (handler->fn(*this, task) == HandlerResult::kComplete) CompleteTask(task);
}

}  // namespace srp::target
