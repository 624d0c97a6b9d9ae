#include "perf/bench/soft_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>

#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/soft_fabric.h"

namespace srp::bench {
namespace {

using fabric::Completion;
using fabric::CompletionQueue;
using fabric::Connection;
using fabric::Sge;
using fabric::WcOpcode;
using fabric::WcStatus;
using fabric::WrOpcode;

constexpr uint64_t kServiceId = 0x00000000013f0b00ull;
constexpr size_t kChildRecvs = 256;
constexpr size_t kParentRecvs = 64;
constexpr uint64_t kRecvTag = 1ull << 63;
constexpr std::chrono::seconds kStallLimit(10);

// Message opcodes (first byte of every SEND).
constexpr char kPing = 'P';    // child echoes the message back
constexpr char kStream = 'S';  // child counts it
constexpr char kCount = 'C';   // child answers 'C' + uint64 count of kStream, resets it

// Busy-poll time before PollSome sleeps (BenchConfig::spin_us; set by RunSoft).
int g_spin_us = 0;

// Sent by the child on the pipe once it listens.
struct ChildReady {
  uint8_t gid[16];
  int32_t status;  // 0 = listening
};

// The child's accept private data: where RDMA may go.
struct RemoteBuffer {
  uint64_t addr;
  uint64_t length;
  uint32_t rkey;
  uint32_t reserved;
};

// Polls `cq` into `out`: spins briefly, then sleeps in event mode (also woken
// by `extra_fd`, e.g. a connection's event fd). 0 after `deadline`.
size_t PollSome(CompletionQueue& cq, std::span<Completion> out, Clock::time_point deadline,
                int extra_fd = -1) {
  const auto spin_until = Clock::now() + std::chrono::microseconds(g_spin_us);
  for (;;) {
    size_t n = cq.Poll(out);
    if (n > 0) return n;
    const auto now = Clock::now();
    if (now < spin_until) continue;
    if (now > deadline) return 0;
    pollfd fds[2] = {{cq.event_fd(), POLLIN, 0}, {extra_fd, POLLIN, 0}};
    if (!cq.ArmNotify().ok()) fds[0].fd = -1;
    n = cq.Poll(out);
    if (n > 0) return n;
    ::poll(fds, 2, 1);
    if (fds[0].fd >= 0 && (fds[0].revents & POLLIN)) cq.AckEvent();
    if (fds[1].revents & POLLIN) return 0;
  }
}

fabric::QpOptions MakeQp(CompletionQueue* cq, uint32_t recvs, uint8_t rdma_depth) {
  fabric::QpOptions qp;
  qp.send_cq = cq;
  qp.recv_cq = cq;
  qp.max_send_wr = 256;
  qp.max_recv_wr = recvs;
  qp.max_send_sge = 1;
  qp.max_recv_sge = 1;
  qp.responder_resources = rdma_depth;
  qp.initiator_depth = rdma_depth;
  return qp;
}

Sge SlotSge(std::vector<std::byte>& buf, size_t slot, size_t slot_size, uint32_t len,
            const fabric::MemoryRegion& mr) {
  return Sge{reinterpret_cast<uint64_t>(buf.data() + slot * slot_size), len, mr.lkey()};
}

// ------------------------------------------------------------------ child ---

// After a failed completion: 0 if it was the parent's orderly disconnect.
int AwaitDisconnect(Connection& c) {
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < deadline) {
    if (auto ev = c.NextEvent()) {
      if (ev->type == fabric::ConnectionEventType::kDisconnected) return 0;
      if (ev->type == fabric::ConnectionEventType::kError) return 1;
    }
    pollfd pfd{c.event_fd(), POLLIN, 0};
    ::poll(&pfd, 1, 5);
  }
  return c.state() == fabric::ConnectionState::kDisconnected ? 0 : 1;
}

int ChildServe(const BenchConfig& config, int ready_fd) {
  fabric::soft::SoftFabricOptions options;
  options.subnet_dir = config.subnet_dir;
  options.port_name = fmt::format("bench-server-{}", ::getpid());
  ChildReady ready{};
  ready.status = 1;
  auto fab = fabric::soft::OpenSoftFabric(options);
  if (!fab.ok()) {
    (void)::write(ready_fd, &ready, sizeof(ready));
    return 1;
  }
  auto cq = (*fab)->CreateCompletionQueue(1024);
  auto listener = (*fab)->Listen(fabric::Address::Ib(Gid{}, kServiceId));
  if (!cq.ok() || !listener.ok()) {
    (void)::write(ready_fd, &ready, sizeof(ready));
    return 1;
  }
  std::memcpy(ready.gid, (*fab)->port().gid.raw.data(), 16);
  ready.status = 0;
  if (::write(ready_fd, &ready, sizeof(ready)) != sizeof(ready)) return 1;
  ::close(ready_fd);

  auto req = (*listener)->NextRequest(std::chrono::seconds(10));
  if (!req.ok()) return 1;
  size_t bulk = 0;
  for (size_t s : config.bulk_sizes) bulk = std::max(bulk, s);
  const size_t slot = std::max<size_t>(config.message_size, 16);
  std::vector<std::byte> msgs(slot * (kChildRecvs + 1));  // last slot: replies
  std::vector<std::byte> target(bulk);
  auto msg_mr = (*fab)->RegisterMemory(msgs.data(), msgs.size(), fabric::kAccessLocalWrite);
  auto bulk_mr = (*fab)->RegisterMemory(
      target.data(), target.size(),
      fabric::kAccessLocalWrite | fabric::kAccessRemoteRead | fabric::kAccessRemoteWrite);
  if (!msg_mr.ok() || !bulk_mr.ok()) return 1;
  const auto depth = static_cast<uint8_t>(config.rdma_window);
  auto conn = (*listener)->CreateConnection(**req, MakeQp(cq->get(), kChildRecvs, depth));
  if (!conn.ok()) return 1;
  Connection& c = **conn;
  auto post_recv = [&](size_t i) {
    const Sge sge = SlotSge(msgs, i, slot, static_cast<uint32_t>(slot), **msg_mr);
    const fabric::RecvRequest rr{kRecvTag | i, std::span<const Sge>(&sge, 1)};
    return c.PostRecv(std::span<const fabric::RecvRequest>(&rr, 1));
  };
  for (size_t i = 0; i < kChildRecvs; ++i) {
    if (!post_recv(i).ok()) return 1;
  }
  RemoteBuffer rb{reinterpret_cast<uint64_t>(target.data()), target.size(), (*bulk_mr)->rkey(), 0};
  std::vector<std::byte> pd(sizeof(rb));
  std::memcpy(pd.data(), &rb, sizeof(rb));
  if (!(*listener)->Accept(**req, c, pd).ok()) return 1;

  uint64_t streamed = 0;
  auto idle_deadline = Clock::now() + std::chrono::seconds(30);
  Completion wcs[64];
  for (;;) {
    while (auto ev = c.NextEvent()) {
      if (ev->type != fabric::ConnectionEventType::kEstablished) return 0;  // parent is done
    }
    const size_t n = PollSome(**cq, wcs, idle_deadline, c.event_fd());
    if (n == 0 && Clock::now() > idle_deadline) return 1;
    if (n > 0) idle_deadline = Clock::now() + std::chrono::seconds(30);
    for (size_t k = 0; k < n; ++k) {
      const Completion& wc = wcs[k];
      if (wc.status != WcStatus::kSuccess) return AwaitDisconnect(c);
      if (wc.opcode != WcOpcode::kRecv) continue;
      const size_t i = wc.wr_id & ~kRecvTag;
      std::byte* m = msgs.data() + i * slot;
      const char op = static_cast<char>(m[0]);
      if (op == kStream) {
        ++streamed;
      } else if (op == kPing || op == kCount) {
        std::byte* reply = msgs.data() + kChildRecvs * slot;
        uint32_t len = wc.byte_len;
        std::memmove(reply, m, len);
        if (op == kCount) {
          std::memcpy(reply + 1, &streamed, sizeof(streamed));
          len = 1 + sizeof(streamed);
          streamed = 0;
        }
        const Sge sge = SlotSge(msgs, kChildRecvs, slot, len, **msg_mr);
        if (!c.PostSendMessage(0, std::span<const Sge>(&sge, 1), true).ok()) return 1;
      }
      if (!post_recv(i).ok()) return 1;
    }
  }
}

// ----------------------------------------------------------------- parent ---

class SoftClient {
 public:
  Status Open(const BenchConfig& config, const ChildReady& ready) {
    config_ = config;
    fabric::soft::SoftFabricOptions options;
    options.subnet_dir = config.subnet_dir;
    options.port_name = fmt::format("bench-client-{}", ::getpid());
    SRP_ASSIGN_OR_RETURN(fabric_, fabric::soft::OpenSoftFabric(options));
    SRP_ASSIGN_OR_RETURN(cq_, fabric_->CreateCompletionQueue(1024));
    slot_ = std::max<size_t>(config.message_size, 16);
    msgs_.resize(slot_ * (kParentRecvs + config.window));
    SRP_ASSIGN_OR_RETURN(
        msg_mr_, fabric_->RegisterMemory(msgs_.data(), msgs_.size(), fabric::kAccessLocalWrite));
    size_t bulk = 0;
    for (size_t s : config.bulk_sizes) bulk = std::max(bulk, s);
    bulk_.resize(bulk * config.rdma_window);
    SRP_ASSIGN_OR_RETURN(
        bulk_mr_, fabric_->RegisterMemory(bulk_.data(), bulk_.size(), fabric::kAccessLocalWrite));
    Gid gid;
    std::memcpy(gid.raw.data(), ready.gid, 16);
    fabric::ConnectParams params;
    params.destination = fabric::Address::Ib(gid, kServiceId);
    params.qp = MakeQp(cq_.get(), kParentRecvs, static_cast<uint8_t>(config.rdma_window));
    params.timeout = std::chrono::seconds(10);
    SRP_ASSIGN_OR_RETURN(fabric::ConnectReply reply, fabric_->Connect(params));
    if (reply.rejected || reply.private_data.size() < sizeof(RemoteBuffer)) {
      return Status(StatusCode::kRejected, "bench child refused the connection");
    }
    std::memcpy(&remote_, reply.private_data.data(), sizeof(remote_));
    conn_ = std::move(reply.connection);
    for (size_t i = 0; i < kParentRecvs; ++i) SRP_RETURN_IF_ERROR(PostRecv(i));
    return Status::Ok();
  }

  void Close() {
    if (conn_) {
      (void)conn_->Disconnect();
      const auto deadline = Clock::now() + std::chrono::seconds(2);
      while (conn_->state() != fabric::ConnectionState::kDisconnected && Clock::now() < deadline) {
        Completion wcs[16];
        PollSome(*cq_, wcs, Clock::now() + std::chrono::milliseconds(5), conn_->event_fd());
        (void)conn_->NextEvent();
      }
    }
    conn_.reset();
    bulk_mr_.reset();
    msg_mr_.reset();
    cq_.reset();
    fabric_.reset();
  }

  // Round trips of message_size; returns after `iterations` or the duration.
  Result<Measurement> PingPong(double duration_s, uint64_t max_iterations) {
    Measurement m{Transport::kSoft, TestKind::kPingPong, config_.message_size};
    std::vector<double> rtts;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(duration_s);
    auto now = start;
    while (now < end && m.ops < max_iterations) {
      std::byte* out = SendSlot(0);
      out[0] = static_cast<std::byte>(kPing);
      out[1] = static_cast<std::byte>(m.ops);
      SRP_RETURN_IF_ERROR(Send(0, static_cast<uint32_t>(config_.message_size)));
      bool sent = false, got = false;
      while (!sent || !got) {
        Completion wcs[8];
        const size_t n = PollSome(*cq_, wcs, Clock::now() + kStallLimit);
        if (n == 0) return Status(StatusCode::kTimedOut, "ping-pong stalled");
        for (size_t k = 0; k < n; ++k) {
          SRP_RETURN_IF_ERROR(Check(wcs[k]));
          if (wcs[k].opcode == WcOpcode::kSend) sent = true;
          if (wcs[k].opcode != WcOpcode::kRecv) continue;
          const size_t i = wcs[k].wr_id & ~kRecvTag;
          if (wcs[k].byte_len != config_.message_size || RecvSlot(i)[1] != out[1]) {
            return Status(StatusCode::kProtocolError, "ping-pong reply mismatch");
          }
          got = true;
          SRP_RETURN_IF_ERROR(PostRecv(i));
        }
      }
      const auto t = Clock::now();
      rtts.push_back(std::chrono::duration<double, std::nano>(t - now).count());
      now = t;
      ++m.ops;
    }
    m.seconds = std::chrono::duration<double>(now - start).count();
    m.bytes = m.ops * config_.message_size;
    m.latency = Summarize(rtts);
    return m;
  }

  // One-way SENDs with `window` in flight; the child's count must match.
  Result<Measurement> MessageRate() {
    Measurement m{Transport::kSoft, TestKind::kMessageRate, config_.message_size};
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(config_.duration_s);
    uint64_t sent = 0, done = 0;
    for (int s = 0; s < config_.window; ++s) SendSlot(s)[0] = static_cast<std::byte>(kStream);
    while (Clock::now() < end || done < sent) {
      while (Clock::now() < end && sent - done < static_cast<uint64_t>(config_.window)) {
        SRP_RETURN_IF_ERROR(
            Send(sent % config_.window, static_cast<uint32_t>(config_.message_size)));
        ++sent;
      }
      Completion wcs[64];
      const size_t n = PollSome(*cq_, wcs, Clock::now() + kStallLimit);
      if (n == 0) return Status(StatusCode::kTimedOut, "message rate stalled");
      for (size_t k = 0; k < n; ++k) {
        SRP_RETURN_IF_ERROR(Check(wcs[k]));
        if (wcs[k].opcode == WcOpcode::kSend) ++done;
      }
    }
    m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    SRP_ASSIGN_OR_RETURN(uint64_t counted, AskCount());
    if (counted != sent) {
      return Status(StatusCode::kProtocolError,
                    fmt::format("child received {} of {} messages", counted, sent));
    }
    m.ops = sent;
    m.bytes = sent * config_.message_size;
    return m;
  }

  // RDMA WRITE or READ of `size` to the child's buffer, rdma_window in flight.
  Result<Measurement> Rdma(WrOpcode opcode, size_t size) {
    Measurement m{Transport::kSoft,
                  opcode == WrOpcode::kRdmaWrite ? TestKind::kRdmaWrite : TestKind::kRdmaRead,
                  size};
    const uint64_t window = static_cast<uint64_t>(config_.rdma_window);
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(config_.duration_s);
    uint64_t posted = 0, done = 0;
    while (Clock::now() < end || done < posted) {
      while (Clock::now() < end && posted - done < window) {
        const Sge sge{reinterpret_cast<uint64_t>(bulk_.data() + (posted % window) * size),
                      static_cast<uint32_t>(size), bulk_mr_->lkey()};
        fabric::WorkRequest wr{posted,       opcode,       std::span<const Sge>(&sge, 1),
                               remote_.addr, remote_.rkey, true};
        SRP_RETURN_IF_ERROR(conn_->PostSend(std::span<const fabric::WorkRequest>(&wr, 1)));
        ++posted;
      }
      Completion wcs[64];
      const size_t n = PollSome(*cq_, wcs, Clock::now() + kStallLimit);
      if (n == 0) return Status(StatusCode::kTimedOut, "RDMA stalled");
      for (size_t k = 0; k < n; ++k) {
        SRP_RETURN_IF_ERROR(Check(wcs[k]));
        ++done;
      }
    }
    m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    m.ops = done;
    m.bytes = done * size;
    return m;
  }

 private:
  std::byte* RecvSlot(size_t i) { return msgs_.data() + i * slot_; }
  std::byte* SendSlot(size_t i) { return msgs_.data() + (kParentRecvs + i) * slot_; }

  Status PostRecv(size_t i) {
    const Sge sge = SlotSge(msgs_, i, slot_, static_cast<uint32_t>(slot_), *msg_mr_);
    const fabric::RecvRequest rr{kRecvTag | i, std::span<const Sge>(&sge, 1)};
    return conn_->PostRecv(std::span<const fabric::RecvRequest>(&rr, 1));
  }
  Status Send(size_t slot, uint32_t len) {
    const Sge sge = SlotSge(msgs_, kParentRecvs + slot, slot_, len, *msg_mr_);
    return conn_->PostSendMessage(slot, std::span<const Sge>(&sge, 1), true);
  }
  static Status Check(const Completion& wc) {
    if (wc.status == WcStatus::kSuccess) return Status::Ok();
    return Status(StatusCode::kIoError,
                  fmt::format("{} completion: {}", fabric::WcOpcodeName(wc.opcode),
                              fabric::WcStatusName(wc.status)));
  }
  Result<uint64_t> AskCount() {
    SendSlot(0)[0] = static_cast<std::byte>(kCount);
    SRP_RETURN_IF_ERROR(Send(0, 1));
    for (;;) {
      Completion wcs[8];
      const size_t n = PollSome(*cq_, wcs, Clock::now() + kStallLimit);
      if (n == 0) return Status(StatusCode::kTimedOut, "no count reply");
      for (size_t k = 0; k < n; ++k) {
        SRP_RETURN_IF_ERROR(Check(wcs[k]));
        if (wcs[k].opcode != WcOpcode::kRecv) continue;
        const size_t i = wcs[k].wr_id & ~kRecvTag;
        uint64_t count = 0;
        std::memcpy(&count, RecvSlot(i) + 1, sizeof(count));
        const bool is_count = RecvSlot(i)[0] == static_cast<std::byte>(kCount);
        SRP_RETURN_IF_ERROR(PostRecv(i));
        if (is_count) return count;
      }
    }
  }

  BenchConfig config_;
  std::unique_ptr<fabric::Fabric> fabric_;
  std::unique_ptr<CompletionQueue> cq_;
  size_t slot_ = 0;
  std::vector<std::byte> msgs_;  // kParentRecvs receive slots, then `window` send slots
  std::vector<std::byte> bulk_;
  std::unique_ptr<fabric::MemoryRegion> msg_mr_;
  std::unique_ptr<fabric::MemoryRegion> bulk_mr_;
  std::unique_ptr<Connection> conn_;
  RemoteBuffer remote_{};
};

Result<std::vector<Measurement>> RunMeasurements(SoftClient& client, const BenchConfig& config) {
  std::vector<Measurement> out;
  SRP_RETURN_IF_ERROR(client.PingPong(10.0, 200).status());  // warm-up
  SRP_ASSIGN_OR_RETURN(Measurement pp, client.PingPong(config.duration_s, UINT64_MAX));
  out.push_back(pp);
  SRP_ASSIGN_OR_RETURN(Measurement rate, client.MessageRate());
  out.push_back(rate);
  for (WrOpcode op : {WrOpcode::kRdmaWrite, WrOpcode::kRdmaRead}) {
    for (size_t size : config.bulk_sizes) {
      SRP_ASSIGN_OR_RETURN(Measurement bw, client.Rdma(op, size));
      out.push_back(bw);
    }
  }
  return out;
}

}  // namespace

Result<std::vector<Measurement>> RunSoft(const BenchConfig& config) {
  g_spin_us = config.spin_us;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe2");
  const pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno(errno, "fork");
  if (pid == 0) {
    ::close(pipe_fds[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::alarm(static_cast<unsigned>(std::ceil(config.duration_s * 12)) + 60);
    int rc = ChildServe(config, pipe_fds[1]);
    ::_exit(rc);
  }
  ::close(pipe_fds[1]);
  ChildReady ready{};
  pollfd pfd{pipe_fds[0], POLLIN, 0};
  const bool readable = ::poll(&pfd, 1, 10000) == 1;
  const bool got = readable && ::read(pipe_fds[0], &ready, sizeof(ready)) == sizeof(ready);
  ::close(pipe_fds[0]);
  if (!got || ready.status != 0) {
    ReapChild(pid, std::chrono::seconds(1));
    return Status(StatusCode::kUnavailable, "soft bench child failed to listen");
  }
  SoftClient client;
  Result<std::vector<Measurement>> out = [&]() -> Result<std::vector<Measurement>> {
    SRP_RETURN_IF_ERROR(client.Open(config, ready));
    return RunMeasurements(client, config);
  }();
  client.Close();
  const bool child_ok = ReapChild(pid, std::chrono::seconds(5));
  if (out.ok() && !child_ok) return Status(StatusCode::kInternal, "soft bench child failed");
  return out;
}

}  // namespace srp::bench
