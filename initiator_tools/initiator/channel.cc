#include "initiator_tools/initiator/channel.h"

#include "lib/common/log.h"

namespace srp::initiator {
namespace {

constexpr uint64_t kRecvWrId = 1ull << 62;
constexpr uint64_t kSendWrId = 2ull << 62;
// Send slots beyond the command slots: one TMF, one credit/AER reply, spares for replies.
constexpr uint32_t kExtraSlots = 4;

uint32_t Reserve(SlotUse use) {
  switch (use) {
    case SlotUse::kCommand:
      return 3;  // keep TMF + 2 reply slots
    case SlotUse::kTaskManagement:
      return 2;  // keep 2 reply slots
    case SlotUse::kReply:
      return 0;
  }
  return 0;
}

}  // namespace

Result<std::unique_ptr<Channel>> Channel::Open(fabric::Fabric& fabric,
                                               const SessionOptions& options) {
  std::unique_ptr<Channel> ch(new Channel());
  const uint32_t ring = options.queue_size + 2;
  const uint32_t slots = options.queue_size + kExtraSlots;
  SRP_ASSIGN_OR_RETURN(ch->cq_, fabric.CreateCompletionQueue(static_cast<int>(ring + slots + 8)));

  const wire::LoginRequest request = BuildLoginRequest(options, fabric.port().port_guid);
  fabric::ConnectParams params;
  params.destination = options.destination;
  params.qp.send_cq = ch->cq_.get();
  params.qp.recv_cq = ch->cq_.get();
  params.qp.max_send_wr = slots + 4;
  params.qp.max_recv_wr = ring;
  params.qp.max_send_sge = 1;
  params.qp.max_recv_sge = 1;
  params.qp.responder_resources = 4;
  params.qp.initiator_depth = 0;
  params.private_data = EncodeLoginPrivateData(options, request);
  params.timeout = options.login_timeout;
  SRP_LOG(kDebug, "initiator: logging in to {} (req_it_iu_len {}, {} form)",
          options.destination.ToString(), request.req_it_iu_len,
          options.uses_rdma_cm() ? "RDMA CM" : "IB CM");
  auto reply = fabric.Connect(params);
  if (!reply.ok()) {
    return reply.status().WithContext(
        fmt::format("connecting to {}", options.destination.ToString()));
  }
  SRP_ASSIGN_OR_RETURN(ch->login_,
                       InterpretLoginReply(request, reply->rejected, reply->private_data));
  ch->conn_ = std::move(reply->connection);
  if (!ch->conn_) return Internal("connect returned neither a connection nor a reject");
  SRP_RETURN_IF_ERROR(ch->SetUpBuffers(fabric, options));
  SRP_LOG(kDebug, "initiator: logged in, req_lim {} max_it {} max_ti {} imm {} rsp_flags 0x{:02x}",
          ch->login_.req_lim, ch->login_.max_it_iu_len, ch->login_.max_ti_iu_len,
          ch->login_.immediate_data, ch->login_.rsp_flags);
  return ch;
}

Status Channel::SetUpBuffers(fabric::Fabric& fabric, const SessionOptions& options) {
  const uint32_t slots = options.queue_size + kExtraSlots;
  slot_count_ = slots;
  send_size_ = (login_.max_it_iu_len + 63) / 64 * 64;
  table_size_ = 16 * options.sg_tablesize;
  recv_size_ = login_.max_ti_iu_len;
  recv_count_ = options.queue_size + 2;
  send_mem_.resize(size_t{send_size_} * slots);
  table_mem_.resize(size_t{table_size_} * slots);
  recv_mem_.resize(size_t{recv_size_} * recv_count_);
  SRP_ASSIGN_OR_RETURN(send_mr_, fabric.RegisterMemory(send_mem_.data(), send_mem_.size(),
                                                       fabric::kAccessLocalWrite));
  SRP_ASSIGN_OR_RETURN(
      table_mr_, fabric.RegisterMemory(table_mem_.data(), table_mem_.size(),
                                       fabric::kAccessLocalWrite | fabric::kAccessRemoteRead));
  SRP_ASSIGN_OR_RETURN(recv_mr_, fabric.RegisterMemory(recv_mem_.data(), recv_mem_.size(),
                                                       fabric::kAccessLocalWrite));
  for (uint32_t i = slots; i-- > 0;) free_slots_.push_back(i);
  for (uint32_t i = 0; i < recv_count_; ++i) SRP_RETURN_IF_ERROR(RepostRecv(i));
  return Status::Ok();
}

Channel::~Channel() {
  if (conn_ && conn_->state() == fabric::ConnectionState::kEstablished) {
    (void)conn_->Disconnect();
  }
  // The connection goes before the memory its work requests reference.
  conn_.reset();
}

std::optional<uint32_t> Channel::AcquireSendSlot(SlotUse use) {
  if (free_slots_.size() <= Reserve(use)) return std::nullopt;
  uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  return slot;
}

void Channel::ReleaseSendSlot(uint32_t slot) { free_slots_.push_back(slot); }

std::span<std::byte> Channel::SendBuffer(uint32_t slot) {
  return std::span<std::byte>(send_mem_).subspan(size_t{slot} * send_size_, send_size_);
}

std::span<std::byte> Channel::TableBuffer(uint32_t slot) {
  return std::span<std::byte>(table_mem_).subspan(size_t{slot} * table_size_, table_size_);
}

wire::DirectDescriptor Channel::TableLocation(uint32_t slot) {
  return wire::DirectDescriptor{reinterpret_cast<uint64_t>(TableBuffer(slot).data()),
                                table_mr_->rkey(), table_size_};
}

Status Channel::PostSend(uint32_t slot, size_t length) {
  fabric::Sge sge{reinterpret_cast<uint64_t>(SendBuffer(slot).data()),
                  static_cast<uint32_t>(length), send_mr_->lkey()};
  fabric::WorkRequest wr;
  wr.wr_id = kSendWrId | slot;
  wr.opcode = fabric::WrOpcode::kSend;
  wr.sg_list = std::span<const fabric::Sge>(&sge, 1);
  wr.signaled = true;
  return conn_->PostSend(std::span<const fabric::WorkRequest>(&wr, 1));
}

std::span<const std::byte> Channel::RecvBuffer(uint32_t index, uint32_t byte_len) const {
  return std::span<const std::byte>(recv_mem_).subspan(size_t{index} * recv_size_,
                                                       std::min(byte_len, recv_size_));
}

Status Channel::RepostRecv(uint32_t index) {
  fabric::Sge sge{reinterpret_cast<uint64_t>(recv_mem_.data() + size_t{index} * recv_size_),
                  recv_size_, recv_mr_->lkey()};
  fabric::RecvRequest rr{kRecvWrId | index, std::span<const fabric::Sge>(&sge, 1)};
  return conn_->PostRecv(std::span<const fabric::RecvRequest>(&rr, 1));
}

}  // namespace srp::initiator
