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

Status LogicalUnit::Normalize(LogicalUnitOptions& options) {
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
  return Status::Ok();
}

Result<std::shared_ptr<LogicalUnit>> LogicalUnit::Create(LogicalUnitOptions options,
                                                         std::shared_ptr<BlockBackend> backend) {
  if (backend == nullptr) return InvalidArgument("logical unit without a backend");
  SRP_RETURN_IF_ERROR(Normalize(options));
  return std::shared_ptr<LogicalUnit>(
      new LogicalUnit(std::move(options), std::move(backend), nullptr));
}

Result<std::shared_ptr<LogicalUnit>> LogicalUnit::CreatePassThrough(
    LogicalUnitOptions options, std::shared_ptr<PassThroughDevice> device) {
  if (device == nullptr) return InvalidArgument("pass-through logical unit without a device");
  SRP_RETURN_IF_ERROR(Normalize(options));
  return std::shared_ptr<LogicalUnit>(
      new LogicalUnit(std::move(options), nullptr, std::move(device)));
}

LogicalUnit::LogicalUnit(LogicalUnitOptions options, std::shared_ptr<BlockBackend> backend,
                         std::shared_ptr<PassThroughDevice> device)
    : options_(std::move(options)),
      backend_(std::move(backend)),
      passthrough_(std::move(device)),
      default_wce_(backend_ != nullptr && backend_->write_cache_enabled()),
      unit_attentions_(options_.power_on_unit_attention),
      task_set_(options_.queue_depth) {}

uint32_t LogicalUnit::block_size() const {
  return passthrough_ ? passthrough_->block_size() : backend_->block_size();
}

uint64_t LogicalUnit::num_blocks() const {
  return passthrough_ ? passthrough_->num_blocks() : backend_->num_blocks();
}

bool LogicalUnit::read_only() const {
  if (options_.read_only) return true;
  return backend_ != nullptr && backend_->read_only();
}

bool LogicalUnit::write_cache_enabled() const {
  return backend_ != nullptr && backend_->write_cache_enabled();
}

bool LogicalUnit::supports_unmap() const {
  return backend_ != nullptr && backend_->supports_unmap() && !read_only();
}

void LogicalUnit::OnLunReset(uint64_t issuing_nexus) {
  SRP_LOG(kInfo, "{}: LOGICAL UNIT RESET from nexus {:#x}", name(), issuing_nexus);
  unit_attentions_.EstablishForAllExcept(issuing_nexus, scsi::kAscPowerOnResetOrBusDeviceReset);
}

void LogicalUnit::NotifyCapacityChanged() {
  unit_attentions_.EstablishForAll(scsi::kAscCapacityDataHasChanged);
}

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
  if (task.core.lu == nullptr) task.core.lu = shared_from_this();  // called without ExecuteTask
  if (task.cdb_length == 0) {
    task.SetCheckCondition(scsi::InvalidOpcode());
    CompleteTask(task);
    return;
  }
  task.core.in_task_set = true;
  if (!task_set_.Enter(&task, task.attribute)) {
    SRP_TRACE(kTraceScsi, "{}: tag {} waits in the task set", name(), task.tag);
    return;  // CompleteTask of an older task starts it
  }
  Start(task);
}

void LogicalUnit::StartEnteredTask(ScsiTask& task) { Start(task); }

namespace {

// Opcodes that neither report nor clear unit attentions on a pass-through unit (the emulated
// table marks them kCmdUaExempt).
bool PassThroughUaExempt(uint8_t opcode) {
  return opcode == scsi::kOpInquiry || opcode == scsi::kOpRequestSense ||
         opcode == scsi::kOpReportLuns;
}

}  // namespace

void LogicalUnit::Start(ScsiTask& task) {
  if (passthrough_ != nullptr) {
    if (!PassThroughUaExempt(task.opcode())) {
      if (auto ua = unit_attentions_.Check(task.nexus_id, /*take=*/true)) {
        task.SetCheckCondition(scsi::UnitAttention(*ua));
        CompleteTask(task);
        return;
      }
    } else {
      (void)unit_attentions_.Check(task.nexus_id, /*take=*/false);
    }
    passthrough_->Execute(task);
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
