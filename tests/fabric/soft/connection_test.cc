// CM, SEND/RECV, RNR, length errors, disconnect and event fds of the soft fabric.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/fabric/soft/soft_test_util.h"

namespace srp::fabric::soft::testing {
namespace {

std::string Text(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST_F(SoftFabricTest, ConnectAcceptCarriesPrivateDataBothWays) {
  auto cq_a = Take(a_->CreateCompletionQueue(16));
  auto cq_b = Take(b_->CreateCompletionQueue(16));
  auto listener = Take(b_->Listen(Address::Ib(b_->port().gid, kServiceId)));
  EXPECT_EQ(listener->address().service_id, kServiceId);
  ConnectParams params;
  params.destination = Address::Ib(b_->port().gid, kServiceId);
  params.qp.send_cq = params.qp.recv_cq = cq_a.get();
  params.private_data = Bytes("hello-req");
  auto fut = std::async(std::launch::async, [&] { return a_->Connect(params); });
  EXPECT_TRUE(FdReadable(listener->event_fd(), 5000));
  auto req = listener->NextRequest(5s);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(Text((*req)->private_data()), "hello-req");
  EXPECT_EQ((*req)->peer().gid, a_->port().gid);
  EXPECT_EQ((*req)->peer().port_guid, a_->port().port_guid);
  EXPECT_EQ((*req)->peer().node_guid, a_->port().node_guid);
  EXPECT_EQ((*req)->local_address().service_id, kServiceId);
  QpOptions qp;
  qp.send_cq = qp.recv_cq = cq_b.get();
  auto conn = Take(listener->CreateConnection(**req, qp));
  EXPECT_EQ(conn->state(), ConnectionState::kConnecting);
  ASSERT_TRUE(listener->Accept(**req, *conn, Bytes("hello-rep")).ok());
  auto reply = fut.get();
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_FALSE(reply->rejected);
  EXPECT_EQ(Text(reply->private_data), "hello-rep");
  ASSERT_NE(reply->connection, nullptr);
  EXPECT_EQ(reply->connection->state(), ConnectionState::kEstablished);
  EXPECT_EQ(reply->connection->peer().gid, b_->port().gid);
  ASSERT_TRUE(WaitEvent(*conn, ConnectionEventType::kEstablished).has_value());
  EXPECT_EQ(conn->state(), ConnectionState::kEstablished);
  EXPECT_NE(conn->qp_num(), 0u);
  EXPECT_FALSE(FdReadable(listener->event_fd()));
}

TEST_F(SoftFabricTest, RejectCarriesPrivateData) {
  auto cq = Take(a_->CreateCompletionQueue(16));
  auto listener = Take(b_->Listen(Address::Ib(b_->port().gid, kServiceId)));
  ConnectParams params;
  params.destination = Address::Ib(b_->port().gid, kServiceId);
  params.qp.send_cq = params.qp.recv_cq = cq.get();
  auto fut = std::async(std::launch::async, [&] { return a_->Connect(params); });
  auto req = listener->NextRequest(5s);
  ASSERT_TRUE(req.ok());
  ASSERT_TRUE(listener->Reject(**req, Bytes("go away")).ok());
  auto reply = fut.get();
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_TRUE(reply->rejected);
  EXPECT_EQ(reply->connection, nullptr);
  EXPECT_EQ(Text(reply->private_data), "go away");
}

TEST_F(SoftFabricTest, ConnectWithoutListenerOrPortFails) {
  auto cq = Take(a_->CreateCompletionQueue(16));
  ConnectParams params;
  params.qp.send_cq = params.qp.recv_cq = cq.get();
  params.destination = Address::Ib(b_->port().gid, 0x1234);
  auto r = a_->Connect(params);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  params.destination = Address::Ib(Gid::FromParts(0xfe80000000000000ull, 42), kServiceId);
  r = a_->Connect(params);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(SoftFabricTest, NextRequestTimesOut) {
  auto listener = Take(b_->Listen(Address::Ib(b_->port().gid, kServiceId)));
  auto r = listener->NextRequest(10ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTimedOut);
  auto dup = b_->Listen(Address::Ib(b_->port().gid, kServiceId));
  EXPECT_FALSE(dup.ok());
}

TEST_F(SoftFabricTest, SendRecvInOrderWithReceivesPostedBeforeAccept) {
  constexpr int kCount = 200;
  Buffer rbuf(*b_, 64 * kCount);
  Buffer sbuf(*a_, 64 * kCount);
  QpOptions b_opts;
  b_opts.max_recv_wr = kCount;
  QpOptions a_opts;
  a_opts.max_send_wr = kCount;
  Pair p = Connect(a_opts, b_opts, [&](Connection& c) {
    for (int i = 0; i < kCount; ++i) {
      Sge s = rbuf.sge(64 * i, 64);
      RecvRequest r{static_cast<uint64_t>(i), std::span<const Sge>(&s, 1)};
      ASSERT_TRUE(c.PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
    }
  });
  for (int i = 0; i < kCount; ++i) {
    std::string msg = "message " + std::to_string(i);
    std::memcpy(sbuf.data.data() + 64 * i, msg.data(), msg.size());
    Sge s = sbuf.sge(64 * i, static_cast<uint32_t>(msg.size()));
    ASSERT_TRUE(p.a->PostSendMessage(1000 + i, std::span<const Sge>(&s, 1), true).ok());
  }
  auto recvs = WaitCompletions(*p.b_cq, kCount);
  ASSERT_EQ(recvs.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(recvs[i].wr_id, static_cast<uint64_t>(i));
    EXPECT_EQ(recvs[i].opcode, WcOpcode::kRecv);
    EXPECT_EQ(recvs[i].status, WcStatus::kSuccess);
    std::string msg = "message " + std::to_string(i);
    EXPECT_EQ(recvs[i].byte_len, msg.size());
    EXPECT_EQ(std::string(rbuf.data.data() + 64 * i, msg.size()), msg);
    EXPECT_EQ(recvs[i].qp_num, p.b->qp_num());
  }
  auto sends = WaitCompletions(*p.a_cq, kCount);
  ASSERT_EQ(sends.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(sends[i].wr_id, static_cast<uint64_t>(1000 + i));
    EXPECT_EQ(sends[i].opcode, WcOpcode::kSend);
    EXPECT_EQ(sends[i].status, WcStatus::kSuccess);
  }
}

TEST_F(SoftFabricTest, LargeSendScattersIntoMultipleSges) {
  constexpr size_t kSize = 3 * 1024 * 1024 + 17;
  Buffer rbuf(*b_, kSize);
  Buffer sbuf(*a_, kSize);
  for (size_t i = 0; i < kSize; ++i) sbuf.data[i] = static_cast<char>(i * 7 + 3);
  QpOptions b_opts;
  b_opts.max_recv_sge = 2;
  Pair p = Connect({}, b_opts);
  Sge rs[2] = {rbuf.sge(0, 1000), rbuf.sge(1000, kSize - 1000)};
  RecvRequest r{7, rs};
  ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  Sge s = sbuf.sge(0, kSize);
  ASSERT_TRUE(p.a->PostSendMessage(1, std::span<const Sge>(&s, 1)).ok());
  auto c = WaitCompletions(*p.b_cq, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, WcStatus::kSuccess);
  EXPECT_EQ(c[0].byte_len, kSize);
  EXPECT_EQ(rbuf.data, sbuf.data);
}

TEST_F(SoftFabricTest, ReceiverNotReadyWaitsThenDelivers) {
  Buffer rbuf(*b_, 64), sbuf(*a_, 64);
  Pair p = Connect();
  std::memcpy(sbuf.data.data(), "late", 4);
  Sge s = sbuf.sge(0, 4);
  ASSERT_TRUE(p.a->PostSendMessage(1, std::span<const Sge>(&s, 1)).ok());
  Sge w = sbuf.sge(8, 4);  // an RDMA WRITE behind the stalled SEND must wait too
  std::memcpy(sbuf.data.data() + 8, "wxyz", 4);
  ASSERT_TRUE(p.a->PostRdmaWrite(2, std::span<const Sge>(&w, 1),
                                 reinterpret_cast<uint64_t>(rbuf.data.data() + 32), rbuf.mr->rkey(),
                                 true)
                  .ok());
  std::this_thread::sleep_for(100ms);
  Completion tmp[4];
  EXPECT_EQ(p.a_cq->Poll(tmp), 0u);
  EXPECT_EQ(p.b_cq->Poll(tmp), 0u);
  EXPECT_NE(std::string(rbuf.data.data() + 32, 4), "wxyz");
  Sge rs = rbuf.sge(0, 16);
  RecvRequest r{9, std::span<const Sge>(&rs, 1)};
  ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  auto rc = WaitCompletions(*p.b_cq, 1);
  ASSERT_EQ(rc.size(), 1u);
  EXPECT_EQ(rc[0].status, WcStatus::kSuccess);
  EXPECT_EQ(std::string(rbuf.data.data(), 4), "late");
  auto sc = WaitCompletions(*p.a_cq, 2);
  ASSERT_EQ(sc.size(), 2u);
  EXPECT_EQ(sc[0].wr_id, 1u);
  EXPECT_EQ(sc[1].wr_id, 2u);
  EXPECT_EQ(sc[1].status, WcStatus::kSuccess);
  EXPECT_EQ(std::string(rbuf.data.data() + 32, 4), "wxyz");
}

TEST_F(SoftFabricTest, FiniteRnrRetryFailsWithReceiverNotReady) {
  Buffer sbuf(*a_, 64);
  QpOptions a_opts;
  a_opts.rnr_retry_count = 1;
  Pair p = Connect(a_opts);
  Sge s = sbuf.sge(0, 8);
  ASSERT_TRUE(p.a->PostSendMessage(1, std::span<const Sge>(&s, 1)).ok());
  ASSERT_TRUE(p.a->PostSendMessage(2, std::span<const Sge>(&s, 1)).ok());
  auto c = WaitCompletions(*p.a_cq, 2);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].status, WcStatus::kReceiverNotReady);
  EXPECT_EQ(c[1].status, WcStatus::kWorkRequestFlushed);
  EXPECT_TRUE(WaitEvent(*p.a, ConnectionEventType::kError).has_value());
  EXPECT_EQ(p.a->state(), ConnectionState::kError);
}

TEST_F(SoftFabricTest, SendLongerThanReceiveIsLengthError) {
  Buffer rbuf(*b_, 64), sbuf(*a_, 64);
  Pair p = Connect();
  Sge rs = rbuf.sge(0, 16);
  RecvRequest r{5, std::span<const Sge>(&rs, 1)};
  ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  Sge s = sbuf.sge(0, 64);
  ASSERT_TRUE(p.a->PostSendMessage(1, std::span<const Sge>(&s, 1)).ok());
  auto rc = WaitCompletions(*p.b_cq, 2);
  ASSERT_EQ(rc.size(), 2u);
  EXPECT_EQ(rc[0].status, WcStatus::kLocalLengthError);
  EXPECT_EQ(rc[1].status, WcStatus::kWorkRequestFlushed);
  auto sc = WaitCompletions(*p.a_cq, 1);
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].status, WcStatus::kRemoteOperationError);
  EXPECT_TRUE(WaitEvent(*p.a, ConnectionEventType::kError).has_value());
  EXPECT_TRUE(WaitEvent(*p.b, ConnectionEventType::kError).has_value());
}

TEST_F(SoftFabricTest, SelectiveSignalling) {
  Buffer rbuf(*b_, 4096), sbuf(*a_, 4096);
  Pair p = Connect();
  Sge rs = rbuf.sge(0, 64);
  RecvRequest r{1, std::span<const Sge>(&rs, 1)};
  ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  Sge w = sbuf.sge(0, 1024), s = sbuf.sge(0, 32);
  uint64_t raddr = reinterpret_cast<uint64_t>(rbuf.data.data() + 1024);
  WorkRequest batch[3] = {
      {10, WrOpcode::kRdmaWrite, std::span<const Sge>(&w, 1), raddr, rbuf.mr->rkey(), false},
      {11, WrOpcode::kRdmaWrite, std::span<const Sge>(&w, 1), raddr + 1024, rbuf.mr->rkey(), false},
      {12, WrOpcode::kSend, std::span<const Sge>(&s, 1), 0, 0, true},
  };
  size_t posted = 0;
  ASSERT_TRUE(p.a->PostSend(batch, &posted).ok());
  EXPECT_EQ(posted, 3u);
  auto c = WaitCompletions(*p.a_cq, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].wr_id, 12u);
  std::this_thread::sleep_for(20ms);
  Completion extra[4];
  EXPECT_EQ(p.a_cq->Poll(extra), 0u);
}

TEST_F(SoftFabricTest, PostSendRejectsBadArguments) {
  Buffer sbuf(*a_, 64);
  QpOptions a_opts;
  a_opts.max_send_sge = 1;
  a_opts.max_send_wr = 2;
  Pair p = Connect(a_opts);
  Sge two[2] = {sbuf.sge(0, 8), sbuf.sge(8, 8)};
  size_t posted = 99;
  WorkRequest wr{1, WrOpcode::kRdmaWrite, two, 0, 0, false};
  EXPECT_EQ(p.a->PostSend(std::span<const WorkRequest>(&wr, 1), &posted).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(posted, 0u);
}

TEST_F(SoftFabricTest, BadLkeyIsLocalProtectionError) {
  Buffer sbuf(*a_, 64);
  Pair p = Connect();
  Sge s = sbuf.sge(0, 8);
  s.lkey ^= 0x5a5a5a5a;
  ASSERT_TRUE(p.a->PostSendMessage(1, std::span<const Sge>(&s, 1), false).ok());
  auto c = WaitCompletions(*p.a_cq, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, WcStatus::kLocalProtectionError);
  EXPECT_TRUE(WaitEvent(*p.a, ConnectionEventType::kError).has_value());
}

TEST_F(SoftFabricTest, DisconnectFlushesAndNotifiesBothSides) {
  Buffer rbuf(*b_, 256);
  Pair p = Connect();
  for (int i = 0; i < 4; ++i) {
    Sge rs = rbuf.sge(64 * i, 64);
    RecvRequest r{static_cast<uint64_t>(i), std::span<const Sge>(&rs, 1)};
    ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  }
  ASSERT_TRUE(p.a->Disconnect().ok());
  EXPECT_TRUE(WaitEvent(*p.a, ConnectionEventType::kDisconnected).has_value());
  EXPECT_TRUE(WaitEvent(*p.b, ConnectionEventType::kDisconnected).has_value());
  EXPECT_EQ(p.a->state(), ConnectionState::kDisconnected);
  EXPECT_EQ(p.b->state(), ConnectionState::kDisconnected);
  auto c = WaitCompletions(*p.b_cq, 4);
  ASSERT_EQ(c.size(), 4u);
  for (const Completion& x : c) EXPECT_EQ(x.status, WcStatus::kWorkRequestFlushed);
  // Posting after disconnect completes with a flush.
  Sge rs = rbuf.sge(0, 8);
  ASSERT_TRUE(p.a->PostSendMessage(77, std::span<const Sge>(&rs, 0)).ok());
  auto f = WaitCompletions(*p.a_cq, 1);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].status, WcStatus::kWorkRequestFlushed);
}

TEST_F(SoftFabricTest, PeerFabricDestroyedIsDisconnect) {
  Buffer rbuf(*b_, 64);
  Pair p = Connect();
  Sge rs = rbuf.sge(0, 64);
  RecvRequest r{1, std::span<const Sge>(&rs, 1)};
  ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  p.a.reset();
  p.a_cq.reset();
  a_.reset();
  EXPECT_TRUE(WaitEvent(*p.b, ConnectionEventType::kDisconnected).has_value());
  auto c = WaitCompletions(*p.b_cq, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, WcStatus::kWorkRequestFlushed);
}

TEST_F(SoftFabricTest, EventFdSemantics) {
  Buffer rbuf(*b_, 64), sbuf(*a_, 64);
  Pair p = Connect();
  EXPECT_FALSE(FdReadable(p.b->event_fd()));  // kEstablished consumed by Connect()
  // CQ: not readable until armed and a completion arrives.
  ASSERT_TRUE(p.b_cq->ArmNotify().ok());
  EXPECT_FALSE(FdReadable(p.b_cq->event_fd()));
  Sge rs = rbuf.sge(0, 64);
  RecvRequest r{1, std::span<const Sge>(&rs, 1)};
  ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  Sge s = sbuf.sge(0, 8);
  ASSERT_TRUE(p.a->PostSendMessage(1, std::span<const Sge>(&s, 1), false).ok());
  EXPECT_TRUE(FdReadable(p.b_cq->event_fd(), 5000));
  p.b_cq->AckEvent();
  EXPECT_FALSE(FdReadable(p.b_cq->event_fd()));
  Completion c[2];
  EXPECT_EQ(p.b_cq->Poll(c), 1u);
  // Not armed: a new completion does not signal.
  ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  ASSERT_TRUE(p.a->PostSendMessage(2, std::span<const Sge>(&s, 1), false).ok());
  EXPECT_EQ(WaitCompletions(*p.b_cq, 1).size(), 1u);
  EXPECT_FALSE(FdReadable(p.b_cq->event_fd()));
  // Connection events.
  ASSERT_TRUE(p.a->Disconnect().ok());
  EXPECT_TRUE(FdReadable(p.b->event_fd(), 5000));
  auto ev = p.b->NextEvent();
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->type, ConnectionEventType::kDisconnected);
  EXPECT_FALSE(FdReadable(p.b->event_fd()));
  EXPECT_FALSE(p.b->NextEvent().has_value());
}

TEST_F(SoftFabricTest, IpListenPortZeroAndConnect) {
  auto cq_a = Take(a_->CreateCompletionQueue(16));
  auto cq_b = Take(b_->CreateCompletionQueue(16));
  auto l = b_->Listen(Address::Ip("127.0.0.1", 0));
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  auto listener = std::move(*l);
  ASSERT_NE(listener->address().port, 0);
  EXPECT_EQ(listener->address().kind, Address::Kind::kIp);
  ConnectParams params;
  params.destination = Address::Ip("127.0.0.1", listener->address().port);
  params.qp.send_cq = params.qp.recv_cq = cq_a.get();
  params.private_data = Bytes("ip-login");
  auto fut = std::async(std::launch::async, [&] { return a_->Connect(params); });
  auto req = listener->NextRequest(5s);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ((*req)->peer().ip, "127.0.0.1");
  EXPECT_EQ(Text((*req)->private_data()), "ip-login");
  QpOptions qp;
  qp.send_cq = qp.recv_cq = cq_b.get();
  auto conn = Take(listener->CreateConnection(**req, qp));
  Buffer rbuf(*b_, 64), sbuf(*a_, 64);
  Sge rs = rbuf.sge(0, 64);
  RecvRequest r{3, std::span<const Sge>(&rs, 1)};
  ASSERT_TRUE(conn->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  ASSERT_TRUE(listener->Accept(**req, *conn, {}).ok());
  auto reply = fut.get();
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  std::memcpy(sbuf.data.data(), "tcp!", 4);
  Sge s = sbuf.sge(0, 4);
  ASSERT_TRUE(reply->connection->PostSendMessage(1, std::span<const Sge>(&s, 1)).ok());
  auto c = WaitCompletions(*cq_b, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(std::string(rbuf.data.data(), 4), "tcp!");
  EXPECT_EQ(reply->connection->peer().ip, "127.0.0.1");
}

TEST_F(SoftFabricTest, IpAnyAddressAndIpv6Loopback) {
  auto cq = Take(a_->CreateCompletionQueue(16));
  auto l = b_->Listen(Address::Ip("", 0));
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  auto listener = std::move(*l);
  for (std::string host : {"127.0.0.1", "::1"}) {
    ConnectParams params;
    params.destination = Address::Ip(host, listener->address().port);
    params.qp.send_cq = params.qp.recv_cq = cq.get();
    auto fut = std::async(std::launch::async, [&] { return a_->Connect(params); });
    auto req = listener->NextRequest(5s);
    if (!req.ok()) {
      (void)fut.get();
      GTEST_SKIP() << "no " << host;
    }
    ASSERT_TRUE(listener->Reject(**req, Bytes("no")).ok());
    auto reply = fut.get();
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_TRUE(reply->rejected);
  }
}

}  // namespace
}  // namespace srp::fabric::soft::testing
