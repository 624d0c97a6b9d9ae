// An in-memory fabric for unit tests of the target engine: memory registration hands out
// keys, a connection records every PostRecv / PostSend batch, and the test delivers
// completions and events by hand. Nothing moves data: tests fill buffers themselves.
#pragma once

#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "lib/fabric/fabric.h"

namespace srp::target::testing {

class FakeMr final : public fabric::MemoryRegion {
 public:
  FakeMr(void* addr, size_t len, uint32_t key, uint32_t access)
      : addr_(addr), len_(len), key_(key), access_(access) {}
  void* addr() const override { return addr_; }
  size_t length() const override { return len_; }
  uint32_t lkey() const override { return key_; }
  uint32_t rkey() const override { return key_ | 0x80000000u; }
  uint32_t access() const override { return access_; }

 private:
  void* addr_;
  size_t len_;
  uint32_t key_;
  uint32_t access_;
};

class FakeCq final : public fabric::CompletionQueue {
 public:
  size_t Poll(std::span<fabric::Completion> out) override {
    size_t n = 0;
    while (n < out.size() && !queue.empty()) {
      out[n++] = queue.front();
      queue.pop_front();
    }
    return n;
  }
  int event_fd() const override { return -1; }
  Status ArmNotify() override { return Status::Ok(); }
  void AckEvent() override {}
  int depth() const override { return 1 << 16; }
  std::deque<fabric::Completion> queue;
};

// One recorded send-queue work request (the sg_list copied).
struct RecordedWr {
  uint64_t wr_id;
  fabric::WrOpcode opcode;
  uint64_t addr;  // first SGE
  uint32_t length;
  uint32_t lkey;
  uint64_t remote_addr;
  uint32_t rkey;
  bool signaled;
};

class FakeConnection final : public fabric::Connection {
 public:
  Status PostRecv(std::span<const fabric::RecvRequest> batch) override {
    ++recv_doorbells;
    for (const auto& r : batch) {
      if (fail_posts) {
        flushed_recvs.push_back(r.wr_id);
        continue;
      }
      recvs.push_back(r.wr_id);
    }
    return Status::Ok();
  }
  Status PostSend(std::span<const fabric::WorkRequest> batch, size_t* posted) override {
    std::vector<RecordedWr> b;
    for (const auto& w : batch) {
      RecordedWr r{w.wr_id, w.opcode, 0, 0, 0, w.remote_addr, w.rkey, w.signaled};
      if (!w.sg_list.empty()) {
        r.addr = w.sg_list[0].addr;
        r.length = w.sg_list[0].length;
        r.lkey = w.sg_list[0].lkey;
      }
      b.push_back(r);
    }
    if (posted) *posted = batch.size();
    if (fail_posts) {
      for (auto& r : b) flushed_sends.push_back(r);
      return Status::Ok();
    }
    sends.push_back(std::move(b));
    return Status::Ok();
  }
  Status Disconnect() override {
    ++disconnects;
    fail_posts = true;
    conn_state = fabric::ConnectionState::kDisconnected;
    return Status::Ok();
  }
  int event_fd() const override { return -1; }
  std::optional<fabric::ConnectionEvent> NextEvent() override {
    if (events.empty()) return std::nullopt;
    auto e = events.front();
    events.pop_front();
    return e;
  }
  fabric::ConnectionState state() const override { return conn_state; }
  uint32_t qp_num() const override { return 7; }
  const fabric::PeerInfo& peer() const override { return peer_info; }

  // All WRs of all batches posted since the last Clear, flattened.
  std::vector<RecordedWr> AllSends() const {
    std::vector<RecordedWr> all;
    for (const auto& b : sends) all.insert(all.end(), b.begin(), b.end());
    return all;
  }
  void Clear() {
    sends.clear();
    recvs.clear();
  }

  std::vector<std::vector<RecordedWr>> sends;
  std::vector<uint64_t> recvs;
  std::vector<RecordedWr> flushed_sends;
  std::vector<uint64_t> flushed_recvs;
  std::deque<fabric::ConnectionEvent> events;
  int recv_doorbells = 0;
  int disconnects = 0;
  bool fail_posts = false;  // after Disconnect: everything is flushed
  fabric::ConnectionState conn_state = fabric::ConnectionState::kConnecting;
  fabric::PeerInfo peer_info;
};

class FakeFabric final : public fabric::Fabric {
 public:
  std::string backend_name() const override { return "fake"; }
  const fabric::PortAttributes& port() const override { return attrs; }
  Result<std::unique_ptr<fabric::MemoryRegion>> RegisterMemory(void* addr, size_t length,
                                                               uint32_t access) override {
    ++registrations;
    return std::unique_ptr<fabric::MemoryRegion>(
        std::make_unique<FakeMr>(addr, length, next_key++, access));
  }
  Result<std::unique_ptr<fabric::CompletionQueue>> CreateCompletionQueue(int) override {
    return std::unique_ptr<fabric::CompletionQueue>(std::make_unique<FakeCq>());
  }
  Result<std::unique_ptr<fabric::Listener>> Listen(const fabric::Address&) override {
    return Status(StatusCode::kNotSupported, "fake");
  }
  Result<fabric::ConnectReply> Connect(const fabric::ConnectParams&) override {
    return Status(StatusCode::kNotSupported, "fake");
  }
  fabric::PortAttributes attrs;
  uint32_t next_key = 1;
  int registrations = 0;
};

}  // namespace srp::target::testing
