// Two processes sharing only the subnet directory (fork), including peer death.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "lib/common/endian.h"
#include "lib/fabric/soft/subnet_directory.h"
#include "tests/fabric/soft/soft_test_util.h"

namespace srp::fabric::soft::testing {
namespace {

constexpr size_t kSize = 1 << 20;

char Pattern(size_t i, int seed) { return static_cast<char>((i * 31 + seed) & 0xff); }

// Child side: serve one connection. Returns the exit code (0 = success).
// Writes one byte to `ready_fd` once listening.
int RunServer(const std::string& dir, bool wait_for_kill, int ready_fd) {
  auto f = OpenSoftFabric({.subnet_dir = dir, .port_name = "server"});
  if (!f.ok()) return 10;
  std::vector<char> mem(kSize);
  for (size_t i = 0; i < kSize; ++i) mem[i] = Pattern(i, 1);
  auto mr = (*f)->RegisterMemory(mem.data(), kSize,
                                 kAccessLocalWrite | kAccessRemoteRead | kAccessRemoteWrite);
  auto cq = (*f)->CreateCompletionQueue(16);
  auto l = (*f)->Listen(Address::Ib((*f)->port().gid, kServiceId));
  if (!mr.ok() || !cq.ok() || !l.ok()) return 11;
  if (write(ready_fd, "r", 1) != 1) return 21;
  auto req = (*l)->NextRequest(10s);
  if (!req.ok()) return 12;
  QpOptions qp;
  qp.send_cq = qp.recv_cq = cq->get();
  auto conn = (*l)->CreateConnection(**req, qp);
  if (!conn.ok()) return 13;
  char msg[64] = {};
  Sge rs{reinterpret_cast<uint64_t>(msg), sizeof(msg), (*mr)->lkey()};
  auto msg_mr = (*f)->RegisterMemory(msg, sizeof(msg), kAccessLocalWrite);
  rs.lkey = (*msg_mr)->lkey();
  RecvRequest r{1, std::span<const Sge>(&rs, 1)};
  if (!(*conn)->PostRecv(std::span<const RecvRequest>(&r, 1)).ok()) return 14;
  std::byte pd[12];
  StoreBe64(pd, reinterpret_cast<uint64_t>(mem.data()));
  StoreBe32(pd + 8, (*mr)->rkey());
  if (!(*l)->Accept(**req, **conn, pd).ok()) return 15;
  if (wait_for_kill) {
    pause();
    return 16;
  }
  auto c = WaitCompletions(**cq, 1);
  if (c.size() != 1 || c[0].status != WcStatus::kSuccess) return 17;
  for (size_t i = kSize / 2; i < kSize; ++i)
    if (mem[i] != Pattern(i, 2)) return 18;
  std::strcpy(msg, "ok");
  Sge ss{reinterpret_cast<uint64_t>(msg), 2, (*msg_mr)->lkey()};
  if (!(*conn)->PostSendMessage(2, std::span<const Sge>(&ss, 1)).ok()) return 19;
  if (!WaitEvent(**conn, ConnectionEventType::kDisconnected)) return 20;
  return 0;
}

class ProcessTest : public SoftFabricTest {
 protected:
  // No fabric in this process until the server is forked: a child forked from a process with
  // running fabric threads may inherit locks those threads held (seen as a hang under ASan).
  void SetUp() override {
    char tmpl[] = "/tmp/srp-soft-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  // A failed test must not leave the (possibly paused) server behind.
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    SoftFabricTest::TearDown();
  }
  // Forks the server, then opens this process's fabric `a_`.
  pid_t StartServer(bool wait_for_kill) {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) _exit(RunServer(dir_, wait_for_kill, ready[1]));
    child_ = pid;
    close(ready[1]);
    EXPECT_TRUE(FdReadable(ready[0], 10000));
    close(ready[0]);
    a_ = Open("porta");
    EXPECT_NE(a_, nullptr);
    return pid;
  }
  // Waits for the server to exit; its wait status.
  int ReapServer() {
    int status = 0;
    EXPECT_EQ(waitpid(child_, &status, 0), child_);
    child_ = -1;
    return status;
  }
  pid_t child_ = -1;
  // Connects fabric a to the server; returns the remote buffer address/rkey.
  std::unique_ptr<Connection> ConnectToServer(CompletionQueue& cq, uint64_t* addr, uint32_t* rkey) {
    auto rec = ReadPort(dir_, "server");
    EXPECT_TRUE(rec.ok());
    if (!rec.ok()) return nullptr;
    ConnectParams params;
    params.destination = Address::Ib(rec->gid, kServiceId);
    params.qp.send_cq = params.qp.recv_cq = &cq;
    auto reply = Take(a_->Connect(params));
    EXPECT_EQ(reply.private_data.size(), 12u);
    if (reply.private_data.size() != 12u) return nullptr;
    *addr = LoadBe64(reply.private_data.data());
    *rkey = LoadBe32(reply.private_data.data() + 8);
    return std::move(reply.connection);
  }
};

TEST_F(ProcessTest, RdmaAndMessagesAcrossProcesses) {
  pid_t child = StartServer(false);
  ASSERT_GT(child, 0);
  auto cq = Take(a_->CreateCompletionQueue(16));
  uint64_t raddr = 0;
  uint32_t rkey = 0;
  auto conn = ConnectToServer(*cq, &raddr, &rkey);
  ASSERT_NE(conn, nullptr);
  Buffer local(*a_, kSize);
  Sge rd = local.sge(0, kSize / 2);
  ASSERT_TRUE(conn->PostRdmaRead(1, std::span<const Sge>(&rd, 1), raddr, rkey).ok());
  for (size_t i = kSize / 2; i < kSize; ++i) local.data[i] = Pattern(i, 2);
  Sge wr = local.sge(kSize / 2, kSize / 2);
  ASSERT_TRUE(
      conn->PostRdmaWrite(2, std::span<const Sge>(&wr, 1), raddr + kSize / 2, rkey, false).ok());
  Buffer msg(*a_, 64);
  Sge rs = msg.sge(32, 32);
  RecvRequest r{3, std::span<const Sge>(&rs, 1)};
  ASSERT_TRUE(conn->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  Sge ss = msg.sge(0, 5);
  ASSERT_TRUE(conn->PostSendMessage(4, std::span<const Sge>(&ss, 1), false).ok());
  auto c = WaitCompletions(*cq, 2);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].wr_id, 1u);
  EXPECT_EQ(c[0].status, WcStatus::kSuccess);
  EXPECT_EQ(c[1].wr_id, 3u);
  EXPECT_EQ(std::string(msg.data.data() + 32, 2), "ok");
  for (size_t i = 0; i < kSize / 2; ++i) ASSERT_EQ(local.data[i], Pattern(i, 1)) << i;
  ASSERT_TRUE(conn->Disconnect().ok());
  int status = ReapServer();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(ProcessTest, PeerDeathIsDisconnectAndFlush) {
  pid_t child = StartServer(true);
  ASSERT_GT(child, 0);
  auto cq = Take(a_->CreateCompletionQueue(16));
  uint64_t raddr = 0;
  uint32_t rkey = 0;
  auto conn = ConnectToServer(*cq, &raddr, &rkey);
  ASSERT_NE(conn, nullptr);
  Buffer msg(*a_, 64);
  Sge rs = msg.sge(0, 64);
  RecvRequest r{3, std::span<const Sge>(&rs, 1)};
  ASSERT_TRUE(conn->PostRecv(std::span<const RecvRequest>(&r, 1)).ok());
  kill(child, SIGKILL);
  ReapServer();
  EXPECT_TRUE(WaitEvent(*conn, ConnectionEventType::kDisconnected).has_value());
  auto c = WaitCompletions(*cq, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, WcStatus::kWorkRequestFlushed);
  // The dead server's port file is stale and gets cleaned.
  EXPECT_FALSE(ReadPort(dir_, "server").ok());
  for (const PortRecord& p : Take(ListPorts(dir_))) EXPECT_NE(p.name, "server");
}

}  // namespace
}  // namespace srp::fabric::soft::testing
