// RDMA READ/WRITE, memory keys and access checks of the soft fabric.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/fabric/soft/soft_test_util.h"

namespace srp::fabric::soft::testing {
namespace {

void Fill(std::vector<char>& v, size_t n, int seed) {
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<char>((i * 131 + seed) >> 3);
}

class RdmaSizeTest : public SoftFabricTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(RdmaSizeTest, WriteThenReadBack) {
  const size_t n = GetParam();
  Buffer local(*a_, n), back(*a_, n), remote(*b_, n);
  Fill(local.data, n, 1);
  Pair p = Connect();
  Sge s = local.sge(0, static_cast<uint32_t>(n));
  uint64_t raddr = reinterpret_cast<uint64_t>(remote.data.data());
  ASSERT_TRUE(
      p.a->PostRdmaWrite(1, std::span<const Sge>(&s, 1), raddr, remote.mr->rkey(), true).ok());
  Sge r = back.sge(0, static_cast<uint32_t>(n));
  ASSERT_TRUE(p.a->PostRdmaRead(2, std::span<const Sge>(&r, 1), raddr, remote.mr->rkey()).ok());
  auto c = WaitCompletions(*p.a_cq, 2, std::chrono::seconds(60));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].wr_id, 1u);
  EXPECT_EQ(c[0].status, WcStatus::kSuccess);
  EXPECT_EQ(c[0].opcode, WcOpcode::kRdmaWrite);
  EXPECT_EQ(c[1].wr_id, 2u);
  EXPECT_EQ(c[1].status, WcStatus::kSuccess);
  EXPECT_EQ(c[1].opcode, WcOpcode::kRdmaRead);
  EXPECT_TRUE(remote.data == local.data);
  EXPECT_TRUE(back.data == local.data);
}

INSTANTIATE_TEST_SUITE_P(Sizes, RdmaSizeTest,
                         ::testing::Values(1, 4095, 65536, (1u << 20) + 3, 16u << 20));

TEST_F(SoftFabricTest, ManyConcurrentReadsWithGatherAndScatter) {
  constexpr int kReads = 32;
  constexpr size_t kChunk = 256 * 1024;
  Buffer remote(*b_, kReads * kChunk), local(*a_, kReads * kChunk);
  Fill(remote.data, remote.data.size(), 7);
  QpOptions a_opts;
  a_opts.max_send_sge = 2;
  Pair p = Connect(a_opts);
  uint64_t raddr = reinterpret_cast<uint64_t>(remote.data.data());
  std::vector<WorkRequest> batch;
  std::vector<std::array<Sge, 2>> sges(kReads);
  for (int i = 0; i < kReads; ++i) {
    sges[i] = {local.sge(i * kChunk, 1000), local.sge(i * kChunk + 1000, kChunk - 1000)};
    batch.push_back(WorkRequest{static_cast<uint64_t>(i), WrOpcode::kRdmaRead, sges[i],
                                raddr + i * kChunk, remote.mr->rkey(), i % 4 == 3});
  }
  ASSERT_TRUE(p.a->PostSend(batch).ok());
  auto c = WaitCompletions(*p.a_cq, kReads / 4);
  ASSERT_EQ(c.size(), static_cast<size_t>(kReads / 4));
  for (int i = 0; i < kReads / 4; ++i) EXPECT_EQ(c[i].wr_id, static_cast<uint64_t>(4 * i + 3));
  EXPECT_TRUE(local.data == remote.data);
}

TEST_F(SoftFabricTest, KeysAreNotSequential) {
  Buffer x(*a_, 16), y(*a_, 16), z(*a_, 16);
  EXPECT_NE(x.mr->rkey() + 1, y.mr->rkey());
  EXPECT_NE(y.mr->rkey() + 1, z.mr->rkey());
  EXPECT_NE(x.mr->rkey(), y.mr->rkey());
}

TEST_F(SoftFabricTest, BadRkeyIsRemoteAccessErrorOnBothSides) {
  Buffer local(*a_, 64), remote(*b_, 64);
  Pair p = Connect();
  Sge s = local.sge(0, 64);
  uint64_t raddr = reinterpret_cast<uint64_t>(remote.data.data());
  ASSERT_TRUE(
      p.a->PostRdmaWrite(1, std::span<const Sge>(&s, 1), raddr, remote.mr->rkey() ^ 0x1234, false)
          .ok());
  ASSERT_TRUE(
      p.a->PostRdmaWrite(2, std::span<const Sge>(&s, 1), raddr, remote.mr->rkey(), false).ok());
  auto c = WaitCompletions(*p.a_cq, 2);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].wr_id, 1u);
  EXPECT_EQ(c[0].status, WcStatus::kRemoteAccessError);
  EXPECT_EQ(c[1].status, WcStatus::kWorkRequestFlushed);
  auto ea = WaitEvent(*p.a, ConnectionEventType::kError);
  ASSERT_TRUE(ea.has_value());
  EXPECT_EQ(ea->detail.code(), StatusCode::kRemoteAccessError);
  EXPECT_TRUE(WaitEvent(*p.b, ConnectionEventType::kError).has_value());
  EXPECT_EQ(p.a->state(), ConnectionState::kError);
  EXPECT_EQ(p.b->state(), ConnectionState::kError);
  EXPECT_EQ(std::count(remote.data.begin(), remote.data.end(), 0), 64);
  // Disconnect after the error still reaches both sides.
  ASSERT_TRUE(p.a->Disconnect().ok());
  EXPECT_TRUE(WaitEvent(*p.b, ConnectionEventType::kDisconnected).has_value());
}

TEST_F(SoftFabricTest, AccessFlagsAndBoundsAreChecked) {
  struct Case {
    const char* what;
    uint32_t access;
    WrOpcode op;
    size_t offset;
    uint32_t len;
  };
  const Case cases[] = {
      {"write to read-only", kAccessLocalWrite | kAccessRemoteRead, WrOpcode::kRdmaWrite, 0, 16},
      {"read from write-only", kAccessLocalWrite | kAccessRemoteWrite, WrOpcode::kRdmaRead, 0, 16},
      {"read past the end", kAccessRemoteRead, WrOpcode::kRdmaRead, 60, 16},
      {"write past the end", kAccessLocalWrite | kAccessRemoteWrite, WrOpcode::kRdmaWrite, 1, 64},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.what);
    Buffer local(*a_, 64), remote(*b_, 64, tc.access);
    Pair p = Connect();
    Sge s = local.sge(0, tc.len);
    WorkRequest wr{9,
                   tc.op,
                   std::span<const Sge>(&s, 1),
                   reinterpret_cast<uint64_t>(remote.data.data()) + tc.offset,
                   remote.mr->rkey(),
                   true};
    ASSERT_TRUE(p.a->PostSend(std::span<const WorkRequest>(&wr, 1)).ok());
    auto c = WaitCompletions(*p.a_cq, 1);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].status, WcStatus::kRemoteAccessError);
    EXPECT_TRUE(WaitEvent(*p.b, ConnectionEventType::kError).has_value());
  }
}

TEST_F(SoftFabricTest, DeregisteredKeyFails) {
  Buffer local(*a_, 64);
  std::vector<char> remote(64);
  auto mr = Take(b_->RegisterMemory(remote.data(), remote.size(), kAccessRemoteRead));
  uint32_t rkey = mr->rkey();
  mr.reset();
  Pair p = Connect();
  Sge s = local.sge(0, 8);
  ASSERT_TRUE(p.a->PostRdmaRead(1, std::span<const Sge>(&s, 1),
                                reinterpret_cast<uint64_t>(remote.data()), rkey)
                  .ok());
  auto c = WaitCompletions(*p.a_cq, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, WcStatus::kRemoteAccessError);
}

}  // namespace
}  // namespace srp::fabric::soft::testing

namespace srp::fabric::soft::testing {
namespace {

// Prints rough numbers; run with --gtest_also_run_disabled_tests in a release build.
TEST_F(SoftFabricTest, DISABLED_PerfSmoke) {
  constexpr size_t kBig = 16u << 20;
  Buffer local(*a_, kBig), remote(*b_, kBig);
  QpOptions a_opts, b_opts;
  a_opts.max_send_wr = 256;
  b_opts.max_recv_wr = 256;
  Pair p = Connect(a_opts, b_opts);
  uint64_t raddr = reinterpret_cast<uint64_t>(remote.data.data());
  Sge s = local.sge(0, kBig);
  auto start = std::chrono::steady_clock::now();
  constexpr int kRounds = 32;
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_TRUE(
        p.a->PostRdmaWrite(i, std::span<const Sge>(&s, 1), raddr, remote.mr->rkey(), true).ok());
    ASSERT_EQ(WaitCompletions(*p.a_cq, 1).size(), 1u);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("RDMA WRITE 16 MiB: %.1f MB/s\n", kRounds * double(kBig) / secs / 1e6);
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_TRUE(p.a->PostRdmaRead(i, std::span<const Sge>(&s, 1), raddr, remote.mr->rkey()).ok());
    ASSERT_EQ(WaitCompletions(*p.a_cq, 1).size(), 1u);
  }
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("RDMA READ 16 MiB: %.1f MB/s\n", kRounds * double(kBig) / secs / 1e6);
  // Ping-pong of 64-byte SENDs.
  constexpr int kPings = 20000;
  Sge rs_b = remote.sge(0, 64), rs_a = local.sge(64, 64), ss_a = local.sge(0, 64),
      ss_b = remote.sge(128, 64);
  RecvRequest rb{1, std::span<const Sge>(&rs_b, 1)}, ra{2, std::span<const Sge>(&rs_a, 1)};
  start = std::chrono::steady_clock::now();
  Completion c[4];
  for (int i = 0; i < kPings; ++i) {
    ASSERT_TRUE(p.b->PostRecv(std::span<const RecvRequest>(&rb, 1)).ok());
    ASSERT_TRUE(p.a->PostRecv(std::span<const RecvRequest>(&ra, 1)).ok());
    ASSERT_TRUE(p.a->PostSendMessage(3, std::span<const Sge>(&ss_a, 1), false).ok());
    while (p.b_cq->Poll(std::span<Completion>(c, 1)) == 0) {
    }
    ASSERT_TRUE(p.b->PostSendMessage(4, std::span<const Sge>(&ss_b, 1), false).ok());
    while (p.a_cq->Poll(std::span<Completion>(c, 1)) == 0) {
    }
  }
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("SEND ping-pong 64 B: %.1f us round trip\n", secs / kPings * 1e6);
  // One-way message rate with selective signalling.
  constexpr int kMsgs = 200000;
  std::thread receiver([&] {
    int got = 0;
    Completion rc[64];
    for (int i = 0; i < 256; ++i) (void)p.b->PostRecv(std::span<const RecvRequest>(&rb, 1));
    while (got < kMsgs) {
      size_t n = p.b_cq->Poll(rc);
      for (size_t k = 0; k < n; ++k) (void)p.b->PostRecv(std::span<const RecvRequest>(&rb, 1));
      got += static_cast<int>(n);
    }
  });
  start = std::chrono::steady_clock::now();
  int outstanding = 0;
  for (int i = 0; i < kMsgs; ++i) {
    bool sig = i % 32 == 31;
    while (outstanding >= 192) outstanding -= 32 * static_cast<int>(p.a_cq->Poll(c));
    Status st = p.a->PostSendMessage(i, std::span<const Sge>(&ss_a, 1), sig);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ++outstanding;
  }
  receiver.join();
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("SEND 64 B one-way: %.0f msg/s\n", kMsgs / secs);
}

}  // namespace
}  // namespace srp::fabric::soft::testing
