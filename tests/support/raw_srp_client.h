// A hostile (raw) SRP initiator for tests: it speaks hand-built IUs (lib/srp encoders) over
// any Fabric, so tests can send what a well-behaved initiator never would. Used by the
// in-process engine tests and by the cross-process integration tests against srp-target.
// Header-only test support; every wait is bounded.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "lib/common/endian.h"
#include "lib/common/ids.h"
#include "lib/fabric/fabric.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"
#include "lib/srp/descriptors.h"
#include "lib/srp/iu.h"
#include "lib/srp/login.h"

namespace srp::test_support {

inline constexpr size_t kRawSlot = 512;  // bytes per receive buffer = req_it_iu_len asked for
inline constexpr int kRawRecvs = 16;

// The raw initiator side of one channel.
struct RawChannel {
  std::unique_ptr<fabric::CompletionQueue> cq;
  std::unique_ptr<fabric::Connection> conn;
  std::vector<std::byte> recv_buf = std::vector<std::byte>(kRawSlot * kRawRecvs);
  std::vector<std::byte> send_buf = std::vector<std::byte>(4096);
  std::unique_ptr<fabric::MemoryRegion> recv_mr, send_mr;
  std::vector<fabric::Completion> stash;  // receive completions seen while waiting for a send

  Status PostRecv(int i) {
    fabric::Sge s{reinterpret_cast<uint64_t>(recv_buf.data() + kRawSlot * i), kRawSlot,
                  recv_mr->lkey()};
    fabric::RecvRequest r{static_cast<uint64_t>(i), std::span<const fabric::Sge>(&s, 1)};
    return conn->PostRecv(std::span<const fabric::RecvRequest>(&r, 1));
  }

  // Sends `iu` and waits for its send completion; false on error or after 5 s.
  bool Send(const std::vector<std::byte>& iu) {
    using namespace std::chrono_literals;
    std::memcpy(send_buf.data(), iu.data(), iu.size());
    fabric::Sge s{reinterpret_cast<uint64_t>(send_buf.data()), static_cast<uint32_t>(iu.size()),
                  send_mr->lkey()};
    if (!conn->PostSendMessage(1000, std::span<const fabric::Sge>(&s, 1), true).ok()) return false;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    fabric::Completion c[8];
    while (std::chrono::steady_clock::now() < deadline) {
      size_t n = cq->Poll(c);
      std::optional<bool> sent;
      for (size_t i = 0; i < n; ++i) {
        if (c[i].opcode == fabric::WcOpcode::kRecv) {
          stash.push_back(c[i]);
        } else if (c[i].wr_id == 1000) {
          sent = c[i].status == fabric::WcStatus::kSuccess;
        }
      }
      if (sent) return *sent;
      if (n == 0) std::this_thread::sleep_for(100us);
    }
    return false;
  }

  // The next received IU (bytes), or nullopt after `timeout`.
  std::optional<std::vector<std::byte>> Receive(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    using namespace std::chrono_literals;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (!stash.empty()) {
        fabric::Completion c = stash.front();
        stash.erase(stash.begin());
        if (c.status != fabric::WcStatus::kSuccess) return std::nullopt;
        std::vector<std::byte> iu(recv_buf.data() + kRawSlot * c.wr_id,
                                  recv_buf.data() + kRawSlot * c.wr_id + c.byte_len);
        (void)PostRecv(static_cast<int>(c.wr_id));
        return iu;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      fabric::Completion c[8];
      size_t n = cq->Poll(c);
      for (size_t i = 0; i < n; ++i)
        if (c[i].opcode == fabric::WcOpcode::kRecv) stash.push_back(c[i]);
      if (n == 0) std::this_thread::sleep_for(100us);
    }
  }

  // Sends `iu` and decodes the SRP_RSP that answers it (kept in *storage).
  std::optional<wire::RspView> Command(const std::vector<std::byte>& iu,
                                       std::vector<std::byte>* storage) {
    if (!Send(iu)) return std::nullopt;
    auto got = Receive();
    if (!got) return std::nullopt;
    *storage = std::move(*got);
    auto rsp = wire::DecodeRsp(*storage);
    if (!rsp.ok()) return std::nullopt;
    return *rsp;
  }

  bool WaitDisconnected(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    using namespace std::chrono_literals;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (conn->state() == fabric::ConnectionState::kDisconnected ||
          conn->state() == fabric::ConnectionState::kError)
        return true;
      while (conn->NextEvent()) {
      }
      std::this_thread::sleep_for(1ms);
    }
    return false;
  }
};

// Where the target under test listens and who it says it is.
struct RawTargetAddress {
  uint64_t id_ext = 0;
  uint64_t ioc_guid = 0;
  Gid gid;  // IB-form listener
  uint64_t service_id = 0;
  uint16_t rdma_cm_port = 0;  // 0 = no RDMA CM listener
};

// Logins and SRP_CMDs built by hand against one target, with a 1 MiB registered data buffer
// the target may RDMA into (`data()`).
class RawSrpClient {
 public:
  RawSrpClient(fabric::Fabric& fabric, RawTargetAddress target) : fabric_(fabric), target_(target) {
    data_.resize(1 << 20);
    data_mr_ = std::move(fabric_
                             .RegisterMemory(data_.data(), data_.size(),
                                             fabric::kAccessLocalWrite | fabric::kAccessRemoteRead |
                                                 fabric::kAccessRemoteWrite)
                             .value());
  }

  std::vector<std::byte>& data() { return data_; }
  const RawTargetAddress& target() const { return target_; }

  wire::LoginRequest GoodLogin(uint64_t initiator_ext = 1) const {
    wire::LoginRequest r;
    r.tag = 0x10;
    r.req_it_iu_len = kRawSlot;
    r.req_buf_fmt = wire::kBufFmtDirect | wire::kBufFmtIndirect;
    r.initiator_port_id = wire::MakeInitiatorPortId(initiator_ext, fabric_.port().port_guid,
                                                    wire::IoClass::kSrpRev16a);
    r.target_port_id =
        wire::MakeTargetPortId(target_.id_ext, target_.ioc_guid, wire::IoClass::kSrpRev16a);
    return r;
  }

  // Connects with raw private data; returns the reply and, if accepted, a ready channel.
  fabric::ConnectReply Connect(std::vector<std::byte> pd, RawChannel* ch, bool rdma_cm = false) {
    ch->cq = std::move(fabric_.CreateCompletionQueue(256).value());
    fabric::ConnectParams p;
    p.destination = rdma_cm ? fabric::Address::Ip("127.0.0.1", target_.rdma_cm_port)
                            : fabric::Address::Ib(target_.gid, target_.service_id);
    p.qp.send_cq = p.qp.recv_cq = ch->cq.get();
    p.qp.max_recv_wr = kRawRecvs;
    p.private_data = std::move(pd);
    auto r = fabric_.Connect(p);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    if (r->connection) {
      ch->conn = std::move(r->connection);
      ch->recv_mr = std::move(
          fabric_
              .RegisterMemory(ch->recv_buf.data(), ch->recv_buf.size(), fabric::kAccessLocalWrite)
              .value());
      ch->send_mr =
          std::move(fabric_.RegisterMemory(ch->send_buf.data(), ch->send_buf.size(), 0).value());
      for (int i = 0; i < kRawRecvs; ++i) EXPECT_TRUE(ch->PostRecv(i).ok());
    }
    return std::move(*r);
  }

  wire::LoginRejectReason RejectReason(std::vector<std::byte> pd, bool rdma_cm = false) {
    RawChannel ch;
    auto reply = Connect(std::move(pd), &ch, rdma_cm);
    EXPECT_TRUE(reply.rejected);
    auto rej = wire::DecodeLoginReject(reply.private_data);
    EXPECT_TRUE(rej.ok());
    return rej.ok() ? rej->reason : wire::LoginRejectReason{};
  }

  // Logs in and consumes the new nexus's unit attentions.
  wire::LoginResponse Login(RawChannel* ch, const wire::LoginRequest& req) {
    auto reply = Connect(wire::EncodeLoginRequest(req), ch);
    EXPECT_FALSE(reply.rejected);
    auto rsp = wire::DecodeLoginResponse(reply.private_data);
    EXPECT_TRUE(rsp.ok());
    if (ch->conn) ClearUnitAttentions(*ch);
    return rsp.ok() ? *rsp : wire::LoginResponse{};
  }

  // An SRP_CMD with one direct descriptor over data()[offset, offset + len).
  std::vector<std::byte> Cmd(uint64_t tag, uint32_t lun, const scsi::Cdb& cdb,
                             wire::DataDirection dir, size_t offset, uint32_t len,
                             uint32_t rkey_override = 0) {
    wire::CmdHeader h;
    h.tag = tag;
    auto packed = scsi::PackLun(lun);
    std::memcpy(h.lun.data(), packed.data(), 8);
    std::memcpy(h.cdb.data(), cdb.bytes.data(), cdb.length);
    wire::DataLayout l;
    if (dir != wire::DataDirection::kNone) {
      l.direction = dir;
      l.format = wire::DataFormat::kDirect;
      l.descriptors = {{reinterpret_cast<uint64_t>(data_.data() + offset),
                        rkey_override ? rkey_override : data_mr_->rkey(), len}};
      l.total_length = len;
    }
    return wire::EncodeCmd(h, {}, l, {}).value();
  }

  // A new nexus starts with POWER ON RESET unit attentions on every LUN: consume them.
  void ClearUnitAttentions(RawChannel& ch) {
    std::vector<std::byte> st;
    for (uint32_t lun : {0u, 1u}) {
      for (int i = 0; i < 3; ++i) {
        auto r = ch.Command(
            Cmd(0xfff0 + i, lun, scsi::BuildTestUnitReady(), wire::DataDirection::kNone, 0, 0),
            &st);
        if (!r || r->header.status == 0) break;
      }
    }
  }

  // WRITE then READ back 64 KiB on LUN 1 and compare.
  void ExpectGoodIo(RawChannel& ch, uint64_t tag) {
    for (size_t i = 0; i < 65536; ++i) data_[i] = static_cast<std::byte>(i * 7 + tag);
    std::vector<std::byte> st;
    auto w = ch.Command(
        Cmd(tag, 1, scsi::BuildWrite10(16, 128), wire::DataDirection::kOut, 0, 65536), &st);
    ASSERT_TRUE(w.has_value());
    EXPECT_EQ(w->header.status, 0);
    auto r = ch.Command(
        Cmd(tag + 1, 1, scsi::BuildRead10(16, 128), wire::DataDirection::kIn, 65536, 65536), &st);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->header.status, 0);
    EXPECT_EQ(std::memcmp(data_.data(), data_.data() + 65536, 65536), 0);
  }

 private:
  fabric::Fabric& fabric_;
  RawTargetAddress target_;
  std::vector<std::byte> data_;
  std::unique_ptr<fabric::MemoryRegion> data_mr_;
};

}  // namespace srp::test_support
