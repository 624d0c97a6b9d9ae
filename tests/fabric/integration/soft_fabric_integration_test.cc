// Cross-process integration tests of the soft fabric backend, written against
// the public fabric interface only. This process is the initiator; the other
// side is soft_fabric_peer (see its header comment for the stdout protocol and
// peer_support.h for the command protocol carried in SENDs). Each test gets a
// fresh subnet directory; every wait is bounded.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "lib/common/ids.h"
#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "tests/fabric/integration/child_process.h"
#include "tests/fabric/integration/peer_support.h"

#ifndef SRP_SOFT_FABRIC_PEER_PATH
#error "SRP_SOFT_FABRIC_PEER_PATH must name the soft_fabric_peer binary"
#endif

namespace srp::fabric::integration {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kWait(10000);
constexpr uint64_t kServiceId = 0x00000000013f0001ull;

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(SRP_STATUS_CONCAT_(result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)                   \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
#define ASSERT_OK(expr)                                               \
  do {                                                                \
    const ::srp::Status status_ = (expr);                             \
    ASSERT_TRUE(status_.ok()) << #expr << ": " << status_.ToString(); \
  } while (0)

std::vector<std::byte> Bytes(size_t n, uint64_t seed) {
  std::vector<std::byte> v(n);
  FillPattern(v, seed);
  return v;
}

// Index of the first differing byte, or -1.
long FirstMismatch(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.size() != b.size()) return 0;
  const auto it = std::mismatch(a.begin(), a.end(), b.begin());
  return it.first == a.end() ? -1 : static_cast<long>(it.first - a.begin());
}

bool IsExitZero(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

// The serving peer's address and buffer as parsed from its stdout.
struct PeerListening {
  Address address;
  Gid gid;
};

class SoftFabricIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/srp-soft-integ-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr) << std::strerror(errno);
    subnet_dir_ = tmpl;
    soft::SoftFabricOptions options;
    options.subnet_dir = subnet_dir_;
    options.port_name = fmt::format("test-{}", ::getpid());
    options.ip_addresses = {"127.0.0.1", "::1"};
    ASSERT_OK_AND_ASSIGN(fabric_, soft::OpenSoftFabric(options));
    ASSERT_OK_AND_ASSIGN(ep_, MessageEndpoint::Create(*fabric_));
  }

  void TearDown() override {
    ep_.reset();
    peer_.reset();
    fabric_.reset();
    std::error_code ec;
    std::filesystem::remove_all(subnet_dir_, ec);
  }

  // Starts soft_fabric_peer with the common options plus `args`.
  void StartPeer(const std::vector<std::string>& args, const std::vector<std::string>& ips = {}) {
    std::vector<std::string> argv = {SRP_SOFT_FABRIC_PEER_PATH, "--subnet", subnet_dir_, "--name",
                                     fmt::format("peer-{}-{}", ::getpid(), ++peer_count_)};
    for (const std::string& ip : ips) argv.insert(argv.end(), {"--ip", ip});
    argv.insert(argv.end(), args.begin(), args.end());
    StartCommand(argv);
  }
  // Starts `argv` as the peer (e.g. soft_fabric_peer under `ip netns exec`).
  void StartCommand(const std::vector<std::string>& argv) {
    auto child = ChildProcess::Spawn(argv);
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    peer_ = std::move(*child);
  }

  // Reads the peer's LISTENING line.
  void ReadListening(PeerListening* out) {
    ASSERT_OK_AND_ASSIGN(std::string line, peer_->WaitForLine("LISTENING", kWait));
    const std::vector<std::string> w = SplitWords(line);
    ASSERT_EQ(w.size(), 4u) << line;
    if (w[1] == "ib") {
      ASSERT_OK_AND_ASSIGN(out->gid, ParseGid(w[2]));
      ASSERT_OK_AND_ASSIGN(uint64_t sid, ParseHexU64(w[3]));
      out->address = Address::Ib(out->gid, sid);
    } else {
      ASSERT_EQ(w[1], "ip") << line;
      const int port = std::stoi(w[3]);
      ASSERT_GT(port, 0) << "listener must report the bound port: " << line;
      ASSERT_LT(port, 65536) << line;
      out->address = Address::Ip(w[2], static_cast<uint16_t>(port));
    }
  }

  Result<ConnectReply> Connect(const Address& to, std::span<const std::byte> data) {
    ConnectParams params;
    params.destination = to;
    params.qp = ep_->qp_options();
    params.private_data.assign(data.begin(), data.end());
    params.timeout = kWait;
    return fabric_->Connect(params);
  }

  // Starts an accepting IB-form peer with a buffer of `buffer_size` bytes,
  // connects, and fills remote_ from its READY line.
  void ConnectToServingPeer(size_t buffer_size, const std::string& access = "rw") {
    ASSERT_NO_FATAL_FAILURE(
        StartPeer({"serve", "--service-id", fmt::format("{:x}", kServiceId), "--buffer-size",
                   std::to_string(buffer_size), "--access", access}));
    PeerListening listening;
    ASSERT_NO_FATAL_FAILURE(ReadListening(&listening));
    ASSERT_OK_AND_ASSIGN(ConnectReply reply, Connect(listening.address, Bytes(64, 1)));
    ASSERT_FALSE(reply.rejected);
    ASSERT_NE(reply.connection, nullptr);
    ASSERT_OK(ep_->Attach(std::move(reply.connection)));
    ASSERT_NO_FATAL_FAILURE(ReadReady());
  }

  void ReadReady() {
    ASSERT_OK_AND_ASSIGN(std::string line, peer_->WaitForLine("READY", kWait));
    const std::vector<std::string> w = SplitWords(line);
    ASSERT_EQ(w.size(), 4u) << line;
    ASSERT_OK_AND_ASSIGN(remote_.addr, ParseHexU64(w[1]));
    ASSERT_OK_AND_ASSIGN(uint64_t rkey, ParseHexU64(w[2]));
    remote_.rkey = static_cast<uint32_t>(rkey);
    remote_.length = std::stoull(w[3]);
  }

  // Orderly end: we disconnect; the peer must see it, print EVENT and exit 0.
  void DisconnectAndReapPeer() {
    ASSERT_OK(ep_->connection().Disconnect());
    ASSERT_OK_AND_ASSIGN(ConnectionEvent ev, ep_->WaitEvent(kWait));
    EXPECT_EQ(ev.type, ConnectionEventType::kDisconnected) << ev.detail.ToString();
    ASSERT_OK_AND_ASSIGN(std::string line, peer_->WaitForLine("EVENT", kWait));
    EXPECT_EQ(SplitWords(line).at(1), "disconnected") << line;
    ExpectPeerExitsZero();
  }

  void ExpectPeerExitsZero() {
    ASSERT_OK_AND_ASSIGN(int status, peer_->Wait(kWait));
    EXPECT_TRUE(IsExitZero(status)) << "peer " << DescribeWaitStatus(status) << "; stdout:\n"
                                    << peer_->transcript();
  }

  // Asks the peer to fill [offset, offset+len) with Pattern(seed).
  void PeerFill(uint64_t offset, uint64_t len, uint64_t seed) {
    ASSERT_OK_AND_ASSIGN(std::string r,
                         ep_->Call(fmt::format("fill {} {} {}", offset, len, seed), kWait));
    ASSERT_EQ(r, "ok");
  }
  void ExpectPeerChecksum(uint64_t offset, std::span<const std::byte> want) {
    ASSERT_OK_AND_ASSIGN(std::string r,
                         ep_->Call(fmt::format("sum {} {}", offset, want.size()), kWait));
    EXPECT_EQ(r, fmt::format("sum {:016x}", Checksum(want))) << "remote bytes differ";
  }

  std::string subnet_dir_;
  std::unique_ptr<Fabric> fabric_;
  std::unique_ptr<MessageEndpoint> ep_;
  std::unique_ptr<ChildProcess> peer_;
  RemoteBuffer remote_;
  int peer_count_ = 0;
};

TEST_F(SoftFabricIntegrationTest, ConnectCarriesPrivateDataBothWays) {
  const std::vector<std::byte> login = Bytes(64, 11);   // an SRP_LOGIN_REQ-sized blob
  const std::vector<std::byte> answer = Bytes(52, 12);  // an SRP_LOGIN_RSP-sized blob
  ASSERT_NO_FATAL_FAILURE(
      StartPeer({"serve", "--service-id", fmt::format("{:x}", kServiceId), "--expect-data",
                 BytesToHex(login), "--reply-data", BytesToHex(answer)}));
  PeerListening listening;
  ASSERT_NO_FATAL_FAILURE(ReadListening(&listening));
  ASSERT_OK_AND_ASSIGN(ConnectReply reply, Connect(listening.address, login));
  ASSERT_FALSE(reply.rejected);
  ASSERT_NE(reply.connection, nullptr);
  EXPECT_EQ(reply.private_data, answer);
  EXPECT_EQ(reply.connection->state(), ConnectionState::kEstablished);
  EXPECT_EQ(reply.connection->peer().gid, listening.gid);

  ASSERT_OK_AND_ASSIGN(std::string req, peer_->WaitForLine("REQUEST", kWait));
  EXPECT_EQ(req, "REQUEST " + BytesToHex(login));
  ASSERT_OK(ep_->Attach(std::move(reply.connection)));
  ASSERT_NO_FATAL_FAILURE(ReadReady());
  ASSERT_NO_FATAL_FAILURE(DisconnectAndReapPeer());
}

TEST_F(SoftFabricIntegrationTest, RejectCarriesPrivateData) {
  const std::vector<std::byte> login = Bytes(64, 21);
  const std::vector<std::byte> rej = Bytes(32, 22);  // an SRP_LOGIN_REJ-sized blob
  ASSERT_NO_FATAL_FAILURE(StartPeer({"serve", "--service-id", fmt::format("{:x}", kServiceId),
                                     "--reject", "--reply-data", BytesToHex(rej)}));
  PeerListening listening;
  ASSERT_NO_FATAL_FAILURE(ReadListening(&listening));
  ASSERT_OK_AND_ASSIGN(ConnectReply reply, Connect(listening.address, login));
  EXPECT_TRUE(reply.rejected);
  EXPECT_EQ(reply.connection, nullptr);
  EXPECT_EQ(reply.private_data, rej);
  ASSERT_OK_AND_ASSIGN(std::string req, peer_->WaitForLine("REQUEST", kWait));
  EXPECT_EQ(req, "REQUEST " + BytesToHex(login));
  ASSERT_OK_AND_ASSIGN(std::string done, peer_->WaitForLine("REJECTED", kWait));
  EXPECT_EQ(done, "REJECTED");
  ASSERT_NO_FATAL_FAILURE(ExpectPeerExitsZero());
}

TEST_F(SoftFabricIntegrationTest, SendRecvManyMessagesInOrder) {
  ASSERT_NO_FATAL_FAILURE(ConnectToServingPeer(4096));
  // Varying lengths up to a full slot; a window keeps many SENDs in flight.
  constexpr int kMessages = 2000;
  constexpr int kWindow = 32;
  auto message = [](int i) {
    std::string text = fmt::format("echo {}:", i);
    text.append(static_cast<size_t>((i * 37) % 4000), static_cast<char>('a' + i % 26));
    return text;
  };
  int received = 0;
  for (int sent = 0; sent < kMessages || received < kMessages;) {
    if (sent < kMessages && sent - received < kWindow) {
      ASSERT_OK(ep_->Send(message(sent), kWait));
      ++sent;
      continue;
    }
    ASSERT_OK_AND_ASSIGN(std::string got, ep_->Receive(kWait));
    ASSERT_EQ(got, message(received).substr(5)) << "message " << received << " out of order";
    ++received;
  }
  EXPECT_TRUE(ep_->message_errors().empty());
  ASSERT_NO_FATAL_FAILURE(DisconnectAndReapPeer());
}

TEST_F(SoftFabricIntegrationTest, RdmaReadAndWriteSizesVerifiedOnBothSides) {
  constexpr size_t kMax = size_t{16} << 20;
  constexpr uint64_t kOffset = 24;  // not page aligned on purpose
  ASSERT_NO_FATAL_FAILURE(ConnectToServingPeer(kMax + kOffset));
  std::vector<std::byte> local(kMax + 64);  // the tail detects overruns
  std::vector<std::byte> expected(kMax);
  ASSERT_OK_AND_ASSIGN(auto mr,
                       fabric_->RegisterMemory(local.data(), local.size(), kAccessLocalWrite));
  uint64_t seed = 100;
  for (size_t size : {size_t{1}, size_t{4096}, size_t{65536}, size_t{1} << 20, kMax}) {
    SCOPED_TRACE(fmt::format("size {}", size));
    const std::span<std::byte> region(local.data(), size);
    const std::span<std::byte> want(expected.data(), size);
    // READ: the peer fills its buffer, we read and compare every byte.
    ASSERT_NO_FATAL_FAILURE(PeerFill(kOffset, size, seed));
    std::fill(local.begin(), local.end(), std::byte{0xee});
    ASSERT_OK_AND_ASSIGN(Completion rd, RdmaTransfer(*ep_, WrOpcode::kRdmaRead, *mr, region,
                                                     remote_, kOffset, kWait));
    ASSERT_EQ(rd.status, WcStatus::kSuccess) << WcStatusName(rd.status);
    EXPECT_EQ(rd.opcode, WcOpcode::kRdmaRead);
    FillPattern(want, seed);
    ASSERT_EQ(FirstMismatch(region, want), -1);
    EXPECT_EQ(local[size], std::byte{0xee}) << "READ wrote past the SGE";
    // WRITE: we fill, write, and the peer checksums what landed.
    FillPattern(region, seed + 1);
    ASSERT_OK_AND_ASSIGN(Completion wr, RdmaTransfer(*ep_, WrOpcode::kRdmaWrite, *mr, region,
                                                     remote_, kOffset, kWait));
    ASSERT_EQ(wr.status, WcStatus::kSuccess) << WcStatusName(wr.status);
    EXPECT_EQ(wr.opcode, WcOpcode::kRdmaWrite);
    ASSERT_NO_FATAL_FAILURE(ExpectPeerChecksum(kOffset, region));
    // Read it back into a scrubbed buffer: byte-for-byte what we wrote.
    std::copy(region.begin(), region.end(), want.begin());
    std::fill(region.begin(), region.end(), std::byte{0});
    ASSERT_OK_AND_ASSIGN(Completion back, RdmaTransfer(*ep_, WrOpcode::kRdmaRead, *mr, region,
                                                       remote_, kOffset, kWait));
    ASSERT_EQ(back.status, WcStatus::kSuccess);
    ASSERT_EQ(FirstMismatch(region, want), -1);
    seed += 2;
  }
  // The bytes around the transfers are untouched on the peer.
  ASSERT_NO_FATAL_FAILURE(ExpectPeerChecksum(0, std::vector<std::byte>(kOffset)));
  ASSERT_NO_FATAL_FAILURE(DisconnectAndReapPeer());
}

// A remote access violation completes our WR with kRemoteAccessError, puts
// our QP in error (later WRs flushed), and the peer sees the connection end.
struct AccessCase {
  const char* name;
  const char* peer_access;
  WrOpcode opcode;
  uint32_t rkey_xor;    // applied to the real rkey
  uint64_t addr_shift;  // added to the offset: pushes the access out of bounds
};

void PrintTo(const AccessCase& c, std::ostream* os) { *os << c.name; }

class RemoteAccessTest : public SoftFabricIntegrationTest,
                         public ::testing::WithParamInterface<AccessCase> {};

TEST_P(RemoteAccessTest, FailsWithRemoteAccessErrorAndPeerSeesIt) {
  const AccessCase& c = GetParam();
  constexpr size_t kBuffer = 65536;
  ASSERT_NO_FATAL_FAILURE(ConnectToServingPeer(kBuffer, c.peer_access));
  std::vector<std::byte> local(4096);
  ASSERT_OK_AND_ASSIGN(auto mr,
                       fabric_->RegisterMemory(local.data(), local.size(), kAccessLocalWrite));
  ASSERT_OK_AND_ASSIGN(Completion bad,
                       RdmaTransfer(*ep_, c.opcode, *mr, local, remote_, c.addr_shift, kWait,
                                    c.rkey_xor != 0 ? remote_.rkey ^ c.rkey_xor : 0));
  EXPECT_EQ(bad.status, WcStatus::kRemoteAccessError) << WcStatusName(bad.status);
  EXPECT_EQ(bad.qp_num, ep_->connection().qp_num());

  // The QP is in error: a valid WR posted now is flushed (or refused).
  const Sge sge{reinterpret_cast<uint64_t>(local.data()), 16, mr->lkey()};
  const Status post = ep_->connection().PostRdmaRead(9999, std::span<const Sge>(&sge, 1),
                                                     remote_.addr, remote_.rkey, true);
  if (post.ok()) {
    ASSERT_OK_AND_ASSIGN(Completion flushed, ep_->WaitCompletion(kWait));
    EXPECT_EQ(flushed.wr_id, 9999u);
    EXPECT_EQ(flushed.status, WcStatus::kWorkRequestFlushed) << WcStatusName(flushed.status);
  }
  EXPECT_NE(ep_->connection().state(), ConnectionState::kEstablished);

  // No Disconnect() from us: the peer must learn of the failure by itself.
  ASSERT_OK_AND_ASSIGN(std::string line, peer_->WaitForLine("EVENT", kWait));
  const std::string kind = SplitWords(line).at(1);
  EXPECT_TRUE(kind == "error" || kind == "disconnected") << line;
  ASSERT_NO_FATAL_FAILURE(ExpectPeerExitsZero());
  ASSERT_OK_AND_ASSIGN(ConnectionEvent ev, ep_->WaitEvent(kWait));
  EXPECT_NE(ev.type, ConnectionEventType::kEstablished);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RemoteAccessTest,
    ::testing::Values(AccessCase{"ReadBadRkey", "rw", WrOpcode::kRdmaRead, 0x5a5a5a5a, 0},
                      AccessCase{"WriteBadRkey", "rw", WrOpcode::kRdmaWrite, 0x00ff00ff, 0},
                      AccessCase{"ReadOutOfBounds", "rw", WrOpcode::kRdmaRead, 0, 65536 - 100},
                      AccessCase{"WriteToReadOnly", "r", WrOpcode::kRdmaWrite, 0, 0},
                      AccessCase{"ReadFromWriteOnly", "w", WrOpcode::kRdmaRead, 0, 0}),
    [](const ::testing::TestParamInfo<AccessCase>& param_info) { return param_info.param.name; });

// The peer dies (SIGKILL) while we stream RDMA READs at it: every posted WR
// completes (the later ones with an error), we get a disconnect/error event,
// and nothing hangs.
class PeerKilledTest : public SoftFabricIntegrationTest,
                       public ::testing::WithParamInterface<bool> {};

TEST_P(PeerKilledTest, OutstandingWorkCompletesWithErrorAndConnectionEnds) {
  const bool peer_kills_itself = GetParam();
  constexpr size_t kChunk = 1 << 20;
  constexpr int kWindow = 8;
  ASSERT_NO_FATAL_FAILURE(ConnectToServingPeer(kChunk));
  std::vector<std::byte> local(kChunk * kWindow);
  ASSERT_OK_AND_ASSIGN(auto mr,
                       fabric_->RegisterMemory(local.data(), local.size(), kAccessLocalWrite));
  if (peer_kills_itself) ASSERT_OK(ep_->Send("die", kWait));

  const auto deadline = std::chrono::steady_clock::now() + kWait;
  int posted = 0, completed = 0, ok = 0, failed = 0;
  bool posting = true;
  WcStatus first_error = WcStatus::kSuccess;
  while (completed < posted || posting) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "hang: posted " << posted << ", completed " << completed;
    if (posting && posted - completed < kWindow) {
      const Sge sge{reinterpret_cast<uint64_t>(local.data() + (posted % kWindow) * kChunk),
                    static_cast<uint32_t>(kChunk), mr->lkey()};
      if (!ep_->connection()
               .PostRdmaRead(posted + 1, std::span<const Sge>(&sge, 1), remote_.addr, remote_.rkey,
                             true)
               .ok()) {
        posting = false;  // the QP refuses new work once it is gone: fine
      } else {
        ++posted;
      }
      continue;
    }
    ASSERT_OK_AND_ASSIGN(Completion wc, ep_->WaitCompletion(kWait));
    ++completed;
    if (wc.status == WcStatus::kSuccess) {
      ++ok;
      if (!peer_kills_itself && ok == 20) peer_->Kill(SIGKILL);
    } else {
      if (failed++ == 0) first_error = wc.status;
      posting = false;
    }
  }
  RecordProperty("posted", posted);
  RecordProperty("succeeded", ok);
  RecordProperty("first_error", WcStatusName(first_error));
  EXPECT_GE(failed, 1) << "no WR failed after the peer died";
  EXPECT_TRUE(first_error == WcStatus::kTransportRetryExceeded ||
              first_error == WcStatus::kWorkRequestFlushed ||
              first_error == WcStatus::kGeneralError)
      << WcStatusName(first_error);
  ASSERT_OK_AND_ASSIGN(ConnectionEvent ev, ep_->WaitEvent(kWait));
  EXPECT_TRUE(ev.type == ConnectionEventType::kDisconnected ||
              ev.type == ConnectionEventType::kError)
      << static_cast<int>(ev.type);
  EXPECT_NE(ep_->connection().state(), ConnectionState::kEstablished);
  ASSERT_OK_AND_ASSIGN(int status, peer_->Wait(kWait));
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << DescribeWaitStatus(status);
}

INSTANTIATE_TEST_SUITE_P(Killers, PeerKilledTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? "PeerRaisesSigkill" : "ParentSendsSigkill";
                         });

// Fault injection in the peer process (SRP_SOFT_FAULTS, lib/fabric/soft/fault.h):
// its first send-queue WR (the reply to our first command) cuts the connection
// like a cable pull. Both processes must notice; our pending WRs are flushed.
TEST_F(SoftFabricIntegrationTest, InjectedConnectionDropInPeerIsSeenByBothSides) {
  ASSERT_NO_FATAL_FAILURE(
      StartCommand({"env", "SRP_SOFT_FAULTS=drop_after_wrs=1", SRP_SOFT_FABRIC_PEER_PATH,
                    "--subnet", subnet_dir_, "--name", "peer-faulty", "serve", "--service-id",
                    fmt::format("{:x}", kServiceId)}));
  PeerListening listening;
  ASSERT_NO_FATAL_FAILURE(ReadListening(&listening));
  ASSERT_OK_AND_ASSIGN(ConnectReply reply, Connect(listening.address, Bytes(64, 61)));
  ASSERT_FALSE(reply.rejected);
  ASSERT_OK(ep_->Attach(std::move(reply.connection)));
  ASSERT_NO_FATAL_FAILURE(ReadReady());

  // The cut comes right after the peer posts its reply, which may or may not
  // have left already (as with a cable pulled after transmission); from then
  // on the connection is gone.
  (void)ep_->Call("echo maybe", kWait);
  Result<std::string> answer = ep_->Call("echo never", kWait);
  // The "maybe" reply may have left the peer just before the cut while the first call had
  // already returned on the disconnect: then it is still queued here. Skip that one.
  if (answer.ok() && *answer == "maybe") answer = ep_->Call("echo never", kWait);
  ASSERT_FALSE(answer.ok()) << "got a reply across a dropped connection: " << *answer;
  EXPECT_EQ(answer.status().code(), StatusCode::kDisconnected) << answer.status().ToString();
  ASSERT_OK_AND_ASSIGN(ConnectionEvent ev, ep_->WaitEvent(kWait));
  EXPECT_EQ(ev.type, ConnectionEventType::kDisconnected) << ev.detail.ToString();
  ASSERT_FALSE(ep_->message_errors().empty());
  for (const Completion& wc : ep_->message_errors()) {
    EXPECT_EQ(wc.status, WcStatus::kWorkRequestFlushed) << WcOpcodeName(wc.opcode);
  }
  ASSERT_OK_AND_ASSIGN(std::string line, peer_->WaitForLine("EVENT", kWait));
  EXPECT_EQ(SplitWords(line).at(1), "disconnected") << line;
  ASSERT_NO_FATAL_FAILURE(ExpectPeerExitsZero());
}

// RDMA CM-style IP addressing on loopback; port 0 lets the listener choose.
class IpFormTest : public SoftFabricIntegrationTest,
                   public ::testing::WithParamInterface<const char*> {};

TEST_P(IpFormTest, ConnectsMovesDataAndReportsPeerIp) {
  const std::string host = GetParam();
  const std::vector<std::byte> login = Bytes(56, 31);  // srp_login_req_rdma size
  ASSERT_NO_FATAL_FAILURE(StartPeer(
      {"serve", "--listen-ip", host, "--listen-port", "0", "--expect-data", BytesToHex(login)},
      {host}));
  PeerListening listening;
  ASSERT_NO_FATAL_FAILURE(ReadListening(&listening));
  EXPECT_EQ(listening.address.host, host);
  ASSERT_OK_AND_ASSIGN(ConnectReply reply,
                       Connect(Address::Ip(host, listening.address.port), login));
  ASSERT_FALSE(reply.rejected);
  ASSERT_NE(reply.connection, nullptr);
  EXPECT_EQ(reply.private_data, login) << "the peer echoes the request by default";
  EXPECT_EQ(reply.connection->peer().ip, host);
  ASSERT_OK(ep_->Attach(std::move(reply.connection)));
  ASSERT_NO_FATAL_FAILURE(ReadReady());

  std::vector<std::byte> local(65536);
  ASSERT_OK_AND_ASSIGN(auto mr,
                       fabric_->RegisterMemory(local.data(), local.size(), kAccessLocalWrite));
  ASSERT_NO_FATAL_FAILURE(PeerFill(0, local.size(), 41));
  ASSERT_OK_AND_ASSIGN(Completion rd,
                       RdmaTransfer(*ep_, WrOpcode::kRdmaRead, *mr, local, remote_, 0, kWait));
  ASSERT_EQ(rd.status, WcStatus::kSuccess) << WcStatusName(rd.status);
  EXPECT_EQ(FirstMismatch(local, Bytes(local.size(), 41)), -1);
  FillPattern(local, 42);
  ASSERT_OK_AND_ASSIGN(Completion wr,
                       RdmaTransfer(*ep_, WrOpcode::kRdmaWrite, *mr, local, remote_, 0, kWait));
  ASSERT_EQ(wr.status, WcStatus::kSuccess) << WcStatusName(wr.status);
  ASSERT_NO_FATAL_FAILURE(ExpectPeerChecksum(0, local));
  ASSERT_NO_FATAL_FAILURE(DisconnectAndReapPeer());
}

INSTANTIATE_TEST_SUITE_P(Loopback, IpFormTest, ::testing::Values("127.0.0.1", "::1"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           return std::string(param_info.param) == "::1" ? "Ipv6" : "Ipv4";
                         });

// Two network namespaces joined by a veth pair (169.254.77.1/30 <-> .2).
// Deleting the namespaces (destructor) also deletes the veth pair.
class NetnsPair {
 public:
  NetnsPair()
      : a_(fmt::format("srpt-a-{}", ::getpid())), b_(fmt::format("srpt-b-{}", ::getpid())) {}
  ~NetnsPair() {
    std::string out;
    if (created_ >= 1) (void)RunCommand({"ip", "netns", "del", a_}, &out);
    if (created_ >= 2) (void)RunCommand({"ip", "netns", "del", b_}, &out);
  }
  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }

  // Returns false with `why` when creating a namespace is refused (no privilege).
  Status Create(bool* refused, std::string* why) {
    *refused = false;
    std::string out;
    for (const std::string* ns : {&a_, &b_}) {
      SRP_ASSIGN_OR_RETURN(int st, RunCommand({"ip", "netns", "add", *ns}, &out));
      if (!IsExitZero(st)) {
        *refused = ::geteuid() != 0 || out.find("Operation not permitted") != std::string::npos ||
                   out.find("Permission denied") != std::string::npos;
        *why = out;
        return Internal("ip netns add " + *ns + ": " + out);
      }
      ++created_;
    }
    const std::vector<std::vector<std::string>> steps = {
        {"ip", "-n", a_, "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b", "netns",
         b_},
        {"ip", "-n", a_, "addr", "add", "169.254.77.1/30", "dev", "veth-a"},
        {"ip", "-n", b_, "addr", "add", "169.254.77.2/30", "dev", "veth-b"},
        {"ip", "-n", a_, "link", "set", "veth-a", "up"},
        {"ip", "-n", b_, "link", "set", "veth-b", "up"},
        {"ip", "-n", a_, "link", "set", "lo", "up"},
        {"ip", "-n", b_, "link", "set", "lo", "up"},
    };
    for (const auto& step : steps) {
      SRP_ASSIGN_OR_RETURN(int st, RunCommand(step, &out));
      if (!IsExitZero(st)) return Internal(fmt::format("{}: {}", fmt::join(step, " "), out));
    }
    return Status::Ok();
  }

 private:
  std::string a_, b_;
  int created_ = 0;
};

TEST_F(SoftFabricIntegrationTest, IpConnectionAcrossNetworkNamespaces) {
  NetnsPair netns;
  bool refused = false;
  std::string why;
  const Status created = netns.Create(&refused, &why);
  if (refused) GTEST_SKIP() << "cannot create network namespaces here: " << why;
  ASSERT_OK(created);

  const std::vector<std::byte> login = Bytes(56, 51);
  const std::vector<std::byte> answer = Bytes(52, 52);
  ASSERT_NO_FATAL_FAILURE(StartCommand({"ip",
                                        "netns",
                                        "exec",
                                        netns.a(),
                                        SRP_SOFT_FABRIC_PEER_PATH,
                                        "--subnet",
                                        subnet_dir_,
                                        "--name",
                                        "ns-a",
                                        "--ip",
                                        "169.254.77.1",
                                        "serve",
                                        "--listen-ip",
                                        "169.254.77.1",
                                        "--listen-port",
                                        "0",
                                        "--expect-data",
                                        BytesToHex(login),
                                        "--reply-data",
                                        BytesToHex(answer)}));
  PeerListening listening;
  ASSERT_NO_FATAL_FAILURE(ReadListening(&listening));
  ASSERT_EQ(listening.address.host, "169.254.77.1");

  ASSERT_OK_AND_ASSIGN(auto initiator, ChildProcess::Spawn({"ip",
                                                            "netns",
                                                            "exec",
                                                            netns.b(),
                                                            SRP_SOFT_FABRIC_PEER_PATH,
                                                            "--subnet",
                                                            subnet_dir_,
                                                            "--name",
                                                            "ns-b",
                                                            "--ip",
                                                            "169.254.77.2",
                                                            "connect",
                                                            "--host",
                                                            "169.254.77.1",
                                                            "--port",
                                                            std::to_string(listening.address.port),
                                                            "--data",
                                                            BytesToHex(login),
                                                            "--messages",
                                                            "200"}));
  ASSERT_OK_AND_ASSIGN(std::string connected, initiator->WaitForLine("CONNECTED", kWait));
  EXPECT_EQ(connected, "CONNECTED " + BytesToHex(answer));
  ASSERT_OK_AND_ASSIGN(std::string result, initiator->WaitForLine("RESULT", kWait * 3));
  EXPECT_EQ(result, "RESULT ok");
  ASSERT_OK_AND_ASSIGN(int init_status, initiator->Wait(kWait));
  EXPECT_TRUE(IsExitZero(init_status))
      << "initiator " << DescribeWaitStatus(init_status) << "; stdout:\n"
      << initiator->transcript();

  ASSERT_OK_AND_ASSIGN(std::string req, peer_->WaitForLine("REQUEST", kWait));
  EXPECT_EQ(req, "REQUEST " + BytesToHex(login));
  ASSERT_OK_AND_ASSIGN(std::string ev, peer_->WaitForLine("EVENT", kWait));
  EXPECT_EQ(SplitWords(ev).at(1), "disconnected") << ev;
  ASSERT_NO_FATAL_FAILURE(ExpectPeerExitsZero());
}

}  // namespace
}  // namespace srp::fabric::integration
