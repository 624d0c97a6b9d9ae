// Shared fixture for the soft fabric unit tests: two soft ports in a temporary
// subnet directory, in one process.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/soft_fabric.h"

namespace srp::fabric::soft::testing {

using namespace std::chrono_literals;

inline constexpr uint64_t kServiceId = 0x00000000013f0001ull;

// The value of `r`; a failure is reported to gtest (and the default T returned).
template <typename T>
T Take(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return T();
  return std::move(r).value();
}

inline bool FdReadable(int fd, int timeout_ms = 0) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

inline std::vector<Completion> WaitCompletions(CompletionQueue& cq, size_t n,
                                               std::chrono::milliseconds timeout = 10s) {
  std::vector<Completion> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  Completion buf[16];
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    size_t got = cq.Poll(buf);
    out.insert(out.end(), buf, buf + got);
    if (got == 0) std::this_thread::sleep_for(100us);
  }
  return out;
}

inline std::optional<ConnectionEvent> WaitEvent(Connection& c, ConnectionEventType type,
                                                std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    while (auto ev = c.NextEvent())
      if (ev->type == type) return ev;
    std::this_thread::sleep_for(200us);
  }
  return std::nullopt;
}

inline std::vector<std::byte> Bytes(std::string_view s) {
  return std::vector<std::byte>(reinterpret_cast<const std::byte*>(s.data()),
                                reinterpret_cast<const std::byte*>(s.data()) + s.size());
}

// A registered buffer.
struct Buffer {
  Buffer(Fabric& f, size_t n,
         uint32_t access = kAccessLocalWrite | kAccessRemoteRead | kAccessRemoteWrite)
      : data(n) {
    mr = Take(f.RegisterMemory(data.data(), n, access));
  }
  Sge sge(size_t off, uint32_t len) const {
    return Sge{reinterpret_cast<uint64_t>(data.data() + off), len, mr->lkey()};
  }
  std::vector<char> data;
  std::unique_ptr<MemoryRegion> mr;
};

// Both ends of one connection.
struct Pair {
  std::unique_ptr<CompletionQueue> a_cq, b_cq;
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Connection> a, b;  // a = active (fabric a), b = passive (fabric b)
};

class SoftFabricTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/srp-soft-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    a_ = Open("porta");
    b_ = Open("portb");
    ASSERT_TRUE(a_ && b_);
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Fabric> Open(const std::string& name, SoftFabricOptions options = {}) {
    options.subnet_dir = dir_;
    options.port_name = name;
    auto f = OpenSoftFabric(options);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(*f) : nullptr;
  }

  // Connects a -> b. `before_accept` runs on the passive connection before Accept.
  Pair Connect(QpOptions a_opts = {}, QpOptions b_opts = {},
               std::function<void(Connection&)> before_accept = {}) {
    Pair p;
    p.a_cq = Take(a_->CreateCompletionQueue(256));
    p.b_cq = Take(b_->CreateCompletionQueue(256));
    auto l = b_->Listen(Address::Ib(b_->port().gid, kServiceId));
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    p.listener = std::move(*l);
    a_opts.send_cq = a_opts.recv_cq = p.a_cq.get();
    b_opts.send_cq = b_opts.recv_cq = p.b_cq.get();
    ConnectParams params;
    params.destination = Address::Ib(b_->port().gid, kServiceId);
    params.qp = a_opts;
    params.private_data = Bytes("login-request");
    auto fut = std::async(std::launch::async, [&] { return a_->Connect(params); });
    auto req = p.listener->NextRequest(5s);
    EXPECT_TRUE(req.ok()) << req.status().ToString();
    auto conn = p.listener->CreateConnection(**req, b_opts);
    EXPECT_TRUE(conn.ok());
    if (before_accept) before_accept(**conn);
    EXPECT_TRUE(p.listener->Accept(**req, **conn, Bytes("login-response")).ok());
    p.b = std::move(*conn);
    auto reply = fut.get();
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    p.a = std::move(reply->connection);
    EXPECT_TRUE(WaitEvent(*p.b, ConnectionEventType::kEstablished).has_value());
    return p;
  }

  std::string dir_;
  std::unique_ptr<Fabric> a_, b_;
};

}  // namespace srp::fabric::soft::testing
