// A hostile initiator against the real engine over the soft fabric, in-process: two soft
// ports in a temporary subnet directory, the target engine on one, a raw client speaking
// hand-built IUs (lib/srp encoders) on the other. Every bad input must end in the exact
// LOGIN_REJ reason / SRP_RSP / channel teardown, and a good command must still work after.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "lib/common/endian.h"
#include "lib/common/log.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"
#include "lib/scsi/sense.h"
#include "lib/srp/descriptors.h"
#include "lib/srp/iu.h"
#include "lib/srp/login.h"
#include "target/app/default_luns.h"
#include "target/engine/srp_target.h"
#include "tests/support/raw_srp_client.h"

namespace srp::target {
namespace {

using namespace std::chrono_literals;
using fabric::Completion;
using test_support::RawChannel;
using wire::LoginRejectReason;

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (getenv("SRP_TEST_TRACE") != nullptr) {
      SetLogLevel(LogLevel::kTrace);
      SetTraceMask(~0u);
    }
    char tmpl[] = "/tmp/srp-engine-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fabric::soft::SoftFabricOptions t;
    t.subnet_dir = dir_;
    t.port_name = "target";
    target_fabric_ = std::move(fabric::soft::OpenSoftFabric(t).value());
    fabric::soft::SoftFabricOptions c;
    c.subnet_dir = dir_;
    c.port_name = "client";
    client_fabric_ = std::move(fabric::soft::OpenSoftFabric(c).value());
    DefaultLunOptions lo;
    lo.memory_bytes = 4u << 20;
    cfg_.luns = MakeDefaultLuns(lo).value();
    cfg_.rdma_cm_port = static_cast<uint16_t>(20000 + getpid() % 20000);
    cfg_.srp_max_rdma_size = 16384;
    auto tgt = SrpTarget::Start(*target_fabric_, cfg_);
    ASSERT_TRUE(tgt.ok()) << tgt.status().ToString();
    target_ = std::move(*tgt);
    client_ = std::make_unique<test_support::RawSrpClient>(*client_fabric_, TargetAddress());
  }
  void TearDown() override {
    client_.reset();
    target_.reset();
    target_fabric_.reset();
    client_fabric_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The raw initiator (tests/support/raw_srp_client.h) against this target.
  test_support::RawTargetAddress TargetAddress() const {
    test_support::RawTargetAddress a;
    a.id_ext = target_->id_ext();
    a.ioc_guid = target_->ioc_guid();
    a.gid = target_fabric_->port().gid;
    a.service_id = target_->config().service_id;
    a.rdma_cm_port = target_->rdma_cm_port();
    return a;
  }
  wire::LoginRequest GoodLogin(uint64_t initiator_ext = 1) const {
    return client_->GoodLogin(initiator_ext);
  }
  fabric::ConnectReply Connect(std::vector<std::byte> pd, RawChannel* ch, bool rdma_cm = false) {
    return client_->Connect(std::move(pd), ch, rdma_cm);
  }
  LoginRejectReason RejectReason(std::vector<std::byte> pd, bool rdma_cm = false) {
    return client_->RejectReason(std::move(pd), rdma_cm);
  }
  wire::LoginResponse Login(RawChannel* ch, const wire::LoginRequest& req) {
    return client_->Login(ch, req);
  }
  std::vector<std::byte> Cmd(uint64_t tag, uint32_t lun, const scsi::Cdb& cdb,
                             wire::DataDirection dir, size_t offset, uint32_t len,
                             uint32_t rkey_override = 0) {
    return client_->Cmd(tag, lun, cdb, dir, offset, len, rkey_override);
  }
  void ClearUnitAttentions(RawChannel& ch) { client_->ClearUnitAttentions(ch); }
  void ExpectGoodIo(RawChannel& ch, uint64_t tag) { client_->ExpectGoodIo(ch, tag); }

  // Replaces the running target by one with `cfg`.
  void Restart(const TargetConfig& cfg) {
    target_.reset();
    auto tgt = SrpTarget::Start(*target_fabric_, cfg);
    ASSERT_TRUE(tgt.ok()) << tgt.status().ToString();
    target_ = std::move(*tgt);
  }

  std::string dir_;
  TargetConfig cfg_;
  std::unique_ptr<fabric::Fabric> target_fabric_, client_fabric_;
  std::unique_ptr<SrpTarget> target_;
  std::unique_ptr<test_support::RawSrpClient> client_;
};

TEST_F(HostileTest, EveryBadLoginGetsItsRejectReasonThenAGoodLoginWorks) {
  auto pd = wire::EncodeLoginRequest(GoodLogin());
  pd.resize(40);
  EXPECT_EQ(RejectReason(pd), LoginRejectReason::kUnableEstablishChannel);
  auto r = GoodLogin();
  r.req_it_iu_len = 63;
  EXPECT_EQ(RejectReason(wire::EncodeLoginRequest(r)), LoginRejectReason::kReqItIuLengthTooLarge);
  r.req_it_iu_len = 0;
  EXPECT_EQ(RejectReason(wire::EncodeLoginRequest(r)), LoginRejectReason::kReqItIuLengthTooLarge);
  r.req_it_iu_len = 8260;
  EXPECT_EQ(RejectReason(wire::EncodeLoginRequest(r)), LoginRejectReason::kReqItIuLengthTooLarge);
  r = GoodLogin();
  r.target_port_id = wire::MakeTargetPortId(target_->id_ext(), 0x1234, wire::IoClass::kSrpRev16a);
  EXPECT_EQ(RejectReason(wire::EncodeLoginRequest(r)), LoginRejectReason::kUnableAssociateChannel);
  r = GoodLogin();
  r.req_flags = 3;
  EXPECT_EQ(RejectReason(wire::EncodeLoginRequest(r)), LoginRejectReason::kUnableEstablishChannel);
  r = GoodLogin();
  r.req_buf_fmt = 0;
  EXPECT_EQ(RejectReason(wire::EncodeLoginRequest(r)),
            LoginRejectReason::kUnsupportedDescriptorFmt);
  // RDMA CM listener: the 56-byte form; short private data cannot establish.
  auto rdma = wire::EncodeLoginRequestRdma(GoodLogin());
  rdma.resize(50);
  EXPECT_EQ(RejectReason(rdma, true), LoginRejectReason::kUnableEstablishChannel);

  RawChannel ch;
  auto rsp = Login(&ch, GoodLogin());
  EXPECT_EQ(rsp.req_lim_delta, 64u);
  EXPECT_EQ(rsp.max_it_iu_len, 2116u);
  EXPECT_EQ(rsp.max_ti_iu_len, test_support::kRawSlot);
  EXPECT_EQ(rsp.buf_fmt, 0x0006);
  ExpectGoodIo(ch, 100);
  EXPECT_EQ(target_->channel_count(), 1u);
  EXPECT_EQ(target_->session_count(), 1u);
}

TEST_F(HostileTest, RdmaCmLoginServesIo) {
  RawChannel ch;
  auto reply = Connect(wire::EncodeLoginRequestRdma(GoodLogin()), &ch, true);
  ASSERT_FALSE(reply.rejected);
  ASSERT_TRUE(wire::DecodeLoginResponse(reply.private_data).ok());
  ClearUnitAttentions(ch);
  ExpectGoodIo(ch, 200);
}

TEST_F(HostileTest, BadIusGetErrorsOrAreIgnoredAndTheChannelKeepsWorking) {
  RawChannel ch;
  Login(&ch, GoodLogin());
  // Short IU, unknown opcode, a target-to-initiator opcode: ignored, credit kept for later.
  ASSERT_TRUE(ch.Send(std::vector<std::byte>(8, std::byte{0x02})));
  std::vector<std::byte> unknown(16, std::byte{0});
  unknown[0] = std::byte{0x55};
  ASSERT_TRUE(ch.Send(unknown));
  ASSERT_TRUE(ch.Send(wire::EncodeTargetLogout({})));
  EXPECT_FALSE(ch.Receive(200ms).has_value());
  std::vector<std::byte> st;
  auto tur =
      ch.Command(Cmd(1, 0, scsi::BuildTestUnitReady(), wire::DataDirection::kNone, 0, 0), &st);
  ASSERT_TRUE(tur.has_value());
  EXPECT_EQ(tur->header.status, 0);
  EXPECT_EQ(tur->header.req_lim_delta, 4u);

  auto check_condition = [&](std::vector<std::byte> iu, uint64_t tag) {
    auto rsp = ch.Command(iu, &st);
    ASSERT_TRUE(rsp.has_value());
    EXPECT_EQ(rsp->header.tag, tag);
    EXPECT_EQ(rsp->header.status, 0x02);
    EXPECT_EQ(rsp->header.req_lim_delta, 1u);
    auto sense = scsi::ParseSense(rsp->sense);
    ASSERT_TRUE(sense.ok());
    EXPECT_EQ(sense->key, scsi::SenseKey::kIllegalRequest);
  };
  // Reserved buffer format 4 in the DATA-OUT nibble.
  auto iu = Cmd(2, 1, scsi::BuildWrite10(0, 8), wire::DataDirection::kOut, 0, 4096);
  iu[5] = std::byte{0x40};
  check_condition(iu, 2);
  // Direct descriptor of length 0, and of more than 2^31.
  check_condition(Cmd(3, 1, scsi::BuildRead10(0, 8), wire::DataDirection::kIn, 0, 0), 3);
  iu = Cmd(4, 1, scsi::BuildRead10(0, 8), wire::DataDirection::kIn, 0, 4096);
  StoreBe32(iu.data() + 48 + 12, 0x90000000u);
  check_condition(iu, 4);
  // add_cdb_len with reserved bits / pointing past the IU.
  iu = Cmd(5, 1, scsi::BuildRead10(0, 8), wire::DataDirection::kIn, 0, 4096);
  iu[31] = std::byte{0x01};
  check_condition(iu, 5);
  iu = Cmd(6, 1, scsi::BuildRead10(0, 8), wire::DataDirection::kIn, 0, 4096);
  iu[31] = std::byte{0x80};
  check_condition(iu, 6);
  // Both directions at once.
  iu = Cmd(7, 1, scsi::BuildRead10(0, 8), wire::DataDirection::kIn, 0, 4096);
  iu[5] = std::byte{0x11};
  check_condition(iu, 7);
  ExpectGoodIo(ch, 300);
}

TEST_F(HostileTest, BadRkeyTearsDownOnlyThatChannel) {
  RawChannel good, bad;
  Login(&good, GoodLogin(1));
  Login(&bad, GoodLogin(2));
  // The remote access error may flush this SEND's own completion: its status does not matter.
  (void)bad.Send(
      Cmd(1, 1, scsi::BuildWrite10(0, 8), wire::DataDirection::kOut, 0, 4096, 0xdeadbeef));
  EXPECT_TRUE(bad.WaitDisconnected());
  for (int i = 0; i < 500 && target_->channel_count() != 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(target_->channel_count(), 1u);
  ExpectGoodIo(good, 400);
}

TEST_F(HostileTest, SingleLoginTerminatesAndMultiJoins) {
  RawChannel a, b, c;
  EXPECT_EQ(Login(&a, GoodLogin()).rsp_flags, wire::kRspFlagNoChan);
  auto multi = GoodLogin();
  multi.req_flags = wire::kMultiChanMulti;
  EXPECT_EQ(Login(&b, multi).rsp_flags, wire::kRspFlagMultiChanMaintained);
  EXPECT_EQ(target_->session_count(), 1u);
  EXPECT_EQ(Login(&c, GoodLogin()).rsp_flags, wire::kRspFlagMultiChanTerminated);
  EXPECT_TRUE(a.WaitDisconnected());
  EXPECT_TRUE(b.WaitDisconnected());
  ExpectGoodIo(c, 500);
}

TEST_F(HostileTest, InitiatorLogoutAndShutdownLogout) {
  RawChannel a, b;
  Login(&a, GoodLogin(1));
  Login(&b, GoodLogin(2));
  // The target may disconnect before the SEND is acknowledged: its status does not matter.
  (void)a.Send(wire::EncodeInitiatorLogout({}));
  EXPECT_TRUE(a.WaitDisconnected());
  ExpectGoodIo(b, 600);
  auto stop = std::async(std::launch::async, [&] { target_->Stop(); });
  auto iu = b.Receive();
  ASSERT_TRUE(iu.has_value());
  EXPECT_TRUE(wire::DecodeTargetLogout(*iu).ok());
  EXPECT_TRUE(b.WaitDisconnected());
  stop.get();
}

TEST_F(HostileTest, WorkerThreadsBusyPollAndTwoPollGroups) {
  TargetConfig cfg = cfg_;
  cfg.thread = 1;
  cfg.worker_threads = 3;
  cfg.poll_groups = 2;
  cfg.poll_mode = PollMode::kBusy;
  Restart(cfg);
  RawChannel a, b;
  Login(&a, GoodLogin(1));
  auto multi = GoodLogin(1);
  multi.req_flags = wire::kMultiChanMulti;
  Login(&b, multi);
  ExpectGoodIo(a, 700);
  ExpectGoodIo(b, 800);
  // The abort of a finished tag and an unsupported function, through the worker path too.
  std::vector<std::byte> st;
  wire::TaskManagement t;
  t.tag = 0x80000000;
  t.function = wire::TmfFunction::kAbortTask;
  t.task_tag = 700;
  auto rsp = a.Command(wire::EncodeTaskManagement(t), &st);
  ASSERT_TRUE(rsp.has_value());
  EXPECT_EQ(wire::TmfResponseCode(*rsp).value(), wire::TmfResponse::kComplete);
  target_->Stop();
  EXPECT_TRUE(a.WaitDisconnected());
  EXPECT_TRUE(b.WaitDisconnected());
}

}  // namespace
}  // namespace srp::target
