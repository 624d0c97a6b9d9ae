// Session against the fake target: credits, task management, target-initiated IUs.
#include <gtest/gtest.h>

#include "lib/srp/iu.h"
#include "tests/initiator/session_test_util.h"

namespace srp::initiator::testing {
namespace {

using std::chrono::milliseconds;

ScsiCommand Tur(uint32_t lun = 0) {
  ScsiCommand c;
  c.cdb = scsi::BuildTestUnitReady();
  c.lun = scsi::PackLun(lun);
  return c;
}

size_t CountOpcode(FakeTarget& t, uint8_t op) {
  size_t n = 0;
  for (auto& iu : t.ReceivedIus()) n += (!iu.empty() && iu[0] == std::byte{op});
  return n;
}

TEST_F(SessionTest, CommandsWaitForCreditsAndKeepOneForTmf) {
  StartAndLogin(FakeTargetConfig{.req_lim = 3, .hold_commands = true});
  int done = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(session_->Submit(Tur(), [&](const ScsiResult& r) { done += r.good(); }).ok());
  }
  // 3 credits: two commands go out, the third credit is kept for task management.
  ASSERT_TRUE(
      session_->WaitUntil([&] { return CountOpcode(*target_, 0x02) == 2; }, milliseconds(5000))
          .ok());
  EXPECT_EQ(session_->credits(), 1);
  EXPECT_EQ(session_->waiting(), 3u);
  // A TMF may use the reserved credit.
  std::optional<TmfResult> tmf;
  ASSERT_TRUE(session_
                  ->SubmitTaskManagement({wire::TmfFunction::kClearAca, scsi::PackLun(0), 0},
                                         [&](const TmfResult& r) { tmf = r; })
                  .ok());
  ASSERT_TRUE(session_->WaitUntil([&] { return tmf.has_value(); }, milliseconds(5000)).ok());
  EXPECT_TRUE(tmf->succeeded());
  EXPECT_EQ(session_->credits(), 1);  // -1 for the TMF, +1 from its response
  target_->SetHold(false);
  target_->ReleaseHeld();
  ASSERT_TRUE(session_->WaitUntil([&] { return done == 5; }, milliseconds(5000)).ok());
  EXPECT_EQ(session_->credits(), 3);
  EXPECT_GT(session_->stats().waited_for_credit, 0u);
}

TEST_F(SessionTest, NegativeAndLargeDeltasAreApplied) {
  StartAndLogin(FakeTargetConfig{.rsp_delta = 3});
  ASSERT_TRUE(Execute(*session_, Tur()).ok());
  EXPECT_EQ(session_->credits(), 16 - 1 + 3);
}

TEST_F(SessionTest, AbortInFlightCommandDropsLateResponse) {
  StartAndLogin(FakeTargetConfig{.hold_commands = true});
  std::optional<ScsiResult> result;
  auto tag = session_->Submit(Tur(), [&](const ScsiResult& r) { result = r; });
  ASSERT_TRUE(tag.ok());
  ASSERT_TRUE(
      session_->WaitUntil([&] { return CountOpcode(*target_, 0x02) == 1; }, milliseconds(5000))
          .ok());
  auto tmf = ExecuteTaskManagement(*session_, {wire::TmfFunction::kAbortTask, {}, *tag});
  ASSERT_TRUE(tmf.ok());
  EXPECT_TRUE(tmf->succeeded());
  EXPECT_TRUE(tmf->flags & wire::kRspValid);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->transport.code(), StatusCode::kCancelled);
  EXPECT_EQ(session_->credits(), 15);  // the aborted command's credit is still out
  // The target answers the aborted command after all: dropped, credit added.
  target_->ReleaseHeld();
  ASSERT_TRUE(session_
                  ->WaitUntil([&] { return session_->stats().late_responses_dropped == 1; },
                              milliseconds(5000))
                  .ok());
  EXPECT_EQ(session_->credits(), 16);
}

TEST_F(SessionTest, AbortFinishedTagAndUnsupportedFunction) {
  StartAndLogin(FakeTargetConfig{.tmf_code = wire::TmfResponse::kNotSupported});
  auto r = Execute(*session_, Tur());
  ASSERT_TRUE(r.ok());
  auto tmf = ExecuteTaskManagement(*session_, {wire::TmfFunction::kAbortTask, {}, r->tag});
  ASSERT_TRUE(tmf.ok());
  EXPECT_EQ(tmf->response, wire::TmfResponse::kNotSupported);
  EXPECT_FALSE(tmf->succeeded());
  // Any function code goes out as is.
  auto odd =
      ExecuteTaskManagement(*session_, {static_cast<wire::TmfFunction>(0x77), scsi::PackLun(1), 0});
  ASSERT_TRUE(odd.ok());
  auto tms = target_->ReceivedIus();
  ASSERT_EQ(tms.back()[0], std::byte{0x01});
  EXPECT_EQ(tms.back()[30], std::byte{0x77});
  EXPECT_EQ(tms.back()[21], std::byte{0x01});  // LUN 1
}

TEST_F(SessionTest, LunResetFailsThatLunsCommandsOnly) {
  StartAndLogin(FakeTargetConfig{.hold_commands = true});
  std::optional<ScsiResult> on0, on1;
  ASSERT_TRUE(session_->Submit(Tur(0), [&](const ScsiResult& r) { on0 = r; }).ok());
  ASSERT_TRUE(session_->Submit(Tur(1), [&](const ScsiResult& r) { on1 = r; }).ok());
  ASSERT_TRUE(
      session_->WaitUntil([&] { return CountOpcode(*target_, 0x02) == 2; }, milliseconds(5000))
          .ok());
  auto tmf =
      ExecuteTaskManagement(*session_, {wire::TmfFunction::kLogicalUnitReset, scsi::PackLun(1), 0});
  ASSERT_TRUE(tmf.ok());
  EXPECT_TRUE(tmf->succeeded());
  ASSERT_TRUE(on1.has_value());
  EXPECT_EQ(on1->transport.code(), StatusCode::kCancelled);
  EXPECT_FALSE(on0.has_value());
  target_->SetHold(false);
  target_->ReleaseHeld();
  ASSERT_TRUE(session_->WaitUntil([&] { return on0.has_value(); }, milliseconds(5000)).ok());
  EXPECT_TRUE(on0->good());
}

TEST_F(SessionTest, CreditRequestIsAnsweredWithoutACredit) {
  StartAndLogin(FakeTargetConfig{});
  target_->Inject(wire::EncodeCreditRequest({.sol_not = 0, .req_lim_delta = 4, .tag = 0x55}));
  ASSERT_TRUE(
      session_->WaitUntil([&] { return CountOpcode(*target_, 0x41) == 1; }, milliseconds(5000))
          .ok());
  EXPECT_EQ(session_->credits(), 20);
  EXPECT_EQ(session_->stats().cred_req, 1u);
  for (auto& iu : target_->ReceivedIus()) {
    if (iu[0] == std::byte{0x41}) {
      auto rsp = wire::DecodeCreditResponse(iu);
      ASSERT_TRUE(rsp.ok());
      EXPECT_EQ(rsp->tag, 0x55u);
    }
  }
}

TEST_F(SessionTest, AerRequestIsAnswered) {
  StartAndLogin(FakeTargetConfig{});
  std::array<std::byte, 18> sense{};
  sense[0] = std::byte{0x70};
  target_->Inject(wire::EncodeAerRequest({.req_lim_delta = 1, .tag = 0x66}, sense));
  ASSERT_TRUE(
      session_->WaitUntil([&] { return CountOpcode(*target_, 0x42) == 1; }, milliseconds(5000))
          .ok());
  EXPECT_EQ(session_->credits(), 17);
}

TEST_F(SessionTest, TargetLogoutFailsOutstandingCommands) {
  StartAndLogin(FakeTargetConfig{.hold_commands = true});
  std::optional<ScsiResult> result;
  ASSERT_TRUE(session_->Submit(Tur(), [&](const ScsiResult& r) { result = r; }).ok());
  ASSERT_TRUE(
      session_->WaitUntil([&] { return CountOpcode(*target_, 0x02) == 1; }, milliseconds(5000))
          .ok());
  target_->Inject(wire::EncodeTargetLogout({.sol_not = 0, .reason = 0x12, .tag = 9}));
  ASSERT_TRUE(session_->WaitUntil([&] { return result.has_value(); }, milliseconds(5000)).ok());
  EXPECT_EQ(result->transport.code(), StatusCode::kDisconnected);
  EXPECT_EQ(session_->state(), SessionState::kTargetLoggedOut);
  EXPECT_EQ(session_->stats().t_logout_reason, 0x12u);
  EXPECT_FALSE(session_->Submit(Tur(), nullptr).ok());
  target_->SetHold(false);
  ASSERT_TRUE(session_->Reconnect().ok());
  auto r = Execute(*session_, Tur());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->good());
}

TEST_F(SessionTest, SyncTimeoutAbortsTheCommand) {
  StartAndLogin(FakeTargetConfig{.hold_commands = true});
  ExecuteOptions eo;
  eo.timeout = milliseconds(200);
  auto r = Execute(*session_, Tur(), eo);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTimedOut);
  EXPECT_EQ(CountOpcode(*target_, 0x01), 1u);  // an ABORT TASK went out
  EXPECT_EQ(session_->outstanding(), 0u);
  EXPECT_EQ(session_->state(), SessionState::kLoggedIn);
}

}  // namespace
}  // namespace srp::initiator::testing
