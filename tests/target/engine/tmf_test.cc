// Task management and channel teardown on the fake fabric.
#include <gtest/gtest.h>

#include "tests/target/engine/engine_harness.h"

namespace srp::target::testing {
namespace {

using wire::DataDirection;
using wire::TmfFunction;

class TmfTest : public EngineHarness {
 protected:
  // The single SRP_RSP queued since the last Clear.
  wire::RspView OnlyRsp() {
    auto all = conn_->AllSends();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? wire::RspView{} : Rsp(all.back());
  }
};

TEST_F(TmfTest, AbortTaskInFlightSendsNoResponseAndCreditComesBackLater) {
  Init();
  Deliver(0, Cmd(0x50, 1, scsi::BuildWrite10(0, 8), Direct(DataDirection::kOut, 0x1000, 4096)));
  SrpRequest& write = Req(0x50);
  auto read = conn_->sends.at(0).back();
  conn_->Clear();
  Deliver(1, Tmf(0x80000001, 1, TmfFunction::kAbortTask, 0x50));
  auto rsp = OnlyRsp();
  EXPECT_EQ(rsp.header.tag, 0x80000001u);
  EXPECT_EQ(rsp.header.flags & wire::kRspValid, wire::kRspValid);
  ASSERT_EQ(rsp.resp_data.size(), 4u);
  EXPECT_EQ(wire::TmfResponseCode(rsp).value(), wire::TmfResponse::kComplete);
  EXPECT_EQ(rsp.header.req_lim_delta, 1u);
  EXPECT_TRUE(write.aborted());
  CompleteAll();
  conn_->Clear();
  Complete(read);  // the aborted write's READ finishes: no SRP_RSP for it
  EXPECT_TRUE(conn_->sends.empty());
  EXPECT_EQ(write.state(), RequestState::kDone);
  EXPECT_EQ(ch_->pending_credits(), 1u);
  Deliver(2, Cmd(0x51, 0, scsi::BuildTestUnitReady(), wire::DataLayout{}));
  EXPECT_EQ(OnlyRsp().header.req_lim_delta, 2u);
  // The tag may be reused once its command was aborted.
  conn_->Clear();
  CompleteAll();
}

TEST_F(TmfTest, AbortTaskOfFinishedTagSucceeds) {
  Init();
  Deliver(0, Tmf(0x80000002, 0, TmfFunction::kAbortTask, 0x1234));
  auto rsp = OnlyRsp();
  EXPECT_EQ(rsp.header.flags & wire::kRspValid, wire::kRspValid);
  EXPECT_EQ(wire::TmfResponseCode(rsp).value(), wire::TmfResponse::kComplete);
}

TEST_F(TmfTest, UnsupportedFunctionIsNotSupported) {
  Init();
  Deliver(0, Tmf(0x80000003, 0, static_cast<TmfFunction>(0x10), 0));
  auto rsp = OnlyRsp();
  EXPECT_EQ(rsp.resp_data.size(), 4u);
  EXPECT_EQ(static_cast<uint8_t>(rsp.resp_data[3]), 0x04);
}

TEST_F(TmfTest, LunResetAbortsOnlyThatLun) {
  Init();
  Deliver(0, Cmd(1, 1, scsi::BuildWrite10(0, 8), Direct(DataDirection::kOut, 0x1000, 4096)));
  Deliver(1, Cmd(2, 0, scsi::BuildWrite10(0, 8), Direct(DataDirection::kOut, 0x2000, 4096)));
  SrpRequest& lun1 = Req(1);
  SrpRequest& lun0 = Req(2);
  conn_->Clear();
  Deliver(2, Tmf(0x80000004, 1, TmfFunction::kLogicalUnitReset, 0xFFFFFFFF));
  EXPECT_EQ(wire::TmfResponseCode(OnlyRsp()).value(), wire::TmfResponse::kComplete);
  EXPECT_TRUE(lun1.aborted());
  EXPECT_FALSE(lun0.aborted());
  for (auto f : {TmfFunction::kAbortTaskSet, TmfFunction::kClearTaskSet, TmfFunction::kClearAca}) {
    CompleteAll();
    conn_->Clear();
    Deliver(3, Tmf(0x80000005, 0, f, 0));
    EXPECT_EQ(wire::TmfResponseCode(OnlyRsp()).value(), wire::TmfResponse::kComplete);
  }
}

TEST_F(TmfTest, AbortWhileWaitingForBufferFinishesAtOnce) {
  Init({.pool_buffers = 1});
  Deliver(0, Cmd(1, 1, scsi::BuildWrite10(0, 8), Direct(DataDirection::kOut, 0x1000, 4096)));
  Deliver(1, Cmd(2, 1, scsi::BuildWrite10(8, 8), Direct(DataDirection::kOut, 0x2000, 4096)));
  SrpRequest& waiting = Req(2);
  ASSERT_EQ(waiting.state(), RequestState::kNeedBuffer);
  conn_->Clear();
  Deliver(2, Tmf(0x80000006, 1, TmfFunction::kAbortTask, 2));
  EXPECT_EQ(waiting.state(), RequestState::kDone);
  EXPECT_TRUE(group_.buffer_waiters.empty());
  // The aborted command finished before the TMF answer was built: that answer returns both
  // credits.
  EXPECT_EQ(OnlyRsp().header.req_lim_delta, 2u);
  EXPECT_EQ(ch_->pending_credits(), 0u);
}

TEST_F(TmfTest, InitiatorLogoutDisconnectsAndDrains) {
  Init();
  Deliver(0, Cmd(1, 1, scsi::BuildWrite10(0, 8), Direct(DataDirection::kOut, 0x1000, 4096)));
  SrpRequest& write = Req(1);
  Deliver(1, wire::EncodeInitiatorLogout({}));
  EXPECT_EQ(conn_->disconnects, 1);
  EXPECT_EQ(ch_->state(), ChannelState::kDraining);
  // The fake flushes the drain markers: deliver their completions.
  ASSERT_EQ(conn_->flushed_recvs.size(), 1u);
  ASSERT_EQ(conn_->flushed_sends.size(), 1u);
  fabric::Completion r;
  r.wr_id = conn_->flushed_recvs[0];
  r.opcode = fabric::WcOpcode::kRecv;
  r.status = fabric::WcStatus::kWorkRequestFlushed;
  ch_->HandleCompletion(r);
  EXPECT_EQ(ch_->state(), ChannelState::kDraining);
  fabric::Completion s;
  s.wr_id = conn_->flushed_sends[0].wr_id;
  s.opcode = fabric::WcOpcode::kSend;
  s.status = fabric::WcStatus::kWorkRequestFlushed;
  ch_->HandleCompletion(s);
  EXPECT_EQ(write.state(), RequestState::kDone);
  EXPECT_TRUE(ch_->finished());
  EXPECT_EQ(session_->outstanding(), 0u);
}

TEST_F(TmfTest, RemoteAccessErrorTearsTheChannelDown) {
  Init();
  Deliver(0, Cmd(1, 1, scsi::BuildWrite10(0, 8), Direct(DataDirection::kOut, 0x1000, 4096)));
  auto read = conn_->sends.at(0).back();
  fabric::Completion c;
  c.wr_id = read.wr_id;
  c.opcode = fabric::WcOpcode::kRdmaRead;
  c.status = fabric::WcStatus::kRemoteAccessError;
  conn_->conn_state = fabric::ConnectionState::kError;
  conn_->fail_posts = true;
  ch_->HandleCompletion(c);
  EXPECT_EQ(ch_->state(), ChannelState::kDraining);
  CompleteDrain();
  EXPECT_TRUE(ch_->finished());
}

}  // namespace
}  // namespace srp::target::testing
