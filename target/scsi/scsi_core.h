// The SCSI core's entry point for the transport: route a task to its logical unit.
//
//   ScsiTask& task = request.task();   // inputs filled, SetCdb() done
//   ExecuteTask(session.lun_map(), task, [&request](ScsiTask&) { request.OnScsiDone(); });
//
// What ExecuteTask adds on top of LogicalUnit::Execute:
//  * LUN decoding (scsi::UnpackLun); an undecodable LUN is treated as not mapped.
//  * REPORT LUNS answered from the map on any LUN, mapped or not (it also clears a pending
//    REPORTED LUNS DATA HAS CHANGED for this nexus on a mapped LUN).
//  * Unmapped LUNs: standard INQUIRY returns PERIPHERAL QUALIFIER 3 / type 1Fh data (Linux
//    scans LUN 0 even when nothing is mapped there); REQUEST SENSE returns LOGICAL UNIT NOT
//    SUPPORTED sense as parameter data with GOOD status (SPC-4 6.39); everything else is
//    CHECK CONDITION / ILLEGAL REQUEST / LOGICAL UNIT NOT SUPPORTED.
//  * Queue depth: a slot of the unit is held while the task runs; without a free slot the
//    task ends with TASK SET FULL, or BUSY when the session has at most this one command
//    outstanding (SCST scst_set_busy): QueueFullStatus.
#pragma once

#include "lib/scsi/constants.h"
#include "target/scsi/lun_map.h"
#include "target/scsi/scsi_task.h"

namespace srp::target {

// `done` runs exactly once, inline or later from another thread. REQUIRES: a CDB was set.
void ExecuteTask(const LunMap& luns, ScsiTask& task, TaskDoneFn done);

// Status for a task refused for lack of a queue slot.
scsi::ScsiStatus QueueFullStatus(uint32_t session_commands);

}  // namespace srp::target
