// Completion queues (poll, arm, ack) and memory registration.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cerrno>

#include "tests/fabric/verbs/mock_verbs_api.h"

namespace srp::fabric::verbs::testing {
namespace {

using ::testing::_;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;

TEST_F(VerbsTest, CreateCqWithChannelNonBlocking) {
  auto fabric = OpenFabric();
  EXPECT_CALL(*api_, CreateCompChannel(&context_)).Times(1);
  EXPECT_CALL(*api_, CreateCq(&context_, 256, _, &comp_channel_, 0)).Times(1);
  auto cq = MakeCq(*fabric, 256);
  ASSERT_NE(cq, nullptr);
  EXPECT_EQ(cq->depth(), 256);
  EXPECT_EQ(cq->event_fd(), comp_channel_.fd);
  EXPECT_TRUE(fcntl(cq->event_fd(), F_GETFL) & O_NONBLOCK);

  InSequence order;
  EXPECT_CALL(*api_, DestroyCq(&cq_)).Times(1);
  EXPECT_CALL(*api_, DestroyCompChannel(&comp_channel_)).Times(1);
  cq.reset();
}

TEST_F(VerbsTest, CreateCqErrors) {
  auto fabric = OpenFabric();
  EXPECT_EQ(fabric->CreateCompletionQueue(0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_CALL(*api_, CreateCq(_, _, _, _, _)).WillOnce(Invoke([](auto...) -> ibv_cq* {
    errno = EINVAL;
    return nullptr;
  }));
  EXPECT_CALL(*api_, DestroyCompChannel(&comp_channel_)).Times(1);
  auto cq = fabric->CreateCompletionQueue(1 << 30);
  EXPECT_EQ(cq.status().sys_errno(), EINVAL);
  EXPECT_NE(cq.status().message().find("ibv_create_cq"), std::string::npos);
}

TEST_F(VerbsTest, PollTranslatesInChunks) {
  auto fabric = OpenFabric();
  auto cq = MakeCq(*fabric);
  auto fill = [](int first_id, int n, ibv_wc* wc) {
    for (int i = 0; i < n; ++i) {
      wc[i] = ibv_wc{};
      wc[i].wr_id = static_cast<uint64_t>(first_id + i);
      wc[i].status = i % 2 ? IBV_WC_WR_FLUSH_ERR : IBV_WC_SUCCESS;
      wc[i].opcode = IBV_WC_RECV;
      wc[i].byte_len = 36;
      wc[i].qp_num = kQpNum;
    }
    return n;
  };
  {
    InSequence order;
    EXPECT_CALL(*api_, PollCq(&cq_, 32, _)).WillOnce(Invoke([&](ibv_cq*, int, ibv_wc* wc) {
      return fill(0, 32, wc);
    }));
    EXPECT_CALL(*api_, PollCq(&cq_, 8, _)).WillOnce(Invoke([&](ibv_cq*, int, ibv_wc* wc) {
      return fill(32, 5, wc);  // fewer than asked: the CQ is empty, stop
    }));
  }
  std::array<Completion, 40> out;
  ASSERT_EQ(cq->Poll(out), 37u);
  for (size_t i = 0; i < 37; ++i) {
    EXPECT_EQ(out[i].wr_id, i);
    EXPECT_EQ(out[i].status, i % 2 ? WcStatus::kWorkRequestFlushed : WcStatus::kSuccess);
    EXPECT_EQ(out[i].opcode, WcOpcode::kRecv);
    EXPECT_EQ(out[i].byte_len, 36u);
    EXPECT_EQ(out[i].qp_num, kQpNum);
  }
}

TEST_F(VerbsTest, PollErrorAndEmptySpan) {
  auto fabric = OpenFabric();
  auto cq = MakeCq(*fabric);
  EXPECT_CALL(*api_, PollCq(_, _, _)).WillOnce(Return(-EIO));
  std::array<Completion, 4> out;
  EXPECT_EQ(cq->Poll(out), 0u);
  EXPECT_EQ(cq->Poll(std::span<Completion>()), 0u);  // no call at all
}

TEST_F(VerbsTest, ArmNotifyAndAck) {
  auto fabric = OpenFabric();
  auto cq = MakeCq(*fabric);
  EXPECT_CALL(*api_, ReqNotifyCq(&cq_, 0)).WillOnce(Return(0)).WillOnce(Return(EIO));
  EXPECT_TRUE(cq->ArmNotify().ok());
  Status failed = cq->ArmNotify();
  EXPECT_EQ(failed.sys_errno(), EIO);
  EXPECT_NE(failed.message().find("ibv_req_notify_cq"), std::string::npos);

  EXPECT_CALL(*api_, GetCqEvent(&comp_channel_, _, _))
      .WillOnce(Return(0))
      .WillOnce(Return(0))
      .WillOnce(Return(EAGAIN));
  EXPECT_CALL(*api_, AckCqEvents(&cq_, 2u)).Times(1);
  cq->AckEvent();

  EXPECT_CALL(*api_, GetCqEvent(_, _, _)).WillOnce(Return(EAGAIN));
  EXPECT_CALL(*api_, AckCqEvents(_, _)).Times(0);
  cq->AckEvent();
  ::testing::Mock::VerifyAndClearExpectations(api_.get());
}

TEST_F(VerbsTest, RegisterMemoryTranslatesAccessAndDeregisters) {
  auto fabric = OpenFabric();
  std::array<char, 4096> buffer{};
  ibv_mr mr{};
  mr.lkey = 0x1111;
  mr.rkey = 0x2222;
  EXPECT_CALL(*api_,
              RegMr(&pd_, buffer.data(), buffer.size(),
                    IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ))
      .WillOnce(Return(&mr));
  auto region =
      fabric->RegisterMemory(buffer.data(), buffer.size(), kAccessRemoteWrite | kAccessRemoteRead);
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ((*region)->addr(), buffer.data());
  EXPECT_EQ((*region)->length(), buffer.size());
  EXPECT_EQ((*region)->lkey(), 0x1111u);
  EXPECT_EQ((*region)->rkey(), 0x2222u);
  EXPECT_EQ((*region)->access(), kAccessRemoteWrite | kAccessRemoteRead);
  EXPECT_CALL(*api_, DeregMr(&mr)).Times(1);
  region->reset();
}

TEST_F(VerbsTest, RegisterMemoryError) {
  auto fabric = OpenFabric();
  EXPECT_CALL(*api_, RegMr(_, _, _, IBV_ACCESS_LOCAL_WRITE))
      .WillOnce(Invoke([](ibv_pd*, void*, size_t, int) -> ibv_mr* {
        errno = EFAULT;
        return nullptr;
      }));
  char byte = 0;
  auto region = fabric->RegisterMemory(&byte, 1, kAccessLocalWrite);
  EXPECT_EQ(region.status().sys_errno(), EFAULT);
  EXPECT_NE(region.status().message().find("ibv_reg_mr"), std::string::npos);
}

}  // namespace
}  // namespace srp::fabric::verbs::testing
