// Request contexts vs receive slots: a request reposts its receive slot when execution ends
// but keeps its context (and response buffer) until its SRP_RSP SEND completes. A new IU may
// land in the reposted slot meanwhile; it must get another context, or wait for one.
#include <gtest/gtest.h>

#include "tests/target/engine/engine_harness.h"

namespace srp::target::testing {
namespace {

using wire::DataDirection;

class SlotReuseTest : public EngineHarness {
 protected:
  // A 4 KiB READ from the null LU: with the inline executor it runs to kResponseSent at once,
  // leaving one signalled SEND outstanding.
  static std::vector<std::byte> Read(uint64_t tag) {
    return Cmd(tag, 0, scsi::BuildRead10(0, 8), Direct(DataDirection::kIn, 0x1000, 4096));
  }

  // The SRP_RSP SENDs queued since the last Clear, in order.
  std::vector<RecordedWr> Responses() const {
    std::vector<RecordedWr> out;
    for (const RecordedWr& w : conn_->AllSends())
      if (w.opcode == fabric::WrOpcode::kSend) out.push_back(w);
    return out;
  }

  static bool Reposted(const FakeConnection& c, uint32_t slot) {
    for (uint64_t id : c.recvs)
      if (WrIdIndex(id) == slot) return true;
    return false;
  }
};

// The old bug: request contexts were bound 1:1 to receive slots, so an IU arriving in a slot
// whose request still waited for its SEND completion found the context busy and the channel
// was torn down ("receive slot reused").
TEST_F(SlotReuseTest, IuInRepostedSlotWhileSendOutstandingIsProcessed) {
  Init({.ring_size = 2});
  EXPECT_EQ(ch_->request_count(), 4u);
  Deliver(0, Read(0x10));
  SrpRequest& first = Req(0x10);
  ASSERT_EQ(first.state(), RequestState::kResponseSent);
  ASSERT_TRUE(Reposted(*conn_, 0)) << "slot 0 reposted before the SEND completed";
  auto rsp1 = Responses();
  ASSERT_EQ(rsp1.size(), 1u);
  conn_->Clear();

  // The initiator got the credit and reuses slot 0 before our SEND completion arrives.
  Deliver(0, Read(0x11));
  EXPECT_EQ(conn_->disconnects, 0);
  EXPECT_EQ(ch_->state(), ChannelState::kLive);
  SrpRequest& second = Req(0x11);
  EXPECT_NE(&first, &second);
  EXPECT_EQ(second.recv_slot(), 0u);
  EXPECT_EQ(second.state(), RequestState::kResponseSent);
  EXPECT_EQ(first.state(), RequestState::kResponseSent);
  EXPECT_EQ(ch_->active_requests(), 2u);
  auto rsp2 = Responses();
  ASSERT_EQ(rsp2.size(), 1u);
  // Each response lives in its own context's buffer: the second did not overwrite the first.
  EXPECT_NE(rsp1[0].addr, rsp2[0].addr);
  EXPECT_EQ(Rsp(rsp1[0]).header.tag, 0x10u);
  EXPECT_EQ(Rsp(rsp2[0]).header.tag, 0x11u);
  EXPECT_EQ(Rsp(rsp2[0]).header.req_lim_delta, 1u);
  EXPECT_TRUE(Reposted(*conn_, 0));

  // And once more, with both earlier SENDs still outstanding (slot 1 never used).
  conn_->Clear();
  Deliver(0, Read(0x12));
  EXPECT_EQ(conn_->disconnects, 0);
  auto rsp3 = Responses();
  ASSERT_EQ(rsp3.size(), 1u);
  EXPECT_EQ(Rsp(rsp3[0]).header.tag, 0x12u);
  EXPECT_EQ(ch_->active_requests(), 3u);

  // The SEND completions arrive out of order; each frees its own context only.
  Complete(rsp2[0]);
  EXPECT_EQ(second.state(), RequestState::kDone);
  EXPECT_EQ(first.state(), RequestState::kResponseSent);
  Complete(rsp1[0]);
  Complete(rsp3[0]);
  EXPECT_EQ(ch_->active_requests(), 0u);
  EXPECT_EQ(pool_->free_count(), opts_.pool_buffers);
  EXPECT_EQ(ch_->state(), ChannelState::kLive);
}

// The initiator frees a tag when it receives the SRP_RSP, possibly before our SEND completion:
// reusing it then is not an overlapped command.
TEST_F(SlotReuseTest, TagReusedAfterResponseQueuedIsNotOverlapped) {
  Init({.ring_size = 2});
  Deliver(0, Read(0x70));
  auto first = Responses();
  ASSERT_EQ(first.size(), 1u);
  conn_->Clear();
  Deliver(0, Read(0x70));
  auto second = Responses();
  ASSERT_EQ(second.size(), 1u);
  wire::RspView rsp = Rsp(second[0]);
  EXPECT_EQ(rsp.header.tag, 0x70u);
  EXPECT_EQ(rsp.header.status, 0) << "not OVERLAPPED COMMANDS";
  EXPECT_EQ(Rsp(first[0]).header.tag, 0x70u);
  Complete(first[0]);
  Complete(second[0]);
  EXPECT_EQ(ch_->active_requests(), 0u);
}

// Every context waits for a SEND completion: the next IUs are parked (receive buffer kept,
// not reposted), then processed in arrival order as SENDs complete. Nothing is dropped or
// rejected, and each parked IU's response returns exactly its own credit.
TEST_F(SlotReuseTest, IuWithoutFreeContextIsParkedUntilASendCompletes) {
  Init({.ring_size = 2});
  const uint32_t contexts = ch_->request_count();
  ASSERT_EQ(contexts, 4u);
  std::vector<RecordedWr> sends;
  for (uint32_t i = 0; i < contexts; ++i) {
    conn_->Clear();
    Deliver(i % 2, Read(0x20 + i));
    auto r = Responses();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(Rsp(r[0]).header.tag, 0x20u + i);
    sends.push_back(r[0]);
  }
  EXPECT_EQ(ch_->active_requests(), contexts);

  conn_->Clear();
  Deliver(0, Read(0x30));
  Deliver(1, Read(0x31));
  EXPECT_EQ(conn_->disconnects, 0);
  EXPECT_EQ(ch_->state(), ChannelState::kLive);
  EXPECT_EQ(ch_->parked_ius(), 2u);
  EXPECT_EQ(ch_->FindRequest(0x30), nullptr);
  EXPECT_TRUE(conn_->sends.empty());
  EXPECT_TRUE(conn_->recvs.empty()) << "a parked IU keeps its receive buffer";
  EXPECT_EQ(ch_->pending_credits(), 0u);

  // One SEND completes: its context takes the oldest parked IU (slot 0, tag 0x30).
  Complete(sends[2]);
  EXPECT_EQ(ch_->parked_ius(), 1u);
  auto r = Responses();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Rsp(r[0]).header.tag, 0x30u);
  EXPECT_EQ(Rsp(r[0]).header.req_lim_delta, 1u);
  EXPECT_TRUE(Reposted(*conn_, 0));
  EXPECT_FALSE(Reposted(*conn_, 1));
  sends.push_back(r[0]);

  conn_->Clear();
  Complete(sends[0]);
  EXPECT_EQ(ch_->parked_ius(), 0u);
  r = Responses();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Rsp(r[0]).header.tag, 0x31u);
  EXPECT_EQ(Rsp(r[0]).header.req_lim_delta, 1u);
  EXPECT_TRUE(Reposted(*conn_, 1));
  sends.push_back(r[0]);

  for (size_t i : {1u, 3u, 4u, 5u}) Complete(sends[i]);
  EXPECT_EQ(ch_->active_requests(), 0u);
  EXPECT_EQ(ch_->pending_credits(), 0u);
  EXPECT_EQ(conn_->disconnects, 0);
}

// A context freed outside a SEND completion (here: an aborted command finishing when its
// RDMA READ completes) also serves the parked IUs, through the doorbell.
TEST_F(SlotReuseTest, ParkedIuIsServedByAContextFreedByAnAbort) {
  Init({.ring_size = 2});
  // Context 1: a WRITE waiting for its RDMA READ (holds slot 1).
  Deliver(1, Cmd(0x40, 1, scsi::BuildWrite10(0, 8), Direct(DataDirection::kOut, 0x1000, 4096)));
  SrpRequest& write = Req(0x40);
  ASSERT_EQ(write.state(), RequestState::kRdmaRead);
  RecordedWr read = conn_->sends.at(0).back();
  // Contexts 2..4: READs waiting for their SEND completions (all through slot 0).
  std::vector<RecordedWr> sends;
  for (uint64_t tag = 0x41; tag <= 0x43; ++tag) {
    conn_->Clear();
    Deliver(0, Read(tag));
    sends.push_back(Responses().at(0));
  }
  // An ABORT TASK for the WRITE arrives in slot 0: no context is free, so it is parked.
  conn_->Clear();
  Deliver(0, Tmf(0x80000040, 1, wire::TmfFunction::kAbortTask, 0x40));
  EXPECT_EQ(ch_->parked_ius(), 1u);
  EXPECT_FALSE(write.aborted());
  // A READ completes: its context runs the TMF, which aborts the WRITE.
  Complete(sends[0]);
  EXPECT_EQ(ch_->parked_ius(), 0u);
  EXPECT_TRUE(write.aborted());
  auto r = Responses();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Rsp(r[0]).header.tag, 0x80000040u);
  sends.push_back(r[0]);
  // The aborted WRITE finishes when its READ completes and returns its credit later.
  conn_->Clear();
  Complete(read);
  EXPECT_EQ(write.state(), RequestState::kDone);
  EXPECT_EQ(ch_->pending_credits(), 1u);
  for (size_t i = 1; i < sends.size(); ++i) Complete(sends[i]);
  EXPECT_EQ(ch_->active_requests(), 0u);
}

// Disconnect with IUs parked: they are dropped with the channel, which still drains.
TEST_F(SlotReuseTest, DisconnectWithParkedIusDrains) {
  Init({.ring_size = 2});
  for (uint32_t i = 0; i < ch_->request_count(); ++i) Deliver(i % 2, Read(0x50 + i));
  Deliver(0, Read(0x60));
  ASSERT_EQ(ch_->parked_ius(), 1u);
  ch_->Disconnect("test");
  EXPECT_EQ(ch_->state(), ChannelState::kDraining);
  EXPECT_EQ(ch_->parked_ius(), 0u);
  CompleteDrain();
  EXPECT_TRUE(ch_->finished());
  EXPECT_EQ(ch_->active_requests(), 0u);
  EXPECT_EQ(session_->outstanding(), 0u);
}

}  // namespace
}  // namespace srp::target::testing
