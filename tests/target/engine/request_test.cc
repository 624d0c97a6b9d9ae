// SPDK-style tests of SrpRequest::Process on the fake fabric: each step asserts the state
// reached and the exact work requests queued.
#include <gtest/gtest.h>

#include "tests/target/engine/engine_harness.h"

namespace srp::target::testing {
namespace {

using fabric::WrOpcode;
using wire::DataDirection;

class RequestTest : public EngineHarness {};

TEST_F(RequestTest, ReadSplitsWritesAndLinksResponseOnlyLastSignalled) {
  Init({.max_rdma = 65536});
  // 400 blocks = 204800 bytes = 3 x 64 KiB + 8 KiB.
  Deliver(0, Cmd(0x11, 0, scsi::BuildRead10(0, 400), Direct(DataDirection::kIn, 0x10000, 204800)));
  SrpRequest& req = Req(0x11);
  EXPECT_EQ(req.state(), RequestState::kResponseSent);
  ASSERT_EQ(conn_->sends.size(), 1u) << "one doorbell";
  const auto& b = conn_->sends[0];
  ASSERT_EQ(b.size(), 5u);
  uint32_t lens[] = {65536, 65536, 65536, 8192};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(b[i].opcode, WrOpcode::kRdmaWrite);
    EXPECT_EQ(b[i].length, lens[i]);
    EXPECT_EQ(b[i].remote_addr, 0x10000u + 65536u * i);
    EXPECT_EQ(b[i].rkey, 0x1234u);
    EXPECT_FALSE(b[i].signaled);
  }
  EXPECT_TRUE(b[4].signaled);
  auto rsp = Rsp(b[4]);
  EXPECT_EQ(rsp.header.tag, 0x11u);
  EXPECT_EQ(rsp.header.status, 0);
  EXPECT_EQ(rsp.header.req_lim_delta, 1u);
  EXPECT_EQ(rsp.header.flags, 0);
  // The receive was reposted before the response went out.
  ASSERT_EQ(conn_->recvs.size(), 1u);
  EXPECT_EQ(WrIdIndex(conn_->recvs[0]), 0u);
  Complete(b[4]);
  EXPECT_EQ(req.state(), RequestState::kDone);
  EXPECT_EQ(ch_->active_requests(), 0u);
  EXPECT_EQ(pool_->free_count(), opts_.pool_buffers);
}

TEST_F(RequestTest, WriteReadsInPiecesThenExecutesAndResponds) {
  Init({.max_rdma = 32768});
  Deliver(1, Cmd(0x22, 1, scsi::BuildWrite10(8, 200), Direct(DataDirection::kOut, 0x5000, 102400)));
  SrpRequest& req = Req(0x22);
  EXPECT_EQ(req.state(), RequestState::kRdmaRead);
  ASSERT_EQ(conn_->sends.size(), 1u);
  auto b = conn_->sends[0];
  ASSERT_EQ(b.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(b[i].opcode, WrOpcode::kRdmaRead);
    EXPECT_EQ(b[i].length, i < 3 ? 32768u : 4096u);
    EXPECT_EQ(b[i].remote_addr, 0x5000u + 32768u * i);
    EXPECT_EQ(b[i].signaled, i == 3);
  }
  // Nothing happens until the signalled READ completes.
  conn_->Clear();
  req.Process();
  EXPECT_EQ(req.state(), RequestState::kRdmaRead);
  EXPECT_TRUE(conn_->sends.empty());
  // "RDMA READ" the data: fill the local buffer the WRs point at.
  for (auto& w : b) std::memset(reinterpret_cast<void*>(w.addr), 0x5a, w.length);
  Complete(b[3]);
  EXPECT_EQ(req.state(), RequestState::kResponseSent);
  ASSERT_EQ(conn_->sends.size(), 1u);
  ASSERT_EQ(conn_->sends[0].size(), 1u);
  auto rsp = Rsp(conn_->sends[0][0]);
  EXPECT_EQ(rsp.header.status, 0);
  EXPECT_EQ(rsp.header.req_lim_delta, 1u);
  CompleteAll();
  EXPECT_EQ(req.state(), RequestState::kDone);

  // Read it back: the WRITE WRs carry the data.
  Deliver(2, Cmd(0x23, 1, scsi::BuildRead10(8, 200), Direct(DataDirection::kIn, 0x9000, 102400)));
  auto all = conn_->AllSends();
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < 4; ++i) {
    auto* p = reinterpret_cast<const uint8_t*>(all[i].addr);
    EXPECT_EQ(p[0], 0x5a);
    EXPECT_EQ(p[all[i].length - 1], 0x5a);
  }
}

TEST_F(RequestTest, UnderflowAndOverflowSetResidualFlags) {
  Init();
  // 8 blocks read into a 8192-byte buffer: DIUNDER, residual 4096, only 4096 written.
  Deliver(0, Cmd(1, 0, scsi::BuildRead10(0, 8), Direct(DataDirection::kIn, 0x1000, 8192)));
  auto b = conn_->sends.at(0);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].length, 4096u);
  auto rsp = Rsp(b[1]);
  EXPECT_EQ(rsp.header.flags, wire::kDiUnder);
  EXPECT_EQ(rsp.header.data_in_res_cnt, 4096u);
  CompleteAll();
  // 8 blocks into 2048 bytes: DIOVER, residual 2048.
  Deliver(1, Cmd(2, 0, scsi::BuildRead10(0, 8), Direct(DataDirection::kIn, 0x1000, 2048)));
  b = conn_->sends.at(0);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].length, 2048u);
  rsp = Rsp(b[1]);
  EXPECT_EQ(rsp.header.flags, wire::kDiOver);
  EXPECT_EQ(rsp.header.data_in_res_cnt, 2048u);
}

TEST_F(RequestTest, BadDescriptorIsCheckConditionWithCredit) {
  Init();
  Deliver(0, Cmd(7, 1, scsi::BuildRead10(0, 1), Direct(DataDirection::kIn, 0x1000, 0)));
  ASSERT_EQ(conn_->sends.size(), 1u);
  ASSERT_EQ(conn_->sends[0].size(), 1u);
  auto rsp = Rsp(conn_->sends[0][0]);
  EXPECT_EQ(rsp.header.status, 0x02);
  EXPECT_EQ(rsp.header.req_lim_delta, 1u);
  EXPECT_TRUE(rsp.header.flags & wire::kSnsValid);
  auto s = Sense(rsp);
  EXPECT_EQ(s.key, scsi::SenseKey::kIllegalRequest);
  EXPECT_EQ(s.asc, scsi::kAscInvalidFieldInCdb);
}

TEST_F(RequestTest, TransferAboveMaximumIsRefused) {
  Init({.max_transfer = 1u << 20});
  Deliver(0, Cmd(7, 1, scsi::BuildRead16(0, 65536), Direct(DataDirection::kIn, 0x1000, 32u << 20)));
  auto rsp = Rsp(conn_->sends.at(0).at(0));
  EXPECT_EQ(rsp.header.status, 0x02);
  EXPECT_EQ(Sense(rsp).asc, scsi::kAscInvalidFieldInCdb);
}

TEST_F(RequestTest, TagReusedWhileInFlightIsOverlappedCommand) {
  Init();
  Deliver(0, Cmd(0x99, 1, scsi::BuildWrite10(0, 8), Direct(DataDirection::kOut, 0x1000, 4096)));
  EXPECT_EQ(Req(0x99).state(), RequestState::kRdmaRead);
  conn_->Clear();
  Deliver(1, Cmd(0x99, 1, scsi::BuildRead10(0, 8), Direct(DataDirection::kIn, 0x1000, 4096)));
  auto rsp = Rsp(conn_->sends.at(0).at(0));
  EXPECT_EQ(rsp.header.tag, 0x99u);
  EXPECT_EQ(rsp.header.status, 0x02);
  auto s = Sense(rsp);
  EXPECT_EQ(s.key, scsi::SenseKey::kAbortedCommand);
  EXPECT_EQ(s.asc, (scsi::Asc{0x4E, 0x00}));
}

TEST_F(RequestTest, UnknownIuReturnsItsCreditWithTheNextResponse) {
  Init();
  std::vector<std::byte> junk(16, std::byte{0});
  junk[0] = std::byte{0x77};
  Deliver(3, junk);
  EXPECT_TRUE(conn_->sends.empty());
  ASSERT_EQ(conn_->recvs.size(), 1u);
  EXPECT_EQ(WrIdIndex(conn_->recvs[0]), 3u);
  EXPECT_EQ(ch_->pending_credits(), 1u);
  // A target-to-initiator opcode is ignored the same way.
  Deliver(4, wire::EncodeTargetLogout({}));
  EXPECT_EQ(ch_->pending_credits(), 2u);
  Deliver(0, Cmd(5, 0, scsi::BuildTestUnitReady(), wire::DataLayout{}));
  EXPECT_EQ(Rsp(conn_->sends.at(0).at(0)).header.req_lim_delta, 3u);
  EXPECT_EQ(ch_->pending_credits(), 0u);
}

TEST_F(RequestTest, ImmediateDataNeedsNoRdmaRead) {
  Init();
  std::vector<std::byte> data(1024, std::byte{0x3c});
  wire::DataLayout l;
  l.direction = DataDirection::kOut;
  l.format = wire::DataFormat::kImmediate;
  l.total_length = 1024;
  l.imm_offset = 68;
  l.imm_length = 1024;
  Deliver(0, Cmd(9, 1, scsi::BuildWrite10(100, 2), l, data));
  ASSERT_EQ(conn_->sends.size(), 1u);
  ASSERT_EQ(conn_->sends[0].size(), 1u);
  EXPECT_EQ(Rsp(conn_->sends[0][0]).header.status, 0);
  CompleteAll();
  Deliver(1, Cmd(10, 1, scsi::BuildRead10(100, 2), Direct(DataDirection::kIn, 0x1000, 1024)));
  auto w = conn_->sends.at(0).at(0);
  EXPECT_EQ(w.opcode, WrOpcode::kRdmaWrite);
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(w.addr)[1023], 0x3c);
}

TEST_F(RequestTest, IndirectInlineDescriptorsAreReadEach) {
  Init();
  wire::DataLayout l;
  l.direction = DataDirection::kOut;
  l.format = wire::DataFormat::kIndirect;
  l.descriptors = {{0x1000, 1, 1024}, {0x8000, 2, 3072}};
  l.total_length = 4096;
  l.table_desc = {0x100, 9, 32};
  Deliver(0, Cmd(1, 1, scsi::BuildWrite10(0, 8), l));
  auto b = conn_->sends.at(0);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].remote_addr, 0x1000u);
  EXPECT_EQ(b[0].rkey, 1u);
  EXPECT_EQ(b[0].length, 1024u);
  EXPECT_EQ(b[1].remote_addr, 0x8000u);
  EXPECT_EQ(b[1].length, 3072u);
  EXPECT_EQ(b[1].addr, b[0].addr + 1024);
  EXPECT_TRUE(b[1].signaled);
}

TEST_F(RequestTest, ExternalTableIsFetchedFirst) {
  Init();
  wire::DataLayout l;
  l.direction = DataDirection::kIn;
  l.format = wire::DataFormat::kIndirect;
  l.descriptors = {{0x1000, 1, 512}};  // only the first of three entries inline
  l.total_length = 1536;
  l.table_desc = {0x7000, 5, 48};
  Deliver(0, Cmd(1, 0, scsi::BuildRead10(0, 3), l));
  SrpRequest& req = Req(1);
  EXPECT_EQ(req.state(), RequestState::kRdmaRead);
  auto b = conn_->sends.at(0);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].opcode, WrOpcode::kRdmaRead);
  EXPECT_EQ(b[0].remote_addr, 0x7000u);
  EXPECT_EQ(b[0].rkey, 5u);
  EXPECT_EQ(b[0].length, 48u);
  // The initiator's table: three entries.
  auto* t = reinterpret_cast<std::byte*>(b[0].addr);
  wire::DirectDescriptor e[3] = {{0x1000, 1, 512}, {0x2000, 2, 512}, {0x3000, 3, 512}};
  for (int i = 0; i < 3; ++i)
    wire::EncodeDirectDescriptor(e[i], std::span<std::byte, 16>(t + 16 * i, 16));
  conn_->Clear();
  Complete(b[0]);
  EXPECT_EQ(req.state(), RequestState::kResponseSent);
  auto w = conn_->sends.at(0);
  ASSERT_EQ(w.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(w[i].opcode, WrOpcode::kRdmaWrite);
    EXPECT_EQ(w[i].remote_addr, e[i].va);
    EXPECT_EQ(w[i].rkey, e[i].rkey);
  }
  EXPECT_EQ(Rsp(w[3]).header.status, 0);
}

TEST_F(RequestTest, ShortSendQueueSplitsIntoSignalledBatches) {
  Init({.send_queue_size = 16, .max_rdma = 4096});
  // 64 KiB in 4 KiB pieces = 16 WRITEs + SEND; 15 send-queue slots usable.
  Deliver(0, Cmd(1, 0, scsi::BuildRead10(0, 128), Direct(DataDirection::kIn, 0x1000, 65536)));
  SrpRequest& req = Req(1);
  EXPECT_EQ(req.state(), RequestState::kRdmaWrite);
  ASSERT_EQ(conn_->sends.size(), 1u);
  ASSERT_EQ(conn_->sends[0].size(), 15u);
  for (size_t i = 0; i < 15; ++i) EXPECT_EQ(conn_->sends[0][i].signaled, i == 14);
  auto first = conn_->sends[0];
  conn_->Clear();
  Complete(first.back());
  EXPECT_EQ(req.state(), RequestState::kResponseSent);
  ASSERT_EQ(conn_->sends.size(), 1u);
  ASSERT_EQ(conn_->sends[0].size(), 2u);
  EXPECT_EQ(conn_->sends[0][0].opcode, WrOpcode::kRdmaWrite);
  EXPECT_FALSE(conn_->sends[0][0].signaled);
  EXPECT_EQ(conn_->sends[0][1].opcode, WrOpcode::kSend);
  EXPECT_TRUE(conn_->sends[0][1].signaled);
  CompleteAll();
  EXPECT_EQ(req.state(), RequestState::kDone);
}

TEST_F(RequestTest, EmptyPoolParksUntilABufferIsReleased) {
  Init({.pool_buffers = 1});
  Deliver(0, Cmd(1, 1, scsi::BuildWrite10(0, 8), Direct(DataDirection::kOut, 0x1000, 4096)));
  Deliver(1, Cmd(2, 1, scsi::BuildWrite10(8, 8), Direct(DataDirection::kOut, 0x2000, 4096)));
  SrpRequest& first = Req(1);
  SrpRequest& second = Req(2);
  EXPECT_EQ(first.state(), RequestState::kRdmaRead);
  EXPECT_EQ(second.state(), RequestState::kNeedBuffer);
  ASSERT_EQ(conn_->sends.size(), 1u);
  auto read = conn_->sends[0][0];
  conn_->Clear();
  Complete(read);  // request 0 executes and queues its SRP_RSP
  auto rsp = conn_->sends.at(0).at(0);
  conn_->Clear();
  Complete(rsp);  // request 0 done: its buffer goes to request 1
  EXPECT_EQ(first.state(), RequestState::kDone);
  EXPECT_EQ(second.state(), RequestState::kRdmaRead);
  EXPECT_EQ(conn_->sends.at(0).at(0).remote_addr, 0x2000u);
}

TEST_F(RequestTest, LargeTransferTakesTheSlowPath) {
  Init({.pool_buffer_size = 4096});
  int regs = fabric_.registrations;
  Deliver(0, Cmd(1, 0, scsi::BuildRead10(0, 64), Direct(DataDirection::kIn, 0x1000, 32768)));
  EXPECT_EQ(fabric_.registrations, regs + 1);
  EXPECT_EQ(Req(1).state(), RequestState::kResponseSent);
  CompleteAll();
  EXPECT_EQ(pool_->slow_in_use(), 0u);
}

TEST_F(RequestTest, QueueFullIsBusyAloneAndTaskSetFullOtherwise) {
  Init({.lun1_queue_depth = 1});
  ASSERT_TRUE(mem_lu_->TryAcquireSlot());
  Deliver(0, Cmd(1, 1, scsi::BuildRead10(0, 1), Direct(DataDirection::kIn, 0x1000, 512)));
  auto rsp = Rsp(conn_->AllSends().back());
  EXPECT_EQ(rsp.header.status, 0x08) << "BUSY with one command outstanding";
  EXPECT_EQ(rsp.header.req_lim_delta, 1u);
  CompleteAll();
  // Another command of the session waits in RDMA READ: now TASK SET FULL.
  Deliver(1, Cmd(2, 0, scsi::BuildWrite10(0, 1), Direct(DataDirection::kOut, 0x1000, 512)));
  conn_->Clear();
  Deliver(2, Cmd(3, 1, scsi::BuildRead10(0, 1), Direct(DataDirection::kIn, 0x1000, 512)));
  rsp = Rsp(conn_->AllSends().back());
  EXPECT_EQ(rsp.header.status, 0x28);
  mem_lu_->ReleaseSlot();
}

TEST_F(RequestTest, IusBeforeEstablishedAreQueuedNotDropped) {
  Init();
  // A second channel that has not seen its established event yet.
  auto conn = std::make_unique<FakeConnection>();
  FakeConnection* c = conn.get();
  ChannelParams p;
  p.id = 2;
  p.ring_size = 4;
  p.max_it_iu_len = 2116;
  p.session = session_;
  p.luns = config_.luns;
  auto ch = std::move(SrpChannel::Create(fabric_, std::move(conn), config_, p, &group_).value());
  ASSERT_TRUE(ch->Start().ok());
  auto iu = Cmd(1, 0, scsi::BuildTestUnitReady(), wire::DataLayout{});
  std::memcpy(ch->RecvSlot(0).data(), iu.data(), iu.size());
  fabric::Completion comp;
  comp.wr_id = MakeWrId(WrKind::kRecv, 0);
  comp.opcode = fabric::WcOpcode::kRecv;
  comp.byte_len = static_cast<uint32_t>(iu.size());
  ch->HandleCompletion(comp);
  ch->FlushDoorbell();
  EXPECT_TRUE(c->sends.empty());
  EXPECT_EQ(ch->state(), ChannelState::kConnecting);
  c->events.push_back({fabric::ConnectionEventType::kEstablished, Status::Ok()});
  ch->PollEvents();
  ch->FlushDoorbell();
  EXPECT_EQ(ch->state(), ChannelState::kLive);
  ASSERT_EQ(c->sends.size(), 1u);
  EXPECT_EQ(Rsp(c->sends[0][0]).header.tag, 1u);
}

}  // namespace
}  // namespace srp::target::testing
