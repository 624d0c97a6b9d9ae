// Scenario 8 (test-scenarios.md): task management against a real srp-target.
#include <gtest/gtest.h>

#include <optional>

#include "lib/scsi/constants.h"
#include "tests/integration/integration_fixture.h"

namespace srp::integration {
namespace {

using std::chrono::milliseconds;

class TmfTest : public TargetTest {
 protected:
  // Queues `n` 1 MiB reads of LUN `lun`; counts completions by outcome.
  struct Counts {
    int good = 0, cancelled = 0, aborted_status = 0, unit_attention = 0, other = 0;
    int total() const { return good + cancelled + aborted_status + unit_attention + other; }
  };
  // Takes the power-on unit attention of `lun` so later outcomes are about the test.
  void ClearUnitAttention(initiator::Session& s, uint32_t lun) {
    initiator::ScsiCommand tur;
    tur.cdb = scsi::BuildTestUnitReady();
    tur.lun = scsi::PackLun(lun);
    auto r = initiator::Execute(s, tur);
    ASSERT_TRUE(r.ok() && r->good()) << (r.ok() ? r->Describe() : r.status().ToString());
  }
  std::vector<uint64_t> QueueReads(initiator::Session& s, initiator::IoBuffer& buf, int n,
                                   uint32_t lun, Counts* counts) {
    std::vector<uint64_t> tags;
    for (int i = 0; i < n; ++i) {
      initiator::ScsiCommand c;
      c.cdb = scsi::BuildRead10(static_cast<uint32_t>(i) * 2048, 2048);
      c.lun = scsi::PackLun(lun);
      c.direction = wire::DataDirection::kIn;
      c.segments = {buf.Segment(0, 1u << 20)};
      auto tag = s.Submit(std::move(c), [counts](const initiator::ScsiResult& r) {
        if (r.good()) {
          ++counts->good;
        } else if (r.transport.code() == StatusCode::kCancelled) {
          ++counts->cancelled;
        } else if (r.transport.ok() &&
                   r.status == static_cast<uint8_t>(scsi::ScsiStatus::kTaskAborted)) {
          ++counts->aborted_status;
        } else if (r.parsed_sense && r.parsed_sense->key == scsi::SenseKey::kUnitAttention) {
          ++counts->unit_attention;  // commands that reach the LUN after a reset
        } else {
          ++counts->other;
          ADD_FAILURE() << "unexpected outcome: " << r.Describe();
        }
      });
      EXPECT_TRUE(tag.ok());
      if (tag.ok()) tags.push_back(*tag);
    }
    return tags;
  }

  // After quiescing, a few TURs collect any credits the target returns late.
  void ExpectCreditsBack(initiator::Session& s, int64_t initial) {
    initiator::ScsiCommand tur;
    tur.cdb = scsi::BuildTestUnitReady();
    for (int i = 0; i < 3 && s.credits() != initial; ++i) {
      auto r = initiator::Execute(s, tur);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
    EXPECT_EQ(s.credits(), initial);
  }
};

TEST_P(TmfTest, AbortFinishedTagAndUnsupportedFunction) {
  StartTarget();
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  const int64_t initial = s->credits();
  initiator::ScsiCommand tur;
  tur.cdb = scsi::BuildTestUnitReady();
  auto done = initiator::Execute(*s, tur);
  ASSERT_TRUE(done.ok());
  auto abort = initiator::ExecuteTaskManagement(*s, {wire::TmfFunction::kAbortTask, {}, done->tag});
  ASSERT_TRUE(abort.ok()) << abort.status().ToString();
  EXPECT_TRUE(abort->flags & wire::kRspValid);
  ASSERT_TRUE(abort->response.has_value());
  auto odd = initiator::ExecuteTaskManagement(
      *s, {static_cast<wire::TmfFunction>(0x77), scsi::PackLun(0), 0});
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->flags & wire::kRspValid);
  EXPECT_EQ(odd->response, wire::TmfResponse::kNotSupported);
  for (auto f : {wire::TmfFunction::kAbortTaskSet, wire::TmfFunction::kClearTaskSet,
                 wire::TmfFunction::kClearAca, wire::TmfFunction::kLogicalUnitReset}) {
    auto r = initiator::ExecuteTaskManagement(*s, {f, scsi::PackLun(1), 0});
    ASSERT_TRUE(r.ok()) << int(f);
    EXPECT_TRUE(r->flags & wire::kRspValid) << int(f);
    EXPECT_TRUE(r->response.has_value()) << int(f);
  }
  ExpectCreditsBack(*s, initial);
}

TEST_P(TmfTest, AbortInFlightCommands) {
  StartTarget();
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  const int64_t initial = s->credits();
  ClearUnitAttention(*s, 0);
  auto buf = s->AllocateBuffer(1u << 20);
  Counts counts;
  auto tags = QueueReads(*s, **buf, 48, 0, &counts);
  // Abort the last few while the earlier ones are still moving data.
  std::vector<std::optional<initiator::TmfResult>> tmfs(8);
  for (size_t i = 0; i < tmfs.size(); ++i) {
    auto t = s->SubmitTaskManagement(
        {wire::TmfFunction::kAbortTask, scsi::PackLun(0), tags[tags.size() - 1 - i]},
        [&tmfs, i](const initiator::TmfResult& r) { tmfs[i] = r; });
    ASSERT_TRUE(t.ok());
  }
  ASSERT_TRUE(s->WaitUntil(
                   [&] {
                     for (auto& t : tmfs)
                       if (!t) return false;
                     return counts.total() == 48;
                   },
                   milliseconds(20000))
                  .ok())
      << "good " << counts.good << " cancelled " << counts.cancelled;
  for (auto& t : tmfs) EXPECT_TRUE(t->flags & wire::kRspValid);
  EXPECT_EQ(counts.other, 0);
  EXPECT_EQ(counts.unit_attention, 0);
  ExpectCreditsBack(*s, initial);
}

TEST_P(TmfTest, LunResetDuringIo) {
  StartTarget();
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  const int64_t initial = s->credits();
  ClearUnitAttention(*s, 1);
  auto buf = s->AllocateBuffer(1u << 20);
  Counts counts;
  QueueReads(*s, **buf, 48, 1, &counts);
  auto reset = initiator::ExecuteTaskManagement(
      *s, {wire::TmfFunction::kLogicalUnitReset, scsi::PackLun(1), 0}, milliseconds(20000));
  ASSERT_TRUE(reset.ok()) << reset.status().ToString();
  EXPECT_TRUE(reset->succeeded());
  ASSERT_TRUE(s->WaitUntil([&] { return counts.total() == 48; }, milliseconds(20000)).ok());
  EXPECT_EQ(counts.other, 0);
  // The LUN works afterwards (a unit attention after the reset is retried by Execute).
  auto after = initiator::ReadWrite(*s, scsi::PackLun(1), false, 0, 8, {(*buf)->Segment(0, 4096)});
  EXPECT_TRUE(after.ok()) << after.status().ToString();
  ExpectCreditsBack(*s, initial);
}

INSTANTIATE_TEST_SUITE_P(Threads, TmfTest, ::testing::Values(0, 1), ThreadName);

}  // namespace
}  // namespace srp::integration
