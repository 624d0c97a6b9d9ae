#include "tests/initiator/fake_target.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <variant>

#include "lib/common/endian.h"
#include "lib/common/ids.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/srp/descriptors.h"
#include "lib/srp/iu.h"
#include "lib/srp/login.h"

namespace srp::initiator::testing {
namespace {

using namespace std::chrono_literals;

Status WaitWc(fabric::CompletionQueue& cq, uint64_t wr_id) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  fabric::Completion wc;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cq.Poll(std::span<fabric::Completion>(&wc, 1)) == 1) {
      if (wc.wr_id != wr_id) continue;
      if (wc.status != fabric::WcStatus::kSuccess) {
        return Status(StatusCode::kIoError, fabric::WcStatusName(wc.status));
      }
      return Status::Ok();
    }
    std::this_thread::sleep_for(20us);
  }
  return Status(StatusCode::kTimedOut, "fake target: completion timeout");
}

}  // namespace

FakeTarget::FakeTarget(FakeTargetConfig config) : config_(config), hold_(config.hold_commands) {}

FakeTarget::~FakeTarget() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  conn_.reset();
}

Status FakeTarget::Start() {
  fabric::soft::SoftFabricOptions o;
  o.port_name = fmt::format("fake-target-{}", reinterpret_cast<uintptr_t>(this));
  o.ip_addresses = {"127.0.0.1"};
  SRP_ASSIGN_OR_RETURN(fabric_, fabric::soft::OpenSoftFabric(o));
  SRP_ASSIGN_OR_RETURN(listener_,
                       fabric_->Listen(config_.listen_ip ? fabric::Address::Ip("127.0.0.1", 0)
                                                         : fabric::Address::Ib({}, kServiceId)));
  SRP_ASSIGN_OR_RETURN(send_cq_, fabric_->CreateCompletionQueue(256));
  SRP_ASSIGN_OR_RETURN(recv_cq_, fabric_->CreateCompletionQueue(256));
  const uint32_t all =
      fabric::kAccessLocalWrite | fabric::kAccessRemoteRead | fabric::kAccessRemoteWrite;
  recv_mem_.resize(size_t{kRing} * config_.max_it_iu_len);
  send_mem_.resize(4096);
  disk_.resize(config_.disk_bytes);
  scratch_.resize(64 * 1024);
  SRP_ASSIGN_OR_RETURN(recv_mr_, fabric_->RegisterMemory(recv_mem_.data(), recv_mem_.size(), all));
  SRP_ASSIGN_OR_RETURN(send_mr_, fabric_->RegisterMemory(send_mem_.data(), send_mem_.size(), all));
  SRP_ASSIGN_OR_RETURN(disk_mr_, fabric_->RegisterMemory(disk_.data(), disk_.size(), all));
  SRP_ASSIGN_OR_RETURN(scratch_mr_, fabric_->RegisterMemory(scratch_.data(), scratch_.size(), all));
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

std::string FakeTarget::TargetString() const {
  const std::string ids = fmt::format("id_ext={:016x},ioc_guid={:016x}", kIdExt, kIdExt);
  if (config_.listen_ip) return fmt::format("{},dest=127.0.0.1:{}", ids, listener_->address().port);
  return fmt::format("{},dgid={},pkey=ffff,service_id={:016x}", ids,
                     FormatGidHex(fabric_->port().gid), kServiceId);
}

std::vector<std::vector<std::byte>> FakeTarget::ReceivedIus() {
  std::lock_guard<std::mutex> l(mu_);
  return ius_;
}

std::vector<std::byte> FakeTarget::LastLoginPrivateData() {
  std::lock_guard<std::mutex> l(mu_);
  return login_pd_;
}

void FakeTarget::ReleaseHeld() { release_ = true; }

void FakeTarget::Inject(std::vector<std::byte> iu) {
  std::lock_guard<std::mutex> l(mu_);
  inject_.push_back(std::move(iu));
}

std::vector<std::byte> FakeTarget::Disk() {
  std::lock_guard<std::mutex> l(mu_);
  return disk_;
}

void FakeTarget::SetDisk(size_t offset, std::span<const std::byte> data) {
  std::lock_guard<std::mutex> l(mu_);
  std::memcpy(disk_.data() + offset, data.data(), data.size());
}

void FakeTarget::Loop() {
  while (!stop_) {
    auto req = listener_->NextRequest(conn_ ? 0ms : 5ms);
    if (req.ok()) AcceptOne(**req);
    if (!conn_) continue;
    fabric::Completion wc;
    bool idle = true;
    while (recv_cq_->Poll(std::span<fabric::Completion>(&wc, 1)) == 1) {
      idle = false;
      if (wc.status != fabric::WcStatus::kSuccess) continue;
      const size_t off = wc.wr_id * config_.max_it_iu_len;
      std::vector<std::byte> iu(recv_mem_.begin() + off, recv_mem_.begin() + off + wc.byte_len);
      {
        std::lock_guard<std::mutex> l(mu_);
        ius_.push_back(iu);
      }
      HandleIu(iu);
      fabric::Sge sge{reinterpret_cast<uint64_t>(recv_mem_.data() + off), config_.max_it_iu_len,
                      recv_mr_->lkey()};
      fabric::RecvRequest rr{wc.wr_id, std::span<const fabric::Sge>(&sge, 1)};
      (void)conn_->PostRecv(std::span<const fabric::RecvRequest>(&rr, 1));
    }
    std::deque<std::vector<std::byte>> inject;
    {
      std::lock_guard<std::mutex> l(mu_);
      inject.swap(inject_);
    }
    for (auto& iu : inject) (void)Send(iu);
    if (release_.exchange(false)) {
      auto held = std::move(held_);
      held_.clear();
      const bool was = hold_.exchange(false);
      for (auto& iu : held) HandleCmd(iu);
      hold_ = was;
    }
    if (idle) std::this_thread::sleep_for(50us);
  }
}

void FakeTarget::AcceptOne(fabric::ConnectRequest& req) {
  {
    std::lock_guard<std::mutex> l(mu_);
    login_pd_.assign(req.private_data().begin(), req.private_data().end());
  }
  ++logins_;
  if (config_.reject) {
    wire::LoginReject rej{*config_.reject, 0, wire::kBufFmtDirect | wire::kBufFmtIndirect};
    (void)listener_->Reject(req, wire::EncodeLoginReject(rej));
    return;
  }
  conn_.reset();
  held_.clear();
  fabric::QpOptions qp;
  qp.send_cq = send_cq_.get();
  qp.recv_cq = recv_cq_.get();
  qp.max_recv_wr = kRing;
  qp.max_send_wr = 256;
  auto conn = listener_->CreateConnection(req, qp);
  if (!conn.ok()) return;
  conn_ = std::move(*conn);
  for (uint32_t i = 0; i < kRing; ++i) {
    fabric::Sge sge{
        reinterpret_cast<uint64_t>(recv_mem_.data() + size_t{i} * config_.max_it_iu_len),
        config_.max_it_iu_len, recv_mr_->lkey()};
    fabric::RecvRequest rr{i, std::span<const fabric::Sge>(&sge, 1)};
    (void)conn_->PostRecv(std::span<const fabric::RecvRequest>(&rr, 1));
  }
  wire::LoginResponse rsp;
  rsp.req_lim_delta = config_.req_lim;
  rsp.max_it_iu_len = config_.max_it_iu_len;
  rsp.max_ti_iu_len = config_.max_ti_iu_len;
  rsp.buf_fmt = wire::kBufFmtDirect | wire::kBufFmtIndirect;
  rsp.rsp_flags = config_.rsp_flags;
  (void)listener_->Accept(req, *conn_, wire::EncodeLoginResponse(rsp));
}

Status FakeTarget::Send(std::span<const std::byte> iu) {
  std::memcpy(send_mem_.data(), iu.data(), iu.size());
  fabric::Sge sge{reinterpret_cast<uint64_t>(send_mem_.data()), static_cast<uint32_t>(iu.size()),
                  send_mr_->lkey()};
  SRP_RETURN_IF_ERROR(conn_->PostSendMessage(7, std::span<const fabric::Sge>(&sge, 1), true));
  return WaitWc(*send_cq_, 7);
}

Status FakeTarget::Rdma(bool write_to_initiator, size_t disk_off, uint64_t va, uint32_t rkey,
                        uint32_t len) {
  if (disk_off + len > disk_.size()) return InvalidArgument("beyond disk");
  fabric::Sge sge{reinterpret_cast<uint64_t>(disk_.data() + disk_off), len, disk_mr_->lkey()};
  std::span<const fabric::Sge> s(&sge, 1);
  SRP_RETURN_IF_ERROR(write_to_initiator ? conn_->PostRdmaWrite(8, s, va, rkey, true)
                                         : conn_->PostRdmaRead(8, s, va, rkey, true));
  return WaitWc(*send_cq_, 8);
}

void FakeTarget::Respond(uint64_t tag, uint8_t status) {
  wire::RspHeader h;
  h.tag = tag;
  h.req_lim_delta = config_.rsp_delta;
  h.status = status;
  auto rsp = wire::EncodeRsp(h, {}, {}, config_.max_ti_iu_len);
  if (rsp.ok()) (void)Send(*rsp);
}

void FakeTarget::HandleIu(std::span<const std::byte> iu) {
  auto decoded = wire::DecodeTargetBoundIu(iu);
  if (!decoded.ok()) return;
  if (auto* tm = std::get_if<wire::TaskManagement>(&*decoded)) {
    wire::RspHeader h;
    h.tag = tm->tag;
    h.req_lim_delta = config_.rsp_delta;
    std::array<std::byte, 4> data{};
    data[3] = static_cast<std::byte>(config_.tmf_code);
    auto rsp = wire::EncodeRsp(h, data, {}, config_.max_ti_iu_len);
    if (rsp.ok()) (void)Send(*rsp);
    return;
  }
  if (std::holds_alternative<wire::CmdHeader>(*decoded)) {
    if (hold_) {
      held_.emplace_back(iu.begin(), iu.end());
      return;
    }
    HandleCmd(iu);
  }
}

void FakeTarget::HandleCmd(std::span<const std::byte> iu) {
  auto hdr = wire::DecodeCmdHeader(iu);
  if (!hdr.ok()) return;
  wire::DescriptorLimits limits;
  limits.max_iu_len = config_.max_it_iu_len;
  limits.immediate_data = (config_.rsp_flags & wire::kRspFlagImmedSupported) != 0;
  limits.imm_data_offset = 68;
  limits.external_tables = true;
  auto layout = wire::ParseDataLayout(*hdr, iu, limits);
  if (!layout.ok()) return Respond(hdr->tag, 0x02);
  if (layout->needs_external_table) {
    const auto& t = layout->table_desc;
    fabric::Sge sge{reinterpret_cast<uint64_t>(scratch_.data()), t.len, scratch_mr_->lkey()};
    if (!conn_->PostRdmaRead(9, std::span<const fabric::Sge>(&sge, 1), t.va, t.rkey, true).ok() ||
        !WaitWc(*send_cq_, 9).ok()) {
      return Respond(hdr->tag, 0x02);
    }
    auto full = wire::ParseExternalTable(*layout, std::span(scratch_).first(t.len));
    if (!full.ok()) return Respond(hdr->tag, 0x02);
    layout = std::move(full);
  }
  const uint8_t op = hdr->cdb[0];
  const std::byte* cdb = reinterpret_cast<const std::byte*>(hdr->cdb.data());
  uint64_t lba = 0;
  if (op == 0x28 || op == 0x2A) lba = LoadBe32(cdb + 2);
  if (op == 0x88 || op == 0x8A) lba = LoadBe64(cdb + 2);
  const bool rw = op == 0x28 || op == 0x2A || op == 0x88 || op == 0x8A;
  if (rw && layout->direction != wire::DataDirection::kNone) {
    std::lock_guard<std::mutex> l(mu_);
    size_t off = lba * 512;
    if (layout->format == wire::DataFormat::kImmediate) {
      auto data = layout->ImmediateData(iu);
      if (off + data.size() > disk_.size()) return Respond(hdr->tag, 0x02);
      std::memcpy(disk_.data() + off, data.data(), data.size());
    } else {
      const bool to_init = layout->direction == wire::DataDirection::kIn;
      for (const auto& d : layout->descriptors) {
        if (!Rdma(to_init, off, d.va, d.rkey, d.len).ok()) return Respond(hdr->tag, 0x02);
        off += d.len;
      }
    }
  }
  Respond(hdr->tag, 0x00);
}

}  // namespace srp::initiator::testing
