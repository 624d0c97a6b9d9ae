#include "lib/fabric/verbs/translate.h"

#include <cstring>

namespace srp::fabric::verbs {
namespace {

template <typename Request>
size_t TotalSges(std::span<const Request> batch) {
  size_t total = 0;
  for (const Request& r : batch) total += r.sg_list.size();
  return total;
}

// Copies `sgl` into `out` and returns the first copied element (or nullptr).
ibv_sge* CopySges(std::span<const Sge> sgl, ibv_sge* out) {
  for (size_t i = 0; i < sgl.size(); ++i) {
    out[i].addr = sgl[i].addr;
    out[i].length = sgl[i].length;
    out[i].lkey = sgl[i].lkey;
  }
  return sgl.empty() ? nullptr : out;
}

}  // namespace

int ToIbvAccess(uint32_t access) {
  int flags = 0;
  if (access & kAccessLocalWrite) flags |= IBV_ACCESS_LOCAL_WRITE;
  if (access & kAccessRemoteRead) flags |= IBV_ACCESS_REMOTE_READ;
  if (access & kAccessRemoteWrite) flags |= IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_LOCAL_WRITE;
  return flags;
}

WcStatus FromIbvWcStatus(ibv_wc_status status) {
  switch (status) {
    case IBV_WC_SUCCESS:
      return WcStatus::kSuccess;
    case IBV_WC_LOC_LEN_ERR:
      return WcStatus::kLocalLengthError;
    case IBV_WC_LOC_PROT_ERR:
      return WcStatus::kLocalProtectionError;
    case IBV_WC_REM_ACCESS_ERR:
      return WcStatus::kRemoteAccessError;
    case IBV_WC_REM_OP_ERR:
      return WcStatus::kRemoteOperationError;
    case IBV_WC_RNR_RETRY_EXC_ERR:
      return WcStatus::kReceiverNotReady;
    case IBV_WC_RETRY_EXC_ERR:
      return WcStatus::kTransportRetryExceeded;
    case IBV_WC_WR_FLUSH_ERR:
      return WcStatus::kWorkRequestFlushed;
    default:
      return WcStatus::kGeneralError;
  }
}

WcOpcode FromIbvWcOpcode(ibv_wc_opcode opcode) {
  if (opcode & IBV_WC_RECV) return WcOpcode::kRecv;
  switch (opcode) {
    case IBV_WC_RDMA_WRITE:
      return WcOpcode::kRdmaWrite;
    case IBV_WC_RDMA_READ:
      return WcOpcode::kRdmaRead;
    default:
      return WcOpcode::kSend;
  }
}

Completion FromIbvWc(const ibv_wc& wc) {
  Completion c;
  c.wr_id = wc.wr_id;
  c.status = FromIbvWcStatus(wc.status);
  c.opcode = FromIbvWcOpcode(wc.opcode);
  c.byte_len = wc.byte_len;
  c.qp_num = wc.qp_num;
  return c;
}

ibv_wr_opcode ToIbvWrOpcode(WrOpcode opcode) {
  switch (opcode) {
    case WrOpcode::kSend:
      return IBV_WR_SEND;
    case WrOpcode::kRdmaWrite:
      return IBV_WR_RDMA_WRITE;
    case WrOpcode::kRdmaRead:
      return IBV_WR_RDMA_READ;
  }
  return IBV_WR_SEND;
}

ibv_send_wr* BuildSendChain(std::span<const WorkRequest> batch, SendChainScratch& scratch) {
  if (batch.empty()) return nullptr;
  // Size both arrays before taking pointers into them.
  if (scratch.wrs.size() < batch.size()) scratch.wrs.resize(batch.size());
  size_t total_sges = TotalSges(batch);
  if (scratch.sges.size() < total_sges) scratch.sges.resize(total_sges);

  ibv_sge* sge = scratch.sges.data();
  for (size_t i = 0; i < batch.size(); ++i) {
    const WorkRequest& in = batch[i];
    ibv_send_wr& wr = scratch.wrs[i];
    std::memset(&wr, 0, sizeof(wr));
    wr.wr_id = in.wr_id;
    wr.next = i + 1 < batch.size() ? &scratch.wrs[i + 1] : nullptr;
    wr.sg_list = CopySges(in.sg_list, sge);
    wr.num_sge = static_cast<int>(in.sg_list.size());
    sge += in.sg_list.size();
    wr.opcode = ToIbvWrOpcode(in.opcode);
    wr.send_flags = in.signaled ? IBV_SEND_SIGNALED : 0;
    if (in.opcode != WrOpcode::kSend) {
      wr.wr.rdma.remote_addr = in.remote_addr;
      wr.wr.rdma.rkey = in.rkey;
    }
  }
  return scratch.wrs.data();
}

ibv_recv_wr* BuildRecvChain(std::span<const RecvRequest> batch, RecvChainScratch& scratch) {
  if (batch.empty()) return nullptr;
  if (scratch.wrs.size() < batch.size()) scratch.wrs.resize(batch.size());
  size_t total_sges = TotalSges(batch);
  if (scratch.sges.size() < total_sges) scratch.sges.resize(total_sges);

  ibv_sge* sge = scratch.sges.data();
  for (size_t i = 0; i < batch.size(); ++i) {
    ibv_recv_wr& wr = scratch.wrs[i];
    wr.wr_id = batch[i].wr_id;
    wr.next = i + 1 < batch.size() ? &scratch.wrs[i + 1] : nullptr;
    wr.sg_list = CopySges(batch[i].sg_list, sge);
    wr.num_sge = static_cast<int>(batch[i].sg_list.size());
    sge += batch[i].sg_list.size();
  }
  return scratch.wrs.data();
}

}  // namespace srp::fabric::verbs
