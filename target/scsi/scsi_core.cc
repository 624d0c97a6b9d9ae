#include "target/scsi/scsi_core.h"

#include <utility>

#include "lib/common/log.h"
#include "lib/scsi/cdb_parse.h"
#include "lib/scsi/lun.h"
#include "target/scsi/handlers.h"

namespace srp::target {
namespace {

void ReportLuns(const LunMap& luns, LogicalUnit* unit, ScsiTask& task) {
  auto cdb = scsi::ParseReportLuns(task.cdb());
  if (!cdb.ok()) {
    task.SetCheckCondition(cdb.reason());
    return;
  }
  if (unit != nullptr) {
    unit->unit_attentions().Clear(task.nexus_id, scsi::kAscReportedLunsDataHasChanged);
  }
  (void)handlers::ReturnDataIn(task, luns.ReportLunsData(cdb->select_report), cdb->alloc_len);
}

// Commands to a LUN with no unit behind it.
void ExecuteUnmapped(ScsiTask& task) {
  switch (task.opcode()) {
    case scsi::kOpInquiry: {
      auto cdb = scsi::ParseInquiry(task.cdb());
      if (!cdb.ok()) {
        task.SetCheckCondition(cdb.reason());
      } else if (cdb->evpd) {
        task.SetCheckCondition(scsi::LogicalUnitNotSupported());
      } else {
        (void)handlers::ReturnDataIn(task, handlers::StandardInquiryData(nullptr), cdb->alloc_len);
      }
      return;
    }
    case scsi::kOpRequestSense: {
      auto cdb = scsi::ParseRequestSense(task.cdb());
      if (!cdb.ok() || cdb->desc) {
        task.SetCheckCondition(cdb.ok() ? scsi::InvalidFieldInCdb(1, 0) : cdb.reason());
        return;
      }
      const auto sense = scsi::BuildFixedSense(scsi::LogicalUnitNotSupported());
      (void)handlers::ReturnDataIn(task, sense, cdb->alloc_len);
      return;
    }
    default:
      task.SetCheckCondition(scsi::LogicalUnitNotSupported());
      return;
  }
}

}  // namespace

scsi::ScsiStatus QueueFullStatus(uint32_t session_commands) {
  return session_commands > 1 ? scsi::ScsiStatus::kTaskSetFull : scsi::ScsiStatus::kBusy;
}

void ExecuteTask(const LunMap& luns, ScsiTask& task, TaskDoneFn done) {
  task.ResetOutputs();
  task.core.done = std::move(done);
  task.lun = scsi::UnpackLun(task.lun_raw);
  std::shared_ptr<LogicalUnit> unit = task.lun.has_value() ? luns.Find(*task.lun) : nullptr;

  if (task.cdb_length == 0) {
    task.SetCheckCondition(scsi::InvalidOpcode());
    CompleteTask(task);
    return;
  }
  if (task.opcode() == scsi::kOpReportLuns) {
    ReportLuns(luns, unit.get(), task);
    CompleteTask(task);
    return;
  }
  if (unit == nullptr) {
    ExecuteUnmapped(task);
    CompleteTask(task);
    return;
  }
  if (!unit->TryAcquireSlot()) {
    SRP_TRACE(kTraceScsi, "{}: queue full ({} in flight), tag {}", unit->name(), unit->in_flight(),
              task.tag);
    task.SetStatus(QueueFullStatus(task.session_commands));
    CompleteTask(task);
    return;
  }
  task.core.holds_slot = true;
  task.core.lu = unit;
  LogicalUnit& lu = *unit;
  unit.reset();  // the task's reference keeps the unit alive from here on
  lu.Execute(task, std::move(task.core.done));
}

}  // namespace srp::target
