// Fault injection (fault.h and SRP_SOFT_FAULTS) and robustness against bad peers.
#include "lib/fabric/soft/fault.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "lib/fabric/soft/frame.h"
#include "lib/fabric/soft/subnet_directory.h"
#include "tests/fabric/soft/soft_test_util.h"

namespace srp::fabric::soft::testing {
namespace {

TEST(FaultPlanTest, ParsesAndFormats) {
  auto plan = ParseFaultPlan("drop_after_wrs=5, fail_wr=3,fail_status=remote_access,delay_us=10");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->drop_after_wrs, 5u);
  EXPECT_EQ(plan->fail_wr, 3u);
  EXPECT_EQ(plan->fail_status, WcStatus::kRemoteAccessError);
  EXPECT_EQ(plan->delay_us, 10u);
  EXPECT_EQ(FormatFaultPlan(*plan),
            "drop_after_wrs=5,fail_wr=3,fail_status=remote_access,delay_us=10");
  EXPECT_TRUE(ParseFaultPlan("")->empty());
  EXPECT_FALSE(ParseFaultPlan("bogus=1").ok());
  EXPECT_FALSE(ParseFaultPlan("fail_wr=x").ok());
  EXPECT_FALSE(ParseFaultPlan("fail_wr").ok());
  EXPECT_FALSE(ParseFaultPlan("fail_status=nope").ok());
}

TEST_F(SoftFabricTest, FailNthWorkRequest) {
  Buffer local(*a_, 64), remote(*b_, 64);
  Pair p = Connect();
  FaultPlan plan;
  plan.fail_wr = 2;
  plan.fail_status = WcStatus::kRemoteAccessError;
  ASSERT_TRUE(SetFaultPlan(*a_, plan).ok());
  EXPECT_EQ(Take(GetFaultPlan(*a_)).fail_wr, 2u);
  Sge s = local.sge(0, 8);
  uint64_t raddr = reinterpret_cast<uint64_t>(remote.data.data());
  for (uint64_t id = 1; id <= 3; ++id)
    ASSERT_TRUE(
        p.a->PostRdmaWrite(id, std::span<const Sge>(&s, 1), raddr, remote.mr->rkey(), true).ok());
  auto c = WaitCompletions(*p.a_cq, 3);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].status, WcStatus::kSuccess);
  EXPECT_EQ(c[1].status, WcStatus::kRemoteAccessError);
  EXPECT_EQ(c[2].status, WcStatus::kWorkRequestFlushed);
  EXPECT_TRUE(WaitEvent(*p.a, ConnectionEventType::kError).has_value());
}

TEST_F(SoftFabricTest, DropAfterWorkRequestsCutsTheConnection) {
  Buffer local(*a_, 64), remote(*b_, 64);
  Pair p = Connect();
  FaultPlan plan;
  plan.drop_after_wrs = 2;
  ASSERT_TRUE(SetFaultPlan(*a_, plan).ok());
  Sge s = local.sge(0, 8);
  uint64_t raddr = reinterpret_cast<uint64_t>(remote.data.data());
  ASSERT_TRUE(
      p.a->PostRdmaWrite(1, std::span<const Sge>(&s, 1), raddr, remote.mr->rkey(), true).ok());
  EXPECT_EQ(WaitCompletions(*p.a_cq, 1).size(), 1u);
  ASSERT_TRUE(
      p.a->PostRdmaWrite(2, std::span<const Sge>(&s, 1), raddr, remote.mr->rkey(), false).ok());
  auto c = WaitCompletions(*p.a_cq, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, WcStatus::kTransportRetryExceeded);
  EXPECT_TRUE(WaitEvent(*p.a, ConnectionEventType::kDisconnected).has_value());
  EXPECT_TRUE(WaitEvent(*p.b, ConnectionEventType::kDisconnected).has_value());
}

TEST_F(SoftFabricTest, DropConnectionNow) {
  Pair p = Connect();
  ASSERT_TRUE(DropConnection(*p.b).ok());
  EXPECT_TRUE(WaitEvent(*p.b, ConnectionEventType::kDisconnected).has_value());
  EXPECT_TRUE(WaitEvent(*p.a, ConnectionEventType::kDisconnected).has_value());
}

TEST_F(SoftFabricTest, DelayPerOperation) {
  Buffer local(*a_, 64), remote(*b_, 64);
  Pair p = Connect();
  FaultPlan plan;
  plan.delay_us = 20000;
  ASSERT_TRUE(SetFaultPlan(*a_, plan).ok());
  Sge s = local.sge(0, 8);
  uint64_t raddr = reinterpret_cast<uint64_t>(remote.data.data());
  auto start = std::chrono::steady_clock::now();
  for (uint64_t id = 1; id <= 3; ++id)
    ASSERT_TRUE(
        p.a->PostRdmaWrite(id, std::span<const Sge>(&s, 1), raddr, remote.mr->rkey(), true).ok());
  EXPECT_EQ(WaitCompletions(*p.a_cq, 3).size(), 3u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 60ms);
}

TEST_F(SoftFabricTest, FaultPlanFromEnvironment) {
  setenv("SRP_SOFT_FAULTS", "fail_wr=1,fail_status=general", 1);
  auto c = Open("portc");
  unsetenv("SRP_SOFT_FAULTS");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Take(GetFaultPlan(*c)).fail_wr, 1u);
  setenv("SRP_SOFT_FAULTS", "nonsense", 1);
  SoftFabricOptions o;
  o.subnet_dir = dir_;
  o.port_name = "portd";
  EXPECT_FALSE(OpenSoftFabric(o).ok());
  unsetenv("SRP_SOFT_FAULTS");
}

// A raw unix-socket client speaking (or mis-speaking) the wire protocol.
class RawPeer {
 public:
  explicit RawPeer(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawPeer() { close(fd_); }
  void Write(std::span<const std::byte> b) {
    ASSERT_EQ(send(fd_, b.data(), b.size(), MSG_NOSIGNAL), static_cast<ssize_t>(b.size()));
  }
  void Frame(FrameHeader h, std::span<const std::byte> payload = {}) {
    h.payload_len = static_cast<uint32_t>(payload.size());
    auto hb = EncodeFrameHeader(h);
    std::vector<std::byte> all(hb.begin(), hb.end());
    all.insert(all.end(), payload.begin(), payload.end());
    Write(all);
  }
  // Reads one frame header (+ payload); nullopt on EOF/timeout.
  std::optional<FrameHeader> Read() {
    HeaderBytes hb;
    if (recv(fd_, hb.data(), hb.size(), MSG_WAITALL) != static_cast<ssize_t>(hb.size()))
      return std::nullopt;
    auto h = DecodeFrameHeader(hb);
    if (!h.ok()) return std::nullopt;
    std::vector<std::byte> p(h->payload_len);
    if (!p.empty()) recv(fd_, p.data(), p.size(), MSG_WAITALL);
    return *h;
  }
  bool AtEof() {
    char c;
    return recv(fd_, &c, 1, 0) <= 0;
  }

 private:
  int fd_ = -1;
};

TEST_F(SoftFabricTest, GarbageBeforeRequestClosesSocket) {
  auto listener = Take(b_->Listen(Address::Ib(b_->port().gid, kServiceId)));
  auto rec = Take(ReadPort(dir_, "portb"));
  RawPeer raw(rec.socket_path);
  std::vector<std::byte> junk(64, std::byte{0xee});
  raw.Write(junk);
  EXPECT_TRUE(raw.AtEof());
  EXPECT_FALSE(listener->NextRequest(20ms).ok());
}

TEST_F(SoftFabricTest, MalformedFrameOnEstablishedConnectionIsAnError) {
  auto cq = Take(b_->CreateCompletionQueue(16));
  auto listener = Take(b_->Listen(Address::Ib(b_->port().gid, kServiceId)));
  auto rec = Take(ReadPort(dir_, "portb"));
  RawPeer raw(rec.socket_path);
  CmIdentity me;
  me.gid = a_->port().gid;
  raw.Frame(FrameHeader{.type = FrameType::kConnectRequest, .seq = kServiceId},
            EncodeCmPayload(me, Bytes("raw")));
  auto req = listener->NextRequest(5s);
  ASSERT_TRUE(req.ok());
  QpOptions qp;
  qp.send_cq = qp.recv_cq = cq.get();
  auto conn = Take(listener->CreateConnection(**req, qp));
  ASSERT_TRUE(listener->Accept(**req, *conn, {}).ok());
  auto rep = raw.Read();
  ASSERT_TRUE(rep.has_value());
  EXPECT_EQ(rep->type, FrameType::kConnectReply);
  raw.Frame(FrameHeader{.type = FrameType::kReadyToUse});
  ASSERT_TRUE(WaitEvent(*conn, ConnectionEventType::kEstablished).has_value());
  // A SEND segment that claims to continue a message that never started.
  raw.Frame(FrameHeader{.type = FrameType::kSend, .seq = 1, .key = 4}, Bytes("abcd"));
  auto ev = WaitEvent(*conn, ConnectionEventType::kError);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->detail.code(), StatusCode::kProtocolError);
  EXPECT_TRUE(WaitEvent(*conn, ConnectionEventType::kDisconnected).has_value());
  EXPECT_TRUE(raw.AtEof());
}

TEST_F(SoftFabricTest, UnknownFrameTypeIsAnError) {
  auto rec = Take(ReadPort(dir_, "portb"));
  RawPeer raw(rec.socket_path);
  auto hb = EncodeFrameHeader(FrameHeader{.type = FrameType::kAck});
  hb[0] = std::byte{0x77};
  raw.Write(hb);
  EXPECT_TRUE(raw.AtEof());
  // The fabric still works.
  Pair p = Connect();
  EXPECT_EQ(p.a->state(), ConnectionState::kEstablished);
}

}  // namespace
}  // namespace srp::fabric::soft::testing
