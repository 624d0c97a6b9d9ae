// ExecuteTask routing: REPORT LUNS, unmapped LUNs, unknown opcodes, unit attentions per
// nexus, LUN map changes, queue depth (TASK SET FULL vs BUSY), TEST UNIT READY, REQUEST SENSE.
#include <gtest/gtest.h>

#include "lib/common/endian.h"
#include "lib/scsi/responses.h"
#include "target/scsi/command_table.h"
#include "tests/target/scsi/harness.h"

namespace srp::target {
namespace {

using testing::Outcome;
using testing::RunIn;
using testing::RunNoData;

class CoreTest : public ::testing::Test {
 protected:
  std::shared_ptr<LogicalUnit> AddUnit(uint32_t lun, LogicalUnitOptions opts = {}) {
    if (opts.name.empty()) opts.name = "disk" + std::to_string(lun);
    auto unit = testing::MakeUnit(testing::MakeMemory(64), std::move(opts));
    EXPECT_TRUE(luns_.Add(lun, unit).ok());
    return unit;
  }
  LunMap luns_;
};

TEST_F(CoreTest, ReportLunsListsMappedLunsAscending) {
  AddUnit(300);
  AddUnit(5);
  AddUnit(1);
  const Outcome o = RunIn(luns_, scsi::BuildReportLuns(512), 512, 0);  // LUN 0 not mapped
  ASSERT_EQ(o.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(o.data.size(), 8u + 24u);
  EXPECT_EQ(LoadBe32(o.data.data()), 24u);  // LUN LIST LENGTH at bytes 0..3
  auto parsed = scsi::ParseReportLunsData(o.data);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->luns.size(), 3u);
  EXPECT_EQ(parsed->luns[0], scsi::PackLun(1));
  EXPECT_EQ(parsed->luns[1], scsi::PackLun(5));
  EXPECT_EQ(parsed->luns[2], scsi::PackLun(300));
  EXPECT_EQ(o.at(8 + 16), 0x41);
  EXPECT_EQ(o.at(8 + 17), 0x2C);
  EXPECT_EQ(o.residual, Residual::kUnderflow);
}

TEST_F(CoreTest, ReportLunsAllocationTruncationAndSelectReport) {
  AddUnit(0);
  AddUnit(1);
  AddUnit(2);
  const Outcome cut = RunIn(luns_, scsi::BuildReportLuns(16), 16);
  ASSERT_EQ(cut.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(cut.data.size(), 16u);
  EXPECT_EQ(LoadBe32(cut.data.data()), 24u);  // full list length despite truncation
  auto parsed = scsi::ParseReportLunsData(cut.data);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->truncated);
  EXPECT_EQ(RunIn(luns_, scsi::BuildReportLuns(64, 2), 64).data.size(), 32u);
  const Outcome wk = RunIn(luns_, scsi::BuildReportLuns(64, 1), 64);
  EXPECT_EQ(wk.data.size(), 8u);
  EXPECT_EQ(LoadBe32(wk.data.data()), 0u);
  testing::ExpectCheck(RunIn(luns_, scsi::BuildReportLuns(8), 8), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscInvalidFieldInCdb);
}

TEST_F(CoreTest, UnmappedLunCommandsAreLogicalUnitNotSupported) {
  AddUnit(1);
  testing::ExpectCheck(RunNoData(luns_, scsi::BuildTestUnitReady(), 0),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscLogicalUnitNotSupported);
  testing::ExpectCheck(RunIn(luns_, scsi::BuildRead10(0, 1), 512, 7),
                       scsi::SenseKey::kIllegalRequest, scsi::kAscLogicalUnitNotSupported);
  // REQUEST SENSE to an unmapped LUN: GOOD, the sense data says why.
  const Outcome rs = RunIn(luns_, scsi::BuildRequestSense(18), 18, 0);
  ASSERT_EQ(rs.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(rs.data.size(), 18u);
  EXPECT_EQ(rs.at(2), 0x05);
  EXPECT_EQ(rs.at(12), 0x25);
  // An undecodable LUN (logical unit addressing) is treated the same.
  ScsiTask task;
  ASSERT_TRUE(task.SetCdb(scsi::BuildTestUnitReady().view()).ok());
  task.lun_raw = scsi::PackLun(1);
  task.lun_raw[0] = std::byte{0x80};
  int calls = 0;
  ExecuteTask(luns_, task, [&calls](ScsiTask&) { ++calls; });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(task.lun.has_value());
  EXPECT_EQ(task.status, scsi::ScsiStatus::kCheckCondition);
}

TEST_F(CoreTest, UnknownOpcodeIsInvalidCommandOperationCode) {
  AddUnit(0);
  testing::ConsumePowerOn(luns_);
  std::vector<std::byte> cdb(10);
  cdb[0] = std::byte{0xE7};  // vendor specific, unsupported
  const Outcome o = testing::Run(luns_, cdb, {});
  testing::ExpectCheck(o, scsi::SenseKey::kIllegalRequest, scsi::kAscInvalidCommandOperationCode);
  EXPECT_EQ(static_cast<uint8_t>(o.sense[15]), 0xC0);  // field pointer: CDB byte 0
  EXPECT_EQ(FindCommandHandler(cdb), nullptr);
  // SERVICE ACTION IN(16) with an unsupported service action is unsupported too.
  scsi::Cdb sa = scsi::BuildReadCapacity16();
  sa.bytes[1] = std::byte{0x12};
  EXPECT_EQ(FindCommandHandler(sa.view()), nullptr);
  EXPECT_EQ(FindCommandHandler(scsi::BuildReadCapacity16().view())->name, "READ CAPACITY(16)");
}

TEST_F(CoreTest, NoPowerOnUnitAttentionByDefault) {
  AddUnit(0);
  const Outcome first = RunNoData(luns_, scsi::BuildTestUnitReady(), 0, 7);
  EXPECT_EQ(first.status, scsi::ScsiStatus::kGood);
  EXPECT_TRUE(first.sense.empty());
  EXPECT_EQ(luns_.Find(0)->unit_attentions().Pending(7), 0u);
}

TEST_F(CoreTest, PowerOnUnitAttentionOncePerNexus) {
  LogicalUnitOptions opts;
  opts.power_on_unit_attention = true;
  AddUnit(0, opts);
  for (uint64_t nexus : {1, 2}) {
    const Outcome first = RunNoData(luns_, scsi::BuildTestUnitReady(), 0, nexus);
    testing::ExpectCheck(first, scsi::SenseKey::kUnitAttention,
                         scsi::kAscPowerOnResetOrBusDeviceReset);
    const Outcome second = RunNoData(luns_, scsi::BuildTestUnitReady(), 0, nexus);
    EXPECT_EQ(second.status, scsi::ScsiStatus::kGood) << nexus;
    EXPECT_TRUE(second.sense.empty());
  }
  // A forgotten nexus (session gone and back) gets a fresh POWER ON.
  luns_.Find(0)->unit_attentions().Forget(1);
  testing::ConsumePowerOn(luns_, 0, 1);
}

TEST_F(CoreTest, RequestSenseReportsAndClearsUnitAttention) {
  LogicalUnitOptions opts;
  opts.power_on_unit_attention = true;
  AddUnit(0, opts);
  const Outcome rs = RunIn(luns_, scsi::BuildRequestSense(252), 252);
  ASSERT_EQ(rs.status, scsi::ScsiStatus::kGood);
  ASSERT_EQ(rs.data.size(), 18u);
  EXPECT_EQ(rs.at(0), 0x70);
  EXPECT_EQ(rs.at(2), 0x06);
  EXPECT_EQ(rs.at(12), 0x29);
  const Outcome none = RunIn(luns_, scsi::BuildRequestSense(18), 18);
  EXPECT_EQ(none.at(2), 0x00);  // NO SENSE
  EXPECT_EQ(none.at(12), 0x00);
  EXPECT_EQ(RunNoData(luns_, scsi::BuildTestUnitReady()).status, scsi::ScsiStatus::kGood);
  scsi::Cdb desc = scsi::BuildRequestSense(18);
  desc.bytes[1] = std::byte{0x01};
  testing::ExpectCheck(RunIn(luns_, desc, 18), scsi::SenseKey::kIllegalRequest,
                       scsi::kAscInvalidFieldInCdb);
}

TEST_F(CoreTest, LunMapChangeRaisesReportedLunsChangedUntilReportLuns) {
  AddUnit(0);
  testing::ConsumePowerOn(luns_, 0, 1);
  AddUnit(1);
  testing::ExpectCheck(RunNoData(luns_, scsi::BuildTestUnitReady(), 0, 1),
                       scsi::SenseKey::kUnitAttention, scsi::kAscReportedLunsDataHasChanged);
  EXPECT_EQ(RunNoData(luns_, scsi::BuildTestUnitReady(), 0, 1).status, scsi::ScsiStatus::kGood);
  // Removing a LUN raises it again; REPORT LUNS clears it without reporting it.
  ASSERT_TRUE(luns_.Remove(1).ok());
  EXPECT_EQ(luns_.Find(0)->unit_attentions().Pending(1), 1u);
  EXPECT_EQ(RunIn(luns_, scsi::BuildReportLuns(64), 64, 0, 1).status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(luns_.Find(0)->unit_attentions().Pending(1), 0u);
  EXPECT_EQ(RunNoData(luns_, scsi::BuildTestUnitReady(), 0, 1).status, scsi::ScsiStatus::kGood);
  EXPECT_FALSE(luns_.Remove(1).ok());
}

TEST_F(CoreTest, LunMapValidation) {
  auto unit = AddUnit(0);
  EXPECT_EQ(luns_.Add(0, unit).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(luns_.Add(scsi::kMaxPackedLun + 1, unit).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(luns_.Add(2, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(luns_.Add(scsi::kMaxPackedLun, unit).ok());
  EXPECT_EQ(luns_.Luns(), (std::vector<uint32_t>{0, scsi::kMaxPackedLun}));
  EXPECT_EQ(luns_.size(), 2u);
}

TEST_F(CoreTest, QueueFullGivesTaskSetFullOrBusy) {
  auto unit = AddUnit(0, {.name = "qd", .queue_depth = 2});
  testing::ConsumePowerOn(luns_);
  ASSERT_TRUE(unit->TryAcquireSlot());
  ASSERT_TRUE(unit->TryAcquireSlot());
  EXPECT_FALSE(unit->TryAcquireSlot());
  EXPECT_EQ(unit->in_flight(), 2u);
  testing::Request req;
  req.direction = DataDirection::kNone;
  req.session_commands = 3;
  Outcome o = testing::Run(luns_, scsi::BuildTestUnitReady().view(), req);
  EXPECT_EQ(o.status, scsi::ScsiStatus::kTaskSetFull);
  EXPECT_TRUE(o.sense.empty());
  req.session_commands = 1;
  o = testing::Run(luns_, scsi::BuildTestUnitReady().view(), req);
  EXPECT_EQ(o.status, scsi::ScsiStatus::kBusy);
  EXPECT_EQ(unit->in_flight(), 2u);  // refused tasks hold no slot
  unit->ReleaseSlot();
  o = testing::Run(luns_, scsi::BuildTestUnitReady().view(), req);
  EXPECT_EQ(o.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(unit->in_flight(), 1u);  // the executed task released its slot on completion
  EXPECT_EQ(QueueFullStatus(2), scsi::ScsiStatus::kTaskSetFull);
  EXPECT_EQ(QueueFullStatus(1), scsi::ScsiStatus::kBusy);
}

TEST_F(CoreTest, SlotIsHeldDuringExecutionAndUnitOutlivesRemoval) {
  auto unit = AddUnit(0, {.name = "held", .queue_depth = 1});
  testing::ConsumePowerOn(luns_);
  std::weak_ptr<LogicalUnit> weak = unit;
  unit.reset();
  ScsiTask task;
  ASSERT_TRUE(task.SetCdb(scsi::BuildTestUnitReady().view()).ok());
  task.lun_raw = scsi::PackLun(0);
  task.nexus_id = 1;
  uint32_t in_flight_in_done = 99;
  // The done callback runs after the slot is released and the reference dropped.
  ExecuteTask(luns_, task, [&](ScsiTask& t) {
    if (auto alive = weak.lock()) in_flight_in_done = alive->in_flight();
    EXPECT_EQ(t.core.lu, nullptr);
  });
  EXPECT_EQ(in_flight_in_done, 0u);
  EXPECT_EQ(task.status, scsi::ScsiStatus::kGood);
  ASSERT_TRUE(luns_.Remove(0).ok());
  EXPECT_TRUE(weak.expired());
}

TEST_F(CoreTest, TestUnitReadyWithDescriptorsReportsUnderflow) {
  AddUnit(0);
  testing::ConsumePowerOn(luns_);
  testing::Request req;
  req.direction = DataDirection::kIn;
  req.expected_length = 512;
  const Outcome o = testing::Run(luns_, scsi::BuildTestUnitReady().view(), req);
  EXPECT_EQ(o.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(o.data_length, 0u);
  EXPECT_EQ(o.residual, Residual::kUnderflow);
  EXPECT_EQ(o.residual_count, 512u);
}

TEST(ScsiTaskTest, CdbLengthLimitsAndDirectExecute) {
  ScsiTask task;
  EXPECT_FALSE(task.SetCdb({}).ok());
  std::vector<std::byte> huge(scsi::kMaxCdbLength + 1);
  EXPECT_FALSE(task.SetCdb(huge).ok());
  std::vector<std::byte> max(scsi::kMaxCdbLength);
  EXPECT_TRUE(task.SetCdb(max).ok());
  EXPECT_EQ(task.cdb().size(), scsi::kMaxCdbLength);
  // LogicalUnit::Execute without the core: no slot accounting, same handlers.
  auto unit = testing::MakeUnit(testing::MakeMemory(8));
  ASSERT_TRUE(task.SetCdb(scsi::BuildInquiry(36).view()).ok());
  std::vector<std::byte> buf(36);
  task.buffer = buf;
  task.direction = DataDirection::kIn;
  task.expected_length = 36;
  int calls = 0;
  unit->Execute(task, [&calls](ScsiTask&) { ++calls; });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(task.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(task.data_length, 36u);
  EXPECT_EQ(unit->in_flight(), 0u);
}

}  // namespace
}  // namespace srp::target
