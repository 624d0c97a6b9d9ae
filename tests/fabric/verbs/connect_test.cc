// The active side: Fabric::Connect over AF_IB and over IP.
#include <arpa/inet.h>
#include <endian.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <infiniband/ib.h>

#include <cerrno>

#include "tests/fabric/verbs/mock_verbs_api.h"

namespace srp::fabric::verbs::testing {
namespace {

using ::testing::_;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;

const Gid kTargetGid = Gid::FromParts(0xfe80000000000000ull, 0x0002c90300000042ull);
constexpr uint64_t kTargetSid = 0x0002c90300000042ull;  // any id is fine on the active side

class ConnectTest : public VerbsTest {
 protected:
  void SetUp() override {
    fabric_ = OpenFabric();
    cq_obj_ = MakeCq(*fabric_);
  }
  ConnectParams IbParams() {
    ConnectParams p;
    p.destination = Address::Ib(kTargetGid, kTargetSid, 0x8001);
    p.qp.send_cq = cq_obj_.get();
    p.qp.recv_cq = cq_obj_.get();
    p.qp.responder_resources = 4;
    p.qp.initiator_depth = 0;
    p.private_data = Pattern(64, 2);
    p.timeout = std::chrono::milliseconds(2000);
    return p;
  }
  // Scripts a CM that resolves address and route at once and answers the
  // connect with `reply` (or nothing when `reply` is ADDR_CHANGE).
  void ScriptCm(rdma_cm_event_type reply, int status, const std::vector<std::byte>& data) {
    ON_CALL(*api_, ResolveAddr(_, _, _, _))
        .WillByDefault(Invoke([this](rdma_cm_id* id, sockaddr*, sockaddr*, int) {
          id->verbs = &context_;
          PushEvent(id->channel, id, RDMA_CM_EVENT_ADDR_RESOLVED);
          return 0;
        }));
    ON_CALL(*api_, ResolveRoute(_, _)).WillByDefault(Invoke([this](rdma_cm_id* id, int) {
      PushEvent(id->channel, id, RDMA_CM_EVENT_ROUTE_RESOLVED);
      return 0;
    }));
    ON_CALL(*api_, Connect(_, _))
        .WillByDefault(Invoke([this, reply, status, data](rdma_cm_id* id, rdma_conn_param* p) {
          seen_param_ = *p;
          const auto* b = static_cast<const std::byte*>(p->private_data);
          seen_data_.assign(b, b + p->private_data_len);
          if (reply != RDMA_CM_EVENT_ADDR_CHANGE) PushEvent(id->channel, id, reply, status, data);
          return 0;
        }));
  }

  std::unique_ptr<Fabric> fabric_;
  std::unique_ptr<CompletionQueue> cq_obj_;
  rdma_conn_param seen_param_{};
  std::vector<std::byte> seen_data_;
};

TEST_F(ConnectTest, IbEstablishedReturnsConnectionAndReplyData) {
  auto login_rsp = Pattern(52, 4);
  ScriptCm(RDMA_CM_EVENT_ESTABLISHED, 0, login_rsp);
  sockaddr_ib dst{};
  sockaddr_ib src{};
  {
    InSequence order;
    EXPECT_CALL(*api_, CreateId(_, _, _, RDMA_PS_IB));
    EXPECT_CALL(*api_, ResolveAddr(_, _, _, _))
        .WillOnce(Invoke([&](rdma_cm_id* id, sockaddr* s, sockaddr* d, int timeout_ms) {
          EXPECT_GT(timeout_ms, 0);
          EXPECT_LE(timeout_ms, 2000);
          std::memcpy(&src, s, sizeof(src));
          std::memcpy(&dst, d, sizeof(dst));
          id->verbs = &context_;
          PushEvent(id->channel, id, RDMA_CM_EVENT_ADDR_RESOLVED);
          return 0;
        }));
    EXPECT_CALL(*api_, ResolveRoute(_, _));
    EXPECT_CALL(*api_, CreateQp(_, &pd_, _));
    EXPECT_CALL(*api_, Connect(_, _));
  }
  auto reply = fabric_->Connect(IbParams());
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_FALSE(reply->rejected);
  EXPECT_EQ(reply->private_data, login_rsp);
  ASSERT_NE(reply->connection, nullptr);
  EXPECT_EQ(reply->connection->state(), ConnectionState::kEstablished);
  EXPECT_EQ(reply->connection->qp_num(), kQpNum);
  EXPECT_EQ(reply->connection->peer().gid, kTargetGid);
  EXPECT_EQ(reply->connection->peer().pkey, 0x8001);

  EXPECT_EQ(dst.sib_family, AF_IB);
  EXPECT_EQ(be64toh(dst.sib_sid), kTargetSid);
  EXPECT_EQ(dst.sib_sid_mask, ~0ull);
  EXPECT_EQ(be16toh(dst.sib_pkey), 0x8001);
  EXPECT_EQ(std::memcmp(dst.sib_addr.sib_raw, kTargetGid.raw.data(), 16), 0);
  // The source is bound to our port's GID, so the CM stays on our device.
  EXPECT_EQ(src.sib_family, AF_IB);
  Gid local = Gid::FromParts(kSubnetPrefix, kPortGuid);
  EXPECT_EQ(std::memcmp(src.sib_addr.sib_raw, local.raw.data(), 16), 0);
  EXPECT_EQ(be64toh(src.sib_sid), 0x00000000013F0000ull);

  EXPECT_EQ(seen_data_, Pattern(64, 2));
  EXPECT_EQ(seen_param_.private_data_len, 64);
  EXPECT_EQ(seen_param_.responder_resources, 4);
  EXPECT_EQ(seen_param_.initiator_depth, 0);
  EXPECT_EQ(seen_param_.flow_control, 1);
  EXPECT_EQ(seen_param_.retry_count, 7);
  EXPECT_EQ(seen_param_.rnr_retry_count, 7);

  // The connection keeps reporting on the channel used to connect.
  EXPECT_EQ(reply->connection->event_fd(), channels()[0]->fd);
  call_log_.clear();
  reply->connection.reset();
  EXPECT_EQ(call_log_, (std::vector<std::string>{"Disconnect", "DestroyQp", "DestroyId"}));
  EXPECT_EQ(destroyed_channels_.size(), 1u);
}

TEST_F(ConnectTest, IpUsesRdmaPsTcpAndSockaddrIn) {
  ScriptCm(RDMA_CM_EVENT_ESTABLISHED, 0, Pattern(52, 4));
  EXPECT_CALL(*api_, CreateId(_, _, _, RDMA_PS_TCP));
  EXPECT_CALL(*api_, ResolveAddr(_, nullptr, _, _))
      .WillOnce(Invoke([this](rdma_cm_id* id, sockaddr*, sockaddr* d, int) {
        EXPECT_EQ(d->sa_family, AF_INET);
        const auto* sin = reinterpret_cast<const sockaddr_in*>(d);
        EXPECT_EQ(ntohs(sin->sin_port), 5000);
        EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0xC0000201u);
        id->verbs = &context_;
        PushEvent(id->channel, id, RDMA_CM_EVENT_ADDR_RESOLVED);
        return 0;
      }));
  ConnectParams p = IbParams();
  p.destination = Address::Ip("192.0.2.1", 5000);
  p.private_data = Pattern(56, 1);  // srp_login_req_rdma
  auto reply = fabric_->Connect(p);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->connection->peer().ip, "192.0.2.1");
  EXPECT_EQ(seen_data_, Pattern(56, 1));
}

TEST_F(ConnectTest, ConsumerRejectGivesRejectedReply) {
  auto login_rej = Pattern(32, 6);
  ScriptCm(RDMA_CM_EVENT_REJECTED, 28, login_rej);
  auto reply = fabric_->Connect(IbParams());
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_TRUE(reply->rejected);
  EXPECT_EQ(reply->connection, nullptr);
  EXPECT_EQ(reply->private_data, login_rej);
  // Torn down without a DREQ.
  EXPECT_EQ(call_log_, (std::vector<std::string>{"DestroyQp", "DestroyId"}));
}

TEST_F(ConnectTest, CmRejectIsAnError) {
  ScriptCm(RDMA_CM_EVENT_REJECTED, 8, {});  // invalid service id: nobody listens
  auto reply = fabric_->Connect(IbParams());
  EXPECT_EQ(reply.status().code(), StatusCode::kRejected);
  EXPECT_NE(reply.status().message().find("reason 8"), std::string::npos);
}

TEST_F(ConnectTest, UnreachableIsAnError) {
  ScriptCm(RDMA_CM_EVENT_UNREACHABLE, -ETIMEDOUT, {});
  auto reply = fabric_->Connect(IbParams());
  EXPECT_EQ(reply.status().code(), StatusCode::kTimedOut);
  EXPECT_EQ(reply.status().sys_errno(), ETIMEDOUT);
  EXPECT_NE(reply.status().message().find("UNREACHABLE"), std::string::npos);
}

TEST_F(ConnectTest, NoReplyTimesOut) {
  ScriptCm(RDMA_CM_EVENT_ADDR_CHANGE, 0, {});  // connect goes unanswered
  ConnectParams p = IbParams();
  p.timeout = std::chrono::milliseconds(40);
  auto start = std::chrono::steady_clock::now();
  auto reply = fabric_->Connect(p);
  EXPECT_EQ(reply.status().code(), StatusCode::kTimedOut);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(35));
  EXPECT_EQ(call_log_, (std::vector<std::string>{"DestroyQp", "DestroyId"}));
}

TEST_F(ConnectTest, AddressErrorCarriesErrno) {
  ScriptCm(RDMA_CM_EVENT_ESTABLISHED, 0, {});
  EXPECT_CALL(*api_, ResolveAddr(_, _, _, _))
      .WillOnce(Invoke([this](rdma_cm_id* id, sockaddr*, sockaddr*, int) {
        PushEvent(id->channel, id, RDMA_CM_EVENT_ADDR_ERROR, -EHOSTUNREACH);
        return 0;
      }));
  EXPECT_CALL(*api_, CreateQp(_, _, _)).Times(0);
  auto reply = fabric_->Connect(IbParams());
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(reply.status().sys_errno(), EHOSTUNREACH);
  EXPECT_NE(reply.status().message().find("address resolution"), std::string::npos);
}

TEST_F(ConnectTest, CallErrorsCarryErrnoAndCallName) {
  ScriptCm(RDMA_CM_EVENT_ESTABLISHED, 0, {});
  EXPECT_CALL(*api_, ResolveRoute(_, _))
      .WillOnce(Return(ENETUNREACH))
      .WillRepeatedly(::testing::DoDefault());
  auto a = fabric_->Connect(IbParams());
  EXPECT_EQ(a.status().sys_errno(), ENETUNREACH);
  EXPECT_NE(a.status().message().find("rdma_resolve_route"), std::string::npos);

  EXPECT_CALL(*api_, CreateQp(_, _, _))
      .WillOnce(Return(ENOMEM))
      .WillRepeatedly(::testing::DoDefault());
  auto b = fabric_->Connect(IbParams());
  EXPECT_EQ(b.status().sys_errno(), ENOMEM);
  EXPECT_NE(b.status().message().find("rdma_create_qp"), std::string::npos);

  EXPECT_CALL(*api_, Connect(_, _)).WillOnce(Return(EINVAL));
  auto c = fabric_->Connect(IbParams());
  EXPECT_EQ(c.status().sys_errno(), EINVAL);
  EXPECT_NE(c.status().message().find("rdma_connect"), std::string::npos);

  ConnectParams big = IbParams();
  big.private_data = Pattern(256, 0);
  EXPECT_EQ(fabric_->Connect(big).status().code(), StatusCode::kInvalidArgument);

  ConnectParams bad_host = IbParams();
  bad_host.destination = Address::Ip("target.example", 5000);
  EXPECT_EQ(fabric_->Connect(bad_host).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ConnectTest, RouteOnAnotherDeviceIsRefused) {
  ScriptCm(RDMA_CM_EVENT_ESTABLISHED, 0, {});
  EXPECT_CALL(*api_, ResolveAddr(_, _, _, _))
      .WillOnce(Invoke([this](rdma_cm_id* id, sockaddr*, sockaddr*, int) {
        id->verbs = &other_context_;
        PushEvent(id->channel, id, RDMA_CM_EVENT_ADDR_RESOLVED);
        return 0;
      }));
  EXPECT_CALL(*api_, CreateQp(_, _, _)).Times(0);
  auto reply = fabric_->Connect(IbParams());
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(reply.status().message().find("mlx5_1"), std::string::npos);
}

}  // namespace
}  // namespace srp::fabric::verbs::testing
