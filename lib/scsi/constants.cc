#include "lib/scsi/constants.h"

namespace srp::scsi {

std::string_view ScsiStatusName(ScsiStatus status) {
  switch (status) {
    case ScsiStatus::kGood:
      return "GOOD";
    case ScsiStatus::kCheckCondition:
      return "CHECK CONDITION";
    case ScsiStatus::kConditionMet:
      return "CONDITION MET";
    case ScsiStatus::kBusy:
      return "BUSY";
    case ScsiStatus::kReservationConflict:
      return "RESERVATION CONFLICT";
    case ScsiStatus::kTaskSetFull:
      return "TASK SET FULL";
    case ScsiStatus::kAcaActive:
      return "ACA ACTIVE";
    case ScsiStatus::kTaskAborted:
      return "TASK ABORTED";
  }
  return "RESERVED";
}

std::string_view OpcodeName(uint8_t opcode) {
  switch (opcode) {
    case kOpTestUnitReady:
      return "TEST UNIT READY";
    case kOpRequestSense:
      return "REQUEST SENSE";
    case kOpRead6:
      return "READ(6)";
    case kOpWrite6:
      return "WRITE(6)";
    case kOpInquiry:
      return "INQUIRY";
    case kOpModeSelect6:
      return "MODE SELECT(6)";
    case kOpModeSense6:
      return "MODE SENSE(6)";
    case kOpStartStopUnit:
      return "START STOP UNIT";
    case kOpReadCapacity10:
      return "READ CAPACITY(10)";
    case kOpRead10:
      return "READ(10)";
    case kOpWrite10:
      return "WRITE(10)";
    case kOpVerify10:
      return "VERIFY(10)";
    case kOpSynchronizeCache10:
      return "SYNCHRONIZE CACHE(10)";
    case kOpWriteSame10:
      return "WRITE SAME(10)";
    case kOpUnmap:
      return "UNMAP";
    case kOpModeSelect10:
      return "MODE SELECT(10)";
    case kOpModeSense10:
      return "MODE SENSE(10)";
    case kOpRead16:
      return "READ(16)";
    case kOpCompareAndWrite:
      return "COMPARE AND WRITE";
    case kOpWrite16:
      return "WRITE(16)";
    case kOpVerify16:
      return "VERIFY(16)";
    case kOpSynchronizeCache16:
      return "SYNCHRONIZE CACHE(16)";
    case kOpWriteSame16:
      return "WRITE SAME(16)";
    case kOpServiceActionIn16:
      return "SERVICE ACTION IN(16)";
    case kOpReportLuns:
      return "REPORT LUNS";
    case kOpMaintenanceIn:
      return "MAINTENANCE IN";
    case kOpRead12:
      return "READ(12)";
    case kOpWrite12:
      return "WRITE(12)";
    default:
      return "UNKNOWN";
  }
}

}  // namespace srp::scsi
