// Pure translations: access flags, work-request chains, work completions.
#include "lib/fabric/verbs/translate.h"

#include <gtest/gtest.h>

#include <array>
#include <utility>

namespace srp::fabric::verbs {
namespace {

TEST(AccessTranslation, EachFlag) {
  EXPECT_EQ(ToIbvAccess(0), 0);
  EXPECT_EQ(ToIbvAccess(kAccessLocalWrite), IBV_ACCESS_LOCAL_WRITE);
  EXPECT_EQ(ToIbvAccess(kAccessRemoteRead), IBV_ACCESS_REMOTE_READ);
  // Verbs requires LOCAL_WRITE whenever REMOTE_WRITE is requested.
  EXPECT_EQ(ToIbvAccess(kAccessRemoteWrite), IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_LOCAL_WRITE);
  EXPECT_EQ(ToIbvAccess(kAccessLocalWrite | kAccessRemoteRead | kAccessRemoteWrite),
            IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE);
}

TEST(CompletionTranslation, EveryStatus) {
  const std::pair<ibv_wc_status, WcStatus> table[] = {
      {IBV_WC_SUCCESS, WcStatus::kSuccess},
      {IBV_WC_LOC_LEN_ERR, WcStatus::kLocalLengthError},
      {IBV_WC_LOC_PROT_ERR, WcStatus::kLocalProtectionError},
      {IBV_WC_REM_ACCESS_ERR, WcStatus::kRemoteAccessError},
      {IBV_WC_REM_OP_ERR, WcStatus::kRemoteOperationError},
      {IBV_WC_RNR_RETRY_EXC_ERR, WcStatus::kReceiverNotReady},
      {IBV_WC_RETRY_EXC_ERR, WcStatus::kTransportRetryExceeded},
      {IBV_WC_WR_FLUSH_ERR, WcStatus::kWorkRequestFlushed},
      {IBV_WC_LOC_QP_OP_ERR, WcStatus::kGeneralError},
      {IBV_WC_LOC_EEC_OP_ERR, WcStatus::kGeneralError},
      {IBV_WC_MW_BIND_ERR, WcStatus::kGeneralError},
      {IBV_WC_BAD_RESP_ERR, WcStatus::kGeneralError},
      {IBV_WC_LOC_ACCESS_ERR, WcStatus::kGeneralError},
      {IBV_WC_REM_INV_REQ_ERR, WcStatus::kGeneralError},
      {IBV_WC_REM_ABORT_ERR, WcStatus::kGeneralError},
      {IBV_WC_INV_EECN_ERR, WcStatus::kGeneralError},
      {IBV_WC_INV_EEC_STATE_ERR, WcStatus::kGeneralError},
      {IBV_WC_FATAL_ERR, WcStatus::kGeneralError},
      {IBV_WC_RESP_TIMEOUT_ERR, WcStatus::kGeneralError},
      {IBV_WC_GENERAL_ERR, WcStatus::kGeneralError},
      {IBV_WC_TM_ERR, WcStatus::kGeneralError},
      {IBV_WC_TM_RNDV_INCOMPLETE, WcStatus::kGeneralError},
  };
  for (const auto& [in, want] : table)
    EXPECT_EQ(FromIbvWcStatus(in), want) << ibv_wc_status_str(in);
}

TEST(CompletionTranslation, EveryOpcode) {
  EXPECT_EQ(FromIbvWcOpcode(IBV_WC_SEND), WcOpcode::kSend);
  EXPECT_EQ(FromIbvWcOpcode(IBV_WC_RDMA_WRITE), WcOpcode::kRdmaWrite);
  EXPECT_EQ(FromIbvWcOpcode(IBV_WC_RDMA_READ), WcOpcode::kRdmaRead);
  EXPECT_EQ(FromIbvWcOpcode(IBV_WC_RECV), WcOpcode::kRecv);
  EXPECT_EQ(FromIbvWcOpcode(IBV_WC_RECV_RDMA_WITH_IMM), WcOpcode::kRecv);
  // Never posted by the seam; reported as kSend rather than invented.
  EXPECT_EQ(FromIbvWcOpcode(IBV_WC_COMP_SWAP), WcOpcode::kSend);
  EXPECT_EQ(FromIbvWcOpcode(IBV_WC_FETCH_ADD), WcOpcode::kSend);
  EXPECT_EQ(FromIbvWcOpcode(IBV_WC_BIND_MW), WcOpcode::kSend);
  EXPECT_EQ(FromIbvWcOpcode(IBV_WC_LOCAL_INV), WcOpcode::kSend);
}

TEST(CompletionTranslation, AllFields) {
  ibv_wc wc{};
  wc.wr_id = 0xdeadbeefcafeull;
  wc.status = IBV_WC_SUCCESS;
  wc.opcode = IBV_WC_RECV;
  wc.byte_len = 4096;
  wc.qp_num = 0x77;
  Completion c = FromIbvWc(wc);
  EXPECT_EQ(c.wr_id, 0xdeadbeefcafeull);
  EXPECT_EQ(c.status, WcStatus::kSuccess);
  EXPECT_EQ(c.opcode, WcOpcode::kRecv);
  EXPECT_EQ(c.byte_len, 4096u);
  EXPECT_EQ(c.qp_num, 0x77u);

  wc.status = IBV_WC_REM_ACCESS_ERR;
  wc.opcode = IBV_WC_RDMA_WRITE;
  EXPECT_EQ(FromIbvWc(wc).status, WcStatus::kRemoteAccessError);
  EXPECT_EQ(FromIbvWc(wc).opcode, WcOpcode::kRdmaWrite);
}

TEST(WrOpcodeTranslation, Each) {
  EXPECT_EQ(ToIbvWrOpcode(WrOpcode::kSend), IBV_WR_SEND);
  EXPECT_EQ(ToIbvWrOpcode(WrOpcode::kRdmaWrite), IBV_WR_RDMA_WRITE);
  EXPECT_EQ(ToIbvWrOpcode(WrOpcode::kRdmaRead), IBV_WR_RDMA_READ);
}

TEST(SendChain, EmptyBatchIsNull) {
  SendChainScratch scratch;
  EXPECT_EQ(BuildSendChain({}, scratch), nullptr);
  RecvChainScratch rscratch;
  EXPECT_EQ(BuildRecvChain({}, rscratch), nullptr);
}

TEST(SendChain, ExactWorkRequests) {
  const std::array<Sge, 1> send_sge = {Sge{0x1000, 64, 11}};
  const std::array<Sge, 2> write_sges = {Sge{0x2000, 512, 12}, Sge{0x3000, 256, 13}};
  const std::array<Sge, 1> read_sge = {Sge{0x4000, 8192, 14}};
  const WorkRequest batch[] = {
      {1, WrOpcode::kRdmaWrite, write_sges, 0xaaaa0000, 0x51, false},
      {2, WrOpcode::kRdmaRead, read_sge, 0xbbbb0000, 0x52, true},
      {3, WrOpcode::kSend, send_sge, 0x9999, 0x99, true},
      {4, WrOpcode::kSend, {}, 0, 0, false},
  };
  SendChainScratch scratch;
  ibv_send_wr* head = BuildSendChain(batch, scratch);
  ASSERT_NE(head, nullptr);

  ibv_send_wr* wr = head;
  EXPECT_EQ(wr->wr_id, 1u);
  EXPECT_EQ(wr->opcode, IBV_WR_RDMA_WRITE);
  EXPECT_EQ(wr->send_flags, 0u);
  EXPECT_EQ(wr->wr.rdma.remote_addr, 0xaaaa0000u);
  EXPECT_EQ(wr->wr.rdma.rkey, 0x51u);
  ASSERT_EQ(wr->num_sge, 2);
  EXPECT_EQ(wr->sg_list[0].addr, 0x2000u);
  EXPECT_EQ(wr->sg_list[0].length, 512u);
  EXPECT_EQ(wr->sg_list[0].lkey, 12u);
  EXPECT_EQ(wr->sg_list[1].addr, 0x3000u);
  EXPECT_EQ(wr->sg_list[1].length, 256u);
  EXPECT_EQ(wr->sg_list[1].lkey, 13u);

  wr = wr->next;
  ASSERT_NE(wr, nullptr);
  EXPECT_EQ(wr->wr_id, 2u);
  EXPECT_EQ(wr->opcode, IBV_WR_RDMA_READ);
  EXPECT_EQ(wr->send_flags, static_cast<unsigned>(IBV_SEND_SIGNALED));
  EXPECT_EQ(wr->wr.rdma.remote_addr, 0xbbbb0000u);
  EXPECT_EQ(wr->wr.rdma.rkey, 0x52u);
  ASSERT_EQ(wr->num_sge, 1);
  EXPECT_EQ(wr->sg_list[0].addr, 0x4000u);
  EXPECT_EQ(wr->sg_list[0].length, 8192u);

  wr = wr->next;
  ASSERT_NE(wr, nullptr);
  EXPECT_EQ(wr->wr_id, 3u);
  EXPECT_EQ(wr->opcode, IBV_WR_SEND);
  EXPECT_EQ(wr->send_flags, static_cast<unsigned>(IBV_SEND_SIGNALED));
  EXPECT_EQ(wr->wr.rdma.remote_addr, 0u);  // not an RDMA WR: the union stays clear
  EXPECT_EQ(wr->wr.rdma.rkey, 0u);
  ASSERT_EQ(wr->num_sge, 1);
  EXPECT_EQ(wr->sg_list[0].lkey, 11u);

  wr = wr->next;
  ASSERT_NE(wr, nullptr);
  EXPECT_EQ(wr->wr_id, 4u);
  EXPECT_EQ(wr->num_sge, 0);
  EXPECT_EQ(wr->sg_list, nullptr);
  EXPECT_EQ(wr->next, nullptr);
}

TEST(SendChain, ScratchIsReusedWithoutGrowing) {
  const std::array<Sge, 2> sges = {Sge{1, 2, 3}, Sge{4, 5, 6}};
  const WorkRequest batch[] = {{1, WrOpcode::kSend, sges, 0, 0, true},
                               {2, WrOpcode::kSend, sges, 0, 0, false}};
  SendChainScratch scratch;
  BuildSendChain(batch, scratch);
  const ibv_send_wr* wrs = scratch.wrs.data();
  const ibv_sge* sgl = scratch.sges.data();
  ibv_send_wr* head = BuildSendChain(std::span(batch).first(1), scratch);
  EXPECT_EQ(head, wrs);
  EXPECT_EQ(scratch.sges.data(), sgl);
  EXPECT_EQ(head->next, nullptr);  // a shorter batch ends the chain early
}

TEST(RecvChain, ExactWorkRequests) {
  const std::array<Sge, 1> a = {Sge{0x10000, 4096, 21}};
  const std::array<Sge, 2> b = {Sge{0x20000, 100, 22}, Sge{0x30000, 200, 23}};
  const RecvRequest batch[] = {{7, a}, {8, b}};
  RecvChainScratch scratch;
  ibv_recv_wr* wr = BuildRecvChain(batch, scratch);
  ASSERT_NE(wr, nullptr);
  EXPECT_EQ(wr->wr_id, 7u);
  ASSERT_EQ(wr->num_sge, 1);
  EXPECT_EQ(wr->sg_list[0].addr, 0x10000u);
  EXPECT_EQ(wr->sg_list[0].length, 4096u);
  EXPECT_EQ(wr->sg_list[0].lkey, 21u);
  wr = wr->next;
  ASSERT_NE(wr, nullptr);
  EXPECT_EQ(wr->wr_id, 8u);
  ASSERT_EQ(wr->num_sge, 2);
  EXPECT_EQ(wr->sg_list[1].addr, 0x30000u);
  EXPECT_EQ(wr->sg_list[1].lkey, 23u);
  EXPECT_EQ(wr->next, nullptr);
}

}  // namespace
}  // namespace srp::fabric::verbs
