// The data path (PostSend / PostRecv) and connection events of a Connection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cerrno>

#include "tests/fabric/verbs/mock_verbs_api.h"

namespace srp::fabric::verbs::testing {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;

// One ibv_send_wr as posted, copied out of the chain.
struct PostedWr {
  uint64_t wr_id;
  ibv_wr_opcode opcode;
  unsigned send_flags;
  std::vector<ibv_sge> sges;
  uint64_t remote_addr;
  uint32_t rkey;
};

class ConnectionTest : public VerbsTest {
 protected:
  void SetUp() override {
    fabric_ = OpenFabric();
    cq_obj_ = MakeCq(*fabric_);
    auto listener = fabric_->Listen(Address::Ib(Gid{}, 0x13F0001));
    ASSERT_TRUE(listener.ok());
    listener_ = std::move(listener).value();
    child_ = NewCmId(channels()[0]);
    child_->verbs = &context_;
    PushEvent(channels()[0], child_, RDMA_CM_EVENT_CONNECT_REQUEST, 0, Pattern(64, 0));
    auto req = listener_->NextRequest(std::chrono::milliseconds(0));
    ASSERT_TRUE(req.ok());
    req_ = std::move(req).value();
    QpOptions options;
    options.send_cq = cq_obj_.get();
    options.recv_cq = cq_obj_.get();
    options.max_send_sge = 2;
    options.max_recv_sge = 1;
    auto conn = listener_->CreateConnection(*req_, options);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(conn).value();
    conn_channel_ = channels()[1];
  }

  void CapturePostSend(int rc = 0, int bad_index = -1) {
    EXPECT_CALL(*api_, PostSend(&qp_, _, _))
        .WillOnce(Invoke([this, rc, bad_index](ibv_qp*, ibv_send_wr* wr, ibv_send_wr** bad) {
          int i = 0;
          for (; wr != nullptr; wr = wr->next, ++i) {
            posted_.push_back({wr->wr_id, wr->opcode, wr->send_flags,
                               std::vector<ibv_sge>(wr->sg_list, wr->sg_list + wr->num_sge),
                               wr->wr.rdma.remote_addr, wr->wr.rdma.rkey});
            if (i == bad_index) *bad = wr;
          }
          return rc;
        }));
  }

  std::unique_ptr<Fabric> fabric_;
  std::unique_ptr<CompletionQueue> cq_obj_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<ConnectRequest> req_;
  std::unique_ptr<Connection> conn_;
  rdma_cm_id* child_ = nullptr;
  rdma_event_channel* conn_channel_ = nullptr;
  std::vector<PostedWr> posted_;
};

TEST_F(ConnectionTest, BatchIsOneChainOneDoorbell) {
  const std::array<Sge, 2> data = {Sge{0x10000, 4096, 0x11}, Sge{0x20000, 512, 0x12}};
  const std::array<Sge, 1> rsp = {Sge{0x30000, 36, 0x13}};
  const WorkRequest batch[] = {
      {100, WrOpcode::kRdmaWrite, data, 0x7f0000001000ull, 0xabcd, false},
      {101, WrOpcode::kRdmaRead, rsp, 0x7f0000002000ull, 0xabce, true},
      {102, WrOpcode::kSend, rsp, 0, 0, true},
  };
  CapturePostSend();
  size_t posted = 99;
  ASSERT_TRUE(conn_->PostSend(batch, &posted).ok());
  EXPECT_EQ(posted, 3u);
  ASSERT_EQ(posted_.size(), 3u);  // all three reached ibv_post_send in one call

  EXPECT_EQ(posted_[0].wr_id, 100u);
  EXPECT_EQ(posted_[0].opcode, IBV_WR_RDMA_WRITE);
  EXPECT_EQ(posted_[0].send_flags, 0u);
  EXPECT_EQ(posted_[0].remote_addr, 0x7f0000001000ull);
  EXPECT_EQ(posted_[0].rkey, 0xabcdu);
  ASSERT_EQ(posted_[0].sges.size(), 2u);
  EXPECT_EQ(posted_[0].sges[0].addr, 0x10000u);
  EXPECT_EQ(posted_[0].sges[0].length, 4096u);
  EXPECT_EQ(posted_[0].sges[0].lkey, 0x11u);
  EXPECT_EQ(posted_[0].sges[1].addr, 0x20000u);
  EXPECT_EQ(posted_[0].sges[1].length, 512u);
  EXPECT_EQ(posted_[0].sges[1].lkey, 0x12u);

  EXPECT_EQ(posted_[1].opcode, IBV_WR_RDMA_READ);
  EXPECT_EQ(posted_[1].send_flags, static_cast<unsigned>(IBV_SEND_SIGNALED));
  EXPECT_EQ(posted_[1].remote_addr, 0x7f0000002000ull);
  EXPECT_EQ(posted_[1].rkey, 0xabceu);

  EXPECT_EQ(posted_[2].opcode, IBV_WR_SEND);
  EXPECT_EQ(posted_[2].send_flags, static_cast<unsigned>(IBV_SEND_SIGNALED));
  ASSERT_EQ(posted_[2].sges.size(), 1u);
  EXPECT_EQ(posted_[2].sges[0].length, 36u);
}

TEST_F(ConnectionTest, ConvenienceFormsPostOneWr) {
  const std::array<Sge, 1> sge = {Sge{0x1000, 64, 7}};
  CapturePostSend();
  ASSERT_TRUE(conn_->PostRdmaWrite(5, sge, 0x9000, 0x44).ok());
  CapturePostSend();
  ASSERT_TRUE(conn_->PostRdmaRead(6, sge, 0xa000, 0x45).ok());
  CapturePostSend();
  ASSERT_TRUE(conn_->PostSendMessage(7, sge).ok());
  ASSERT_EQ(posted_.size(), 3u);
  EXPECT_EQ(posted_[0].opcode, IBV_WR_RDMA_WRITE);
  EXPECT_EQ(posted_[0].send_flags, 0u);  // RDMA WRITE defaults to unsignalled
  EXPECT_EQ(posted_[1].opcode, IBV_WR_RDMA_READ);
  EXPECT_EQ(posted_[1].send_flags, static_cast<unsigned>(IBV_SEND_SIGNALED));
  EXPECT_EQ(posted_[2].opcode, IBV_WR_SEND);
  EXPECT_EQ(posted_[2].send_flags, static_cast<unsigned>(IBV_SEND_SIGNALED));
}

TEST_F(ConnectionTest, BadWrReportsHowManyWentAndErrno) {
  const std::array<Sge, 1> sge = {Sge{0x1000, 64, 7}};
  const WorkRequest batch[] = {{1, WrOpcode::kSend, sge, 0, 0, true},
                               {2, WrOpcode::kSend, sge, 0, 0, true},
                               {3, WrOpcode::kSend, sge, 0, 0, true}};
  CapturePostSend(ENOMEM, /*bad_index=*/1);
  size_t posted = 99;
  Status s = conn_->PostSend(batch, &posted);
  EXPECT_EQ(posted, 1u);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.sys_errno(), ENOMEM);
  EXPECT_NE(s.message().find("ibv_post_send"), std::string::npos);
}

TEST_F(ConnectionTest, TooManySgesPostsThePrefixOnly) {
  const std::array<Sge, 1> one = {Sge{0x1000, 64, 7}};
  const std::array<Sge, 3> three = {Sge{1, 1, 1}, Sge{2, 2, 2}, Sge{3, 3, 3}};
  const WorkRequest batch[] = {{1, WrOpcode::kSend, one, 0, 0, false},
                               {2, WrOpcode::kRdmaWrite, three, 0x10, 1, false},
                               {3, WrOpcode::kSend, one, 0, 0, true}};
  CapturePostSend();
  size_t posted = 99;
  Status s = conn_->PostSend(batch, &posted);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(posted, 1u);
  ASSERT_EQ(posted_.size(), 1u);
  EXPECT_EQ(posted_[0].wr_id, 1u);

  // First WR already bad: nothing is posted at all.
  EXPECT_CALL(*api_, PostSend(_, _, _)).Times(0);
  EXPECT_FALSE(conn_->PostSend(std::span(batch).subspan(1), &posted).ok());
  EXPECT_EQ(posted, 0u);
}

TEST_F(ConnectionTest, EmptyBatchPostsNothing) {
  EXPECT_CALL(*api_, PostSend(_, _, _)).Times(0);
  EXPECT_CALL(*api_, PostRecv(_, _, _)).Times(0);
  size_t posted = 99;
  EXPECT_TRUE(conn_->PostSend({}, &posted).ok());
  EXPECT_EQ(posted, 0u);
  EXPECT_TRUE(conn_->PostRecv({}).ok());
}

TEST_F(ConnectionTest, ReceiveBatchIsOneChain) {
  std::array<std::array<Sge, 1>, 4> sges;
  std::array<RecvRequest, 4> batch;
  for (size_t i = 0; i < batch.size(); ++i) {
    sges[i] = {Sge{0x100000 + i * 0x1000, 4096, 0x77}};
    batch[i] = RecvRequest{1000 + i, sges[i]};
  }
  std::vector<ibv_recv_wr> seen;
  std::vector<ibv_sge> seen_sges;
  EXPECT_CALL(*api_, PostRecv(&qp_, _, _))
      .WillOnce(Invoke([&](ibv_qp*, ibv_recv_wr* wr, ibv_recv_wr**) {
        for (; wr != nullptr; wr = wr->next) {
          seen.push_back(*wr);
          seen_sges.insert(seen_sges.end(), wr->sg_list, wr->sg_list + wr->num_sge);
        }
        return 0;
      }));
  ASSERT_TRUE(conn_->PostRecv(batch).ok());
  ASSERT_EQ(seen.size(), 4u);
  ASSERT_EQ(seen_sges.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(seen[i].wr_id, 1000 + i);
    EXPECT_EQ(seen[i].num_sge, 1);
    EXPECT_EQ(seen_sges[i].addr, 0x100000 + i * 0x1000);
    EXPECT_EQ(seen_sges[i].length, 4096u);
    EXPECT_EQ(seen_sges[i].lkey, 0x77u);
  }
}

TEST_F(ConnectionTest, ReceiveErrors) {
  const std::array<Sge, 2> two = {Sge{1, 1, 1}, Sge{2, 2, 2}};
  const RecvRequest too_many[] = {{1, two}};
  EXPECT_EQ(conn_->PostRecv(too_many).code(), StatusCode::kInvalidArgument);  // max_recv_sge 1

  const std::array<Sge, 1> one = {Sge{1, 1, 1}};
  const RecvRequest ok[] = {{1, one}};
  EXPECT_CALL(*api_, PostRecv(_, _, _)).WillOnce(Return(ENOMEM));
  Status s = conn_->PostRecv(ok);
  EXPECT_EQ(s.sys_errno(), ENOMEM);
  EXPECT_NE(s.message().find("ibv_post_recv"), std::string::npos);
}

TEST_F(ConnectionTest, NoEventPending) { EXPECT_FALSE(conn_->NextEvent().has_value()); }

TEST_F(ConnectionTest, PeerDisconnectAnswersAndFlushes) {
  PushEvent(conn_channel_, child_, RDMA_CM_EVENT_ESTABLISHED);
  PushEvent(conn_channel_, child_, RDMA_CM_EVENT_TIMEWAIT_EXIT);  // consumed silently
  PushEvent(conn_channel_, child_, RDMA_CM_EVENT_DISCONNECTED);
  auto e1 = conn_->NextEvent();
  ASSERT_TRUE(e1.has_value());
  EXPECT_EQ(e1->type, ConnectionEventType::kEstablished);
  EXPECT_EQ(conn_->state(), ConnectionState::kEstablished);

  EXPECT_CALL(*api_, Disconnect(child_)).Times(1);
  auto e2 = conn_->NextEvent();
  ASSERT_TRUE(e2.has_value());
  EXPECT_EQ(e2->type, ConnectionEventType::kDisconnected);
  EXPECT_EQ(e2->detail.code(), StatusCode::kDisconnected);
  EXPECT_EQ(conn_->state(), ConnectionState::kDisconnected);
  EXPECT_EQ(acked_events_.size(), 4u);  // the request + 3 connection events
  EXPECT_FALSE(conn_->NextEvent().has_value());
}

TEST_F(ConnectionTest, LocalDisconnectThenEvent) {
  PushEvent(conn_channel_, child_, RDMA_CM_EVENT_ESTABLISHED);
  ASSERT_TRUE(conn_->NextEvent().has_value());
  // Pretend it was accepted so Disconnect has something to tear down.
  EXPECT_CALL(*api_, Accept(_, _)).WillOnce(Return(0));
  ASSERT_TRUE(listener_->Accept(*req_, *conn_, {}).ok());

  EXPECT_CALL(*api_, Disconnect(child_)).Times(1);  // once: not again on the event
  ASSERT_TRUE(conn_->Disconnect().ok());
  EXPECT_EQ(conn_->state(), ConnectionState::kDisconnected);
  EXPECT_TRUE(conn_->Disconnect().ok());  // idempotent
  PushEvent(conn_channel_, child_, RDMA_CM_EVENT_DISCONNECTED);
  auto e = conn_->NextEvent();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type, ConnectionEventType::kDisconnected);
}

TEST_F(ConnectionTest, DisconnectErrorCarriesErrno) {
  EXPECT_CALL(*api_, Accept(_, _)).WillOnce(Return(0));
  ASSERT_TRUE(listener_->Accept(*req_, *conn_, {}).ok());
  EXPECT_CALL(*api_, Disconnect(_)).WillOnce(Return(EINVAL));
  Status s = conn_->Disconnect();
  EXPECT_EQ(s.sys_errno(), EINVAL);
  EXPECT_NE(s.message().find("rdma_disconnect"), std::string::npos);
}

TEST_F(ConnectionTest, CmErrorsBecomeErrorEvents) {
  PushEvent(conn_channel_, child_, RDMA_CM_EVENT_CONNECT_ERROR, -ETIMEDOUT);
  auto e = conn_->NextEvent();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type, ConnectionEventType::kError);
  EXPECT_NE(e->detail.message().find("CONNECT_ERROR"), std::string::npos);
  EXPECT_EQ(conn_->state(), ConnectionState::kError);

  EXPECT_CALL(*api_, GetCmEvent(_, _)).WillOnce(Return(EBADF));
  auto broken = conn_->NextEvent();
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->type, ConnectionEventType::kError);
  EXPECT_EQ(broken->detail.sys_errno(), EBADF);
}

TEST_F(ConnectionTest, QpInErrorShowsAsErrorState) {
  PushEvent(conn_channel_, child_, RDMA_CM_EVENT_ESTABLISHED);
  ASSERT_TRUE(conn_->NextEvent().has_value());
  EXPECT_CALL(*api_, QueryQpState(&qp_, _)).WillOnce(Invoke([](ibv_qp*, ibv_qp_state* s) {
    *s = IBV_QPS_ERR;
    return 0;
  }));
  EXPECT_EQ(conn_->state(), ConnectionState::kError);
  EXPECT_EQ(conn_->state(), ConnectionState::kError);  // sticky, no further query
}

}  // namespace
}  // namespace srp::fabric::verbs::testing
