// Pure translations between the fabric seam's types and verbs structures:
// access flags, work-request chains, and work completions. No calls into
// rdma-core are made here, so everything is unit-testable as plain data.
#pragma once

#include <infiniband/verbs.h>

#include <cstdint>
#include <span>
#include <vector>

#include "lib/fabric/fabric.h"

namespace srp::fabric::verbs {

// Access (fabric.h) -> IBV_ACCESS_* bits. Verbs requires LOCAL_WRITE whenever
// REMOTE_WRITE is set, so kAccessRemoteWrite yields both.
int ToIbvAccess(uint32_t access);

WcStatus FromIbvWcStatus(ibv_wc_status status);
// Any opcode with the IBV_WC_RECV bit (RECV, RECV_RDMA_WITH_IMM) is kRecv.
// Opcodes the seam never posts (atomics, memory windows, ...) map to kSend.
WcOpcode FromIbvWcOpcode(ibv_wc_opcode opcode);
// NOTE: verbs defines wc.opcode only for successful completions; for errors
// the opcode is whatever the provider left there. Identify WRs by wr_id.
Completion FromIbvWc(const ibv_wc& wc);

ibv_wr_opcode ToIbvWrOpcode(WrOpcode opcode);

// Reusable storage for building one linked chain per Post call. Capacity only
// grows, so steady-state posting does not allocate.
// REQUIRES: used by one thread at a time (a Connection's Post rule).
struct SendChainScratch {
  std::vector<ibv_send_wr> wrs;
  std::vector<ibv_sge> sges;
};
struct RecvChainScratch {
  std::vector<ibv_recv_wr> wrs;
  std::vector<ibv_sge> sges;
};

// Fills `scratch` with one ibv_send_wr per WorkRequest, linked through `next`
// in batch order (the last has next == nullptr), and returns the head, or
// nullptr for an empty batch. send_flags is IBV_SEND_SIGNALED exactly when
// `signaled`; wr.rdma is set for RDMA READ/WRITE only.
// The result points into `scratch`; valid until the next Build call on it.
ibv_send_wr* BuildSendChain(std::span<const WorkRequest> batch, SendChainScratch& scratch);
ibv_recv_wr* BuildRecvChain(std::span<const RecvRequest> batch, RecvChainScratch& scratch);

}  // namespace srp::fabric::verbs
