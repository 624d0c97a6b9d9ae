// Unit-test harness: one SrpChannel on the fake fabric with real SCSI units (LUN 0 null,
// LUN 1 memory) and an inline executor. Tests deliver IUs into receive slots, then inspect
// the work requests the channel queued and complete them by hand.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "lib/common/endian.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"
#include "lib/scsi/sense.h"
#include "lib/srp/descriptors.h"
#include "lib/srp/iu.h"
#include "target/backends/memory_backend.h"
#include "target/backends/null_backend.h"
#include "target/engine/srp_channel.h"
#include "target/engine/wr_id.h"
#include "target/scsi/logical_unit.h"
#include "tests/target/engine/fake_fabric.h"

namespace srp::target::testing {

class ManualSink final : public ScsiDoneSink {
 public:
  void PostScsiDone(SrpRequest* r) override { posted.push_back(r); }
  std::vector<SrpRequest*> posted;
};

struct HarnessOptions {
  uint32_t ring_size = 8;
  uint32_t send_queue_size = 64;
  uint32_t max_rdma = 65536;
  uint32_t max_ti_iu_len = 256;
  bool immediate = true;
  size_t pool_buffers = 8;
  size_t pool_buffer_size = 256u << 10;
  uint32_t lun1_queue_depth = 64;
  uint32_t max_transfer = 16u << 20;
};

class EngineHarness : public ::testing::Test {
 protected:
  void Init(HarnessOptions o = {}) {
    opts_ = o;
    config_.srp_max_rdma_size = o.max_rdma;
    config_.ring_size = o.ring_size;
    config_.send_queue_size = o.send_queue_size;
    config_.max_transfer = o.max_transfer;
    auto luns = std::make_shared<LunMap>();
    std::shared_ptr<BlockBackend> nb = std::move(NullBackend::Create().value());
    LogicalUnitOptions n;
    n.name = "null0";
    ASSERT_TRUE(luns->Add(0, LogicalUnit::Create(n, nb).value()).ok());
    MemoryBackendOptions mo;
    mo.num_blocks = (4u << 20) / 512;
    std::shared_ptr<BlockBackend> mb = std::move(MemoryBackend::Create(mo).value());
    LogicalUnitOptions m;
    m.name = "mem1";
    m.queue_depth = o.lun1_queue_depth;
    mem_lu_ = LogicalUnit::Create(m, mb).value();
    ASSERT_TRUE(luns->Add(1, mem_lu_).ok());
    config_.luns = luns;
    pool_ = std::move(BufferPool::Create(fabric_, o.pool_buffer_size, o.pool_buffers).value());
    group_.pool = pool_.get();
    group_.executor = &executor_;
    group_.sink = &sink_;
    group_.owner = std::this_thread::get_id();
    auto conn = std::make_unique<FakeConnection>();
    conn_ = conn.get();
    ChannelParams p;
    p.id = 1;
    p.ring_size = o.ring_size;
    p.send_queue_size = o.send_queue_size;
    p.max_it_iu_len = config_.srp_max_message_size;
    p.max_ti_iu_len = o.max_ti_iu_len;
    p.immediate_data = o.immediate;
    p.imm_data_offset = 68;
    session_ = std::make_shared<SrpSession>(NexusKey{}, "test", 1);
    p.session = session_;
    p.luns = luns;
    ch_ = std::move(SrpChannel::Create(fabric_, std::move(conn), config_, p, &group_).value());
    ASSERT_TRUE(ch_->Start().ok());
    ASSERT_EQ(conn_->recvs.size(), o.ring_size);
    conn_->conn_state = fabric::ConnectionState::kEstablished;
    ch_->HandleEvent({fabric::ConnectionEventType::kEstablished, Status::Ok()});
    ASSERT_EQ(ch_->state(), ChannelState::kLive);
    conn_->Clear();
    // A new nexus starts with POWER ON RESET unit attentions: consume them.
    for (uint32_t lun : {0u, 1u}) {
      Deliver(0, Cmd(0xffff, lun, scsi::BuildTestUnitReady(), wire::DataLayout{}));
      CompleteAll();
    }
    conn_->Clear();
    ASSERT_EQ(ch_->active_requests(), 0u);
  }

  // Puts `iu` into receive slot `slot` and completes that receive.
  void Deliver(uint32_t slot, const std::vector<std::byte>& iu) {
    auto buf = ch_->RecvSlot(slot);
    ASSERT_LE(iu.size(), buf.size());
    std::memcpy(buf.data(), iu.data(), iu.size());
    fabric::Completion c;
    c.wr_id = MakeWrId(WrKind::kRecv, slot);
    c.opcode = fabric::WcOpcode::kRecv;
    c.byte_len = static_cast<uint32_t>(iu.size());
    ch_->HandleCompletion(c);
    ch_->FlushDoorbell();
  }

  // The active request carrying `tag`. Request contexts are not tied to receive slots: look
  // them up by tag and keep the reference (it stays valid after the request is done).
  SrpRequest& Req(uint64_t tag) {
    SrpRequest* r = ch_->FindRequest(tag);
    EXPECT_NE(r, nullptr) << "no active request with tag " << tag;
    return r != nullptr ? *r : ch_->request(0);
  }

  // Completes the signalled WR `wr` successfully.
  void Complete(const RecordedWr& wr) {
    ASSERT_TRUE(wr.signaled);
    fabric::Completion c;
    c.wr_id = wr.wr_id;
    c.opcode = wr.opcode == fabric::WrOpcode::kSend       ? fabric::WcOpcode::kSend
               : wr.opcode == fabric::WrOpcode::kRdmaRead ? fabric::WcOpcode::kRdmaRead
                                                          : fabric::WcOpcode::kRdmaWrite;
    ch_->HandleCompletion(c);
    ch_->FlushDoorbell();
  }

  // Completes the last WR of every batch recorded so far, then forgets them.
  void CompleteAll() {
    auto batches = conn_->sends;
    conn_->sends.clear();
    for (auto& b : batches) Complete(b.back());
  }

  static std::vector<std::byte> Cmd(uint64_t tag, uint32_t lun, const scsi::Cdb& cdb,
                                    const wire::DataLayout& layout,
                                    std::span<const std::byte> imm = {}) {
    wire::CmdHeader h;
    h.tag = tag;
    auto packed = scsi::PackLun(lun);
    std::memcpy(h.lun.data(), packed.data(), 8);
    std::memcpy(h.cdb.data(), cdb.bytes.data(), cdb.length);
    return wire::EncodeCmd(h, {}, layout, imm).value();
  }
  static wire::DataLayout Direct(wire::DataDirection dir, uint64_t va, uint32_t len,
                                 uint32_t rkey = 0x1234) {
    wire::DataLayout l;
    l.direction = dir;
    l.format = wire::DataFormat::kDirect;
    l.descriptors = {{va, rkey, len}};
    l.total_length = len;
    return l;
  }
  static std::vector<std::byte> Tmf(uint64_t tag, uint32_t lun, wire::TmfFunction f,
                                    uint64_t task_tag) {
    wire::TaskManagement t;
    t.tag = tag;
    auto packed = scsi::PackLun(lun);
    std::memcpy(t.lun.data(), packed.data(), 8);
    t.function = f;
    t.task_tag = task_tag;
    return wire::EncodeTaskManagement(t);
  }

  // Decodes the SRP_RSP a recorded SEND carries.
  static wire::RspView Rsp(const RecordedWr& wr) {
    EXPECT_EQ(wr.opcode, fabric::WrOpcode::kSend);
    auto r = wire::DecodeRsp(
        std::span<const std::byte>(reinterpret_cast<const std::byte*>(wr.addr), wr.length));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : wire::RspView{};
  }
  static scsi::ParsedSense Sense(const wire::RspView& rsp) {
    auto s = scsi::ParseSense(rsp.sense);
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : scsi::ParsedSense{};
  }

  HarnessOptions opts_;
  FakeFabric fabric_;
  TargetConfig config_;
  InlineExecutor executor_;
  ManualSink sink_;
  std::unique_ptr<BufferPool> pool_;
  GroupResources group_;
  std::shared_ptr<SrpSession> session_;
  std::shared_ptr<LogicalUnit> mem_lu_;
  FakeConnection* conn_ = nullptr;
  std::unique_ptr<SrpChannel> ch_;

  // Completes the drain markers the fake flushed after a disconnect.
  void CompleteDrain() {
    for (uint64_t id : conn_->flushed_recvs) {
      fabric::Completion r;
      r.wr_id = id;
      r.opcode = fabric::WcOpcode::kRecv;
      r.status = fabric::WcStatus::kWorkRequestFlushed;
      ch_->HandleCompletion(r);
    }
    for (const RecordedWr& w : conn_->flushed_sends) {
      fabric::Completion s;
      s.wr_id = w.wr_id;
      s.opcode = fabric::WcOpcode::kSend;
      s.status = fabric::WcStatus::kWorkRequestFlushed;
      ch_->HandleCompletion(s);
    }
  }
};

}  // namespace srp::target::testing
