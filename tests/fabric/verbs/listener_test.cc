// Listen addresses, connection requests, CreateConnection, Accept, Reject.
#include <endian.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <infiniband/ib.h>

#include <cerrno>

#include "tests/fabric/verbs/mock_verbs_api.h"

namespace srp::fabric::verbs::testing {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;

constexpr uint64_t kSid = 0x00000000013F0042ull;

class ListenerTest : public VerbsTest {
 protected:
  void SetUp() override {
    fabric_ = OpenFabric();
    cq_obj_ = MakeCq(*fabric_);
  }
  // Records every sockaddr handed to rdma_bind_addr.
  void CaptureBinds() {
    ON_CALL(*api_, BindAddr(_, _)).WillByDefault(Invoke([this](rdma_cm_id*, sockaddr* sa) {
      sockaddr_storage copy{};
      std::memcpy(&copy, sa,
                  sa->sa_family == AF_IB      ? sizeof(sockaddr_ib)
                  : sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6)
                                              : sizeof(sockaddr_in));
      binds_.push_back(copy);
      return 0;
    }));
  }
  std::unique_ptr<Listener> ListenIb() {
    auto l = fabric_->Listen(Address::Ib(Gid{}, kSid));
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? std::move(l).value() : nullptr;
  }
  // A CONNECT_REQUEST from an IB initiator on the listener's channel.
  rdma_cm_id* PushIbRequest(const std::vector<std::byte>& data, uint8_t responder_resources,
                            uint8_t initiator_depth, ibv_context* device = nullptr) {
    rdma_cm_id* child = NewCmId(channels()[0]);
    child->verbs = device != nullptr ? device : &context_;
    auto* sib = reinterpret_cast<sockaddr_ib*>(&child->route.addr.dst_storage);
    sib->sib_family = AF_IB;
    sib->sib_pkey = htobe16(0xffff);
    Gid remote = Gid::FromParts(kSubnetPrefix, 0x0002c90300000099ull);
    std::memcpy(sib->sib_addr.sib_raw, remote.raw.data(), 16);
    rdma_cm_event* e = PushEvent(channels()[0], child, RDMA_CM_EVENT_CONNECT_REQUEST, 0, data);
    e->param.conn.responder_resources = responder_resources;
    e->param.conn.initiator_depth = initiator_depth;
    return child;
  }
  QpOptions Options() {
    QpOptions o;
    o.send_cq = cq_obj_.get();
    o.recv_cq = cq_obj_.get();
    return o;
  }

  std::unique_ptr<Fabric> fabric_;
  std::unique_ptr<CompletionQueue> cq_obj_;
  std::vector<sockaddr_storage> binds_;
};

TEST_F(ListenerTest, IbServiceIdBindsAfIbInRdmaPsIb) {
  CaptureBinds();
  EXPECT_CALL(*api_, CreateId(_, _, _, RDMA_PS_IB)).Times(1);
  EXPECT_CALL(*api_, Listen(_, 128)).Times(1);
  auto listener = ListenIb();
  ASSERT_NE(listener, nullptr);
  ASSERT_EQ(binds_.size(), 1u);
  const auto* sib = reinterpret_cast<const sockaddr_ib*>(&binds_[0]);
  EXPECT_EQ(sib->sib_family, AF_IB);
  EXPECT_EQ(be64toh(sib->sib_sid), kSid);
  EXPECT_EQ(sib->sib_sid_mask, ~0ull);
  EXPECT_TRUE(ib_addr_any(&sib->sib_addr));  // wildcard GID
  EXPECT_EQ(listener->address().service_id, kSid);
  EXPECT_EQ(listener->event_fd(), channels()[0]->fd);
  EXPECT_TRUE(fcntl(listener->event_fd(), F_GETFL) & O_NONBLOCK);
}

TEST_F(ListenerTest, ServiceIdOutsideRdmaPsIbIsRejectedBeforeAnyCall) {
  EXPECT_CALL(*api_, CreateId(_, _, _, _)).Times(0);
  EXPECT_CALL(*api_, BindAddr(_, _)).Times(0);
  auto l = fabric_->Listen(Address::Ib(Gid{}, 0x0002c90300a1b2c3ull));
  EXPECT_EQ(l.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(l.status().message().find("only RDMA CM's IB port space"), std::string::npos);
}

TEST_F(ListenerTest, IpLiteralBindsThatAddressInRdmaPsTcp) {
  CaptureBinds();
  EXPECT_CALL(*api_, CreateId(_, _, _, RDMA_PS_TCP)).Times(2);
  auto v4 = fabric_->Listen(Address::Ip("192.0.2.7", 5000));
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  auto v6 = fabric_->Listen(Address::Ip("2001:db8::5", 5001));
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  ASSERT_EQ(binds_.size(), 2u);
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&binds_[0]);
  EXPECT_EQ(sin->sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin->sin_port), 5000);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0xC0000207u);
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&binds_[1]);
  EXPECT_EQ(sin6->sin6_family, AF_INET6);
  EXPECT_EQ(ntohs(sin6->sin6_port), 5001);
}

TEST_F(ListenerTest, AnyHostPrefersIpv6AnyThenFallsBackToIpv4) {
  CaptureBinds();
  auto l = fabric_->Listen(Address::Ip("", 5000));
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(binds_.size(), 1u);
  EXPECT_EQ(binds_[0].ss_family, AF_INET6);

  binds_.clear();
  EXPECT_CALL(*api_, BindAddr(_, _))
      .WillOnce(Invoke([this](rdma_cm_id*, sockaddr* sa) {
        EXPECT_EQ(sa->sa_family, AF_INET6);
        return EAFNOSUPPORT;
      }))
      .WillOnce(Invoke([this](rdma_cm_id* id, sockaddr* sa) {
        EXPECT_EQ(sa->sa_family, AF_INET);
        const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
        EXPECT_EQ(sin->sin_addr.s_addr, htonl(INADDR_ANY));
        EXPECT_EQ(ntohs(sin->sin_port), 0);
        // The kernel picks a port; librdmacm reports it in src_addr.
        id->route.addr.src_sin.sin_family = AF_INET;
        id->route.addr.src_sin.sin_port = htons(40001);
        return 0;
      }));
  auto l4 = fabric_->Listen(Address::Ip("", 0));
  ASSERT_TRUE(l4.ok()) << l4.status().ToString();
  EXPECT_EQ((*l4)->address().port, 40001);
}

TEST_F(ListenerTest, BindAndListenErrorsCarryErrno) {
  EXPECT_CALL(*api_, BindAddr(_, _))
      .WillOnce(Return(EADDRINUSE))
      .WillRepeatedly(::testing::DoDefault());
  auto a = fabric_->Listen(Address::Ip("192.0.2.7", 5000));
  EXPECT_EQ(a.status().sys_errno(), EADDRINUSE);
  EXPECT_NE(a.status().message().find("rdma_bind_addr"), std::string::npos);
  // The id and its channel are released again.
  EXPECT_EQ(destroyed_ids_.size(), 1u);
  EXPECT_EQ(destroyed_channels_.size(), 1u);

  EXPECT_CALL(*api_, Listen(_, _)).WillOnce(Return(EPERM));
  auto b = fabric_->Listen(Address::Ib(Gid{}, kSid));
  EXPECT_EQ(b.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(b.status().message().find("rdma_listen"), std::string::npos);
}

TEST_F(ListenerTest, NextRequestTimesOutWhenNothingPending) {
  auto listener = ListenIb();
  auto r0 = listener->NextRequest(std::chrono::milliseconds(0));
  EXPECT_EQ(r0.status().code(), StatusCode::kTimedOut);
  auto start = std::chrono::steady_clock::now();
  auto r = listener->NextRequest(std::chrono::milliseconds(30));
  EXPECT_EQ(r.status().code(), StatusCode::kTimedOut);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(25));
}

TEST_F(ListenerTest, RequestExposesPrivateDataAndPeer) {
  auto listener = ListenIb();
  auto login = Pattern(64, 3);
  PushIbRequest(login, 4, 0);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  auto data = (*req)->private_data();
  EXPECT_EQ(std::vector<std::byte>(data.begin(), data.end()), login);
  EXPECT_EQ((*req)->peer().gid, Gid::FromParts(kSubnetPrefix, 0x0002c90300000099ull));
  EXPECT_EQ((*req)->peer().port_guid, 0x0002c90300000099ull);
  EXPECT_EQ((*req)->peer().pkey, 0xffff);
  EXPECT_EQ((*req)->local_address().service_id, kSid);
  EXPECT_EQ(acked_events_.size(), 1u);  // acked at once; the data was copied
}

TEST_F(ListenerTest, EventsOfUnmigratedChildIdsAreSkipped) {
  auto listener = ListenIb();
  rdma_cm_id* stale = NewCmId(channels()[0]);
  PushEvent(channels()[0], stale, RDMA_CM_EVENT_DISCONNECTED);
  PushIbRequest(Pattern(64, 1), 4, 0);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  EXPECT_EQ(acked_events_.size(), 2u);
}

TEST_F(ListenerTest, IpRequestPeerIsTheIpAddress) {
  auto listener = fabric_->Listen(Address::Ip("", 5000));
  ASSERT_TRUE(listener.ok());
  rdma_cm_id* child = NewCmId(channels()[0]);
  child->route.addr.dst_sin.sin_family = AF_INET;
  child->route.addr.dst_sin.sin_addr.s_addr = htonl(0xC6336409);  // 198.51.100.9
  // RDMA_PS_TCP: the kernel already stripped the CMA header; 56-byte login.
  auto login = Pattern(56, 9);
  PushEvent(channels()[0], child, RDMA_CM_EVENT_CONNECT_REQUEST, 0, login);
  auto req = (*listener)->NextRequest(std::chrono::milliseconds(0));
  ASSERT_TRUE(req.ok());
  EXPECT_EQ((*req)->peer().ip, "198.51.100.9");
  EXPECT_EQ((*req)->peer().gid, Gid{});
  auto data = (*req)->private_data();
  EXPECT_EQ(std::vector<std::byte>(data.begin(), data.end()), login);
}

TEST_F(ListenerTest, CreateConnectionMigratesIdAndCreatesRcQp) {
  auto listener = ListenIb();
  rdma_cm_id* child = PushIbRequest(Pattern(64, 1), 4, 0);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  ASSERT_TRUE(req.ok());

  ibv_qp_init_attr seen{};
  EXPECT_CALL(*api_, MigrateId(child, _)).Times(1);
  EXPECT_CALL(*api_, CreateQp(child, &pd_, _))
      .WillOnce(Invoke([&](rdma_cm_id* id, ibv_pd*, ibv_qp_init_attr* attr) {
        seen = *attr;
        id->qp = &qp_;
        return 0;
      }));
  QpOptions options = Options();
  options.max_send_wr = 128;
  options.max_recv_wr = 64;
  options.max_send_sge = 3;
  options.max_recv_sge = 1;
  options.max_inline_data = 0;
  auto conn = listener->CreateConnection(**req, options);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_EQ(seen.qp_type, IBV_QPT_RC);
  EXPECT_EQ(seen.send_cq, &cq_);
  EXPECT_EQ(seen.recv_cq, &cq_);
  EXPECT_EQ(seen.cap.max_send_wr, 128u);
  EXPECT_EQ(seen.cap.max_recv_wr, 64u);
  EXPECT_EQ(seen.cap.max_send_sge, 3u);
  EXPECT_EQ(seen.cap.max_recv_sge, 1u);
  EXPECT_EQ(seen.sq_sig_all, 0);
  ASSERT_EQ(channels().size(), 2u);
  EXPECT_EQ(child->channel, channels()[1]);
  EXPECT_EQ((*conn)->event_fd(), channels()[1]->fd);
  EXPECT_EQ((*conn)->state(), ConnectionState::kConnecting);
  EXPECT_EQ((*conn)->qp_num(), kQpNum);
  EXPECT_EQ((*conn)->peer().port_guid, 0x0002c90300000099ull);

  // A second CreateConnection for the same request is refused.
  EXPECT_EQ(listener->CreateConnection(**req, options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ListenerTest, CreateConnectionRefusesForeignDeviceAndMissingCq) {
  auto listener = ListenIb();
  PushIbRequest(Pattern(64, 1), 4, 0, &other_context_);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  ASSERT_TRUE(req.ok());
  EXPECT_CALL(*api_, CreateQp(_, _, _)).Times(0);
  auto conn = listener->CreateConnection(**req, Options());
  EXPECT_EQ(conn.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(conn.status().message().find("mlx5_1"), std::string::npos);

  PushIbRequest(Pattern(64, 1), 4, 0);
  auto req2 = listener->NextRequest(std::chrono::milliseconds(0));
  ASSERT_TRUE(req2.ok());
  EXPECT_EQ(listener->CreateConnection(**req2, QpOptions{}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ListenerTest, AcceptSendsPrivateDataAndClampedDepths) {
  auto listener = ListenIb();
  rdma_cm_id* child = PushIbRequest(Pattern(64, 1), /*responder_resources=*/4,
                                    /*initiator_depth=*/0);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  ASSERT_TRUE(req.ok());
  auto conn = listener->CreateConnection(**req, Options());
  ASSERT_TRUE(conn.ok());

  rdma_conn_param seen{};
  std::vector<std::byte> seen_data;
  EXPECT_CALL(*api_, Accept(child, _)).WillOnce(Invoke([&](rdma_cm_id*, rdma_conn_param* p) {
    seen = *p;
    const auto* b = static_cast<const std::byte*>(p->private_data);
    seen_data.assign(b, b + p->private_data_len);
    return 0;
  }));
  auto login_rsp = Pattern(52, 5);
  ASSERT_TRUE(listener->Accept(**req, **conn, login_rsp).ok());
  EXPECT_EQ(seen_data, login_rsp);
  EXPECT_EQ(seen.private_data_len, 52);
  EXPECT_EQ(seen.responder_resources, 0);  // min(ours 4, REQ initiator_depth 0)
  EXPECT_EQ(seen.initiator_depth, 4);      // min(ours 4, REQ responder_resources 4)
  EXPECT_EQ(seen.flow_control, 1);
  EXPECT_EQ(seen.rnr_retry_count, 7);
  EXPECT_EQ((*conn)->state(), ConnectionState::kConnecting);  // until ESTABLISHED

  // ESTABLISHED arrives on the connection's own channel.
  PushEvent(channels()[1], child, RDMA_CM_EVENT_ESTABLISHED);
  auto ev = (*conn)->NextEvent();
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->type, ConnectionEventType::kEstablished);
  EXPECT_EQ((*conn)->state(), ConnectionState::kEstablished);

  // Answered once only.
  EXPECT_EQ(listener->Reject(**req, {}).code(), StatusCode::kInvalidArgument);

  // Dropping an accepted connection disconnects, then destroys QP and id.
  call_log_.clear();
  conn->reset();
  req->reset();
  EXPECT_EQ(call_log_, (std::vector<std::string>{"Disconnect", "DestroyQp", "DestroyId"}));
}

TEST_F(ListenerTest, AcceptClampsToOursWhenTheRequestOffersMore) {
  auto listener = ListenIb();
  PushIbRequest(Pattern(64, 1), 16, 16);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  QpOptions options = Options();
  options.responder_resources = 2;
  options.initiator_depth = 3;
  auto conn = listener->CreateConnection(**req, options);
  ASSERT_TRUE(conn.ok());
  rdma_conn_param seen{};
  EXPECT_CALL(*api_, Accept(_, _)).WillOnce(Invoke([&](rdma_cm_id*, rdma_conn_param* p) {
    seen = *p;
    return 0;
  }));
  ASSERT_TRUE(listener->Accept(**req, **conn, {}).ok());
  EXPECT_EQ(seen.responder_resources, 2);
  EXPECT_EQ(seen.initiator_depth, 3);
  EXPECT_EQ(seen.private_data, nullptr);
  EXPECT_EQ(seen.private_data_len, 0);
}

TEST_F(ListenerTest, AcceptErrorsCarryErrno) {
  auto listener = ListenIb();
  PushIbRequest(Pattern(64, 1), 4, 0);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  auto conn = listener->CreateConnection(**req, Options());
  ASSERT_TRUE(conn.ok());
  EXPECT_CALL(*api_, Accept(_, _)).WillOnce(Return(EINVAL));
  Status s = listener->Accept(**req, **conn, Pattern(52, 1));
  EXPECT_EQ(s.sys_errno(), EINVAL);
  EXPECT_NE(s.message().find("rdma_accept"), std::string::npos);
  EXPECT_EQ(listener->Accept(**req, **conn, Pattern(256, 1)).code(), StatusCode::kInvalidArgument);
}

TEST_F(ListenerTest, RejectSendsPrivateData) {
  auto listener = ListenIb();
  rdma_cm_id* child = PushIbRequest(Pattern(64, 1), 4, 0);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  ASSERT_TRUE(req.ok());
  std::vector<std::byte> seen;
  EXPECT_CALL(*api_, Reject(child, _, 32))
      .WillOnce(Invoke([&](rdma_cm_id*, const void* d, uint8_t n) {
        seen.assign(static_cast<const std::byte*>(d), static_cast<const std::byte*>(d) + n);
        return 0;
      }));
  auto login_rej = Pattern(32, 8);
  ASSERT_TRUE(listener->Reject(**req, login_rej).ok());
  EXPECT_EQ(seen, login_rej);
  req->reset();
  EXPECT_EQ(destroyed_ids_, std::vector<rdma_cm_id*>{child});
}

TEST_F(ListenerTest, RejectAfterCreateConnectionDropsTheConnectionQuietly) {
  auto listener = ListenIb();
  PushIbRequest(Pattern(64, 1), 4, 0);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  auto conn = listener->CreateConnection(**req, Options());
  ASSERT_TRUE(conn.ok());
  EXPECT_CALL(*api_, Reject(_, _, _)).WillOnce(Return(0));
  ASSERT_TRUE(listener->Reject(**req, Pattern(32, 8)).ok());
  call_log_.clear();
  conn->reset();  // never accepted: no rdma_disconnect
  req->reset();
  EXPECT_EQ(call_log_, (std::vector<std::string>{"DestroyQp", "DestroyId"}));
}

TEST_F(ListenerTest, RejectErrorCarriesErrno) {
  auto listener = ListenIb();
  PushIbRequest(Pattern(64, 1), 4, 0);
  auto req = listener->NextRequest(std::chrono::milliseconds(0));
  EXPECT_CALL(*api_, Reject(_, _, _)).WillOnce(Return(ENODEV));
  Status s = listener->Reject(**req, Pattern(32, 8));
  EXPECT_EQ(s.sys_errno(), ENODEV);
  EXPECT_NE(s.message().find("rdma_reject"), std::string::npos);
}

}  // namespace
}  // namespace srp::fabric::verbs::testing
