// The login and IU bad-input rules (test-scenarios.md "Bad input") against a real
// `srp-target serve` process: a raw initiator in the test process sends what ib_srp never
// would, checks the exact LOGIN_REJ reason or SRP_RSP, and afterwards the target process is
// still up, serves good I/O (data compared) and shuts down cleanly (exit 0, ASan-clean).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <optional>

#include "lib/fabric/soft/soft_fabric.h"
#include "lib/scsi/sense.h"
#include "lib/srp/target_string.h"
#include "tests/integration/target_process.h"
#include "tests/support/raw_srp_client.h"

namespace srp::integration {
namespace {

using test_support::RawChannel;
using test_support::RawSrpClient;
using wire::LoginRejectReason;

class HostileProcessTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    subnet_ = std::make_unique<SubnetDir>();
    uint16_t port = FreeTcpPort();
    Status started =
        target_.Start({"--thread", std::to_string(GetParam()), "--srp-max-rdma-size", "16384",
                       "--mem-size", "4194304", "--rdma-cm-port", std::to_string(port)});
    ASSERT_TRUE(started.ok()) << started.ToString();
    auto line = wire::ParseTargetString(target_.IbTarget());
    ASSERT_TRUE(line.ok()) << line.status().ToString();
    test_support::RawTargetAddress address;
    address.id_ext = line->id_ext;
    address.ioc_guid = line->ioc_guid;
    address.gid = *line->dgid;
    address.service_id = *line->service_id;
    address.rdma_cm_port = port;
    fabric::soft::SoftFabricOptions o;
    o.port_name = "hostile";
    fabric_ = std::move(fabric::soft::OpenSoftFabric(o).value());
    client_ = std::make_unique<RawSrpClient>(*fabric_, address);
  }
  void TearDown() override {
    client_.reset();
    fabric_.reset();
    target_.Stop();
    subnet_.reset();
  }
  bool TargetAlive() const { return kill(target_.pid(), 0) == 0; }

  std::unique_ptr<SubnetDir> subnet_;
  TargetProcess target_;
  std::unique_ptr<fabric::Fabric> fabric_;
  std::unique_ptr<RawSrpClient> client_;
};

TEST_P(HostileProcessTest, BadLoginsGetTheirRejectReasonAndTheTargetServesOn) {
  RawSrpClient& c = *client_;
  auto pd = wire::EncodeLoginRequest(c.GoodLogin());
  pd.resize(40);  // CM private data shorter than the login layout
  EXPECT_EQ(c.RejectReason(pd), LoginRejectReason::kUnableEstablishChannel);
  for (uint32_t len : {0u, 63u, 8260u}) {  // below 64, and above srp_max_message_size 2116
    auto r = c.GoodLogin();
    r.req_it_iu_len = len;
    EXPECT_EQ(c.RejectReason(wire::EncodeLoginRequest(r)),
              LoginRejectReason::kReqItIuLengthTooLarge)
        << len;
  }
  auto r = c.GoodLogin();
  r.target_port_id = wire::MakeTargetPortId(c.target().id_ext, 0x1234, wire::IoClass::kSrpRev16a);
  EXPECT_EQ(c.RejectReason(wire::EncodeLoginRequest(r)),
            LoginRejectReason::kUnableAssociateChannel);
  r = c.GoodLogin();
  r.req_flags = 3;  // reserved multichannel action
  EXPECT_EQ(c.RejectReason(wire::EncodeLoginRequest(r)),
            LoginRejectReason::kUnableEstablishChannel);
  auto rdma = wire::EncodeLoginRequestRdma(c.GoodLogin());
  rdma.resize(50);  // the 56-byte RDMA CM form, cut short
  EXPECT_EQ(c.RejectReason(rdma, true), LoginRejectReason::kUnableEstablishChannel);
  ASSERT_TRUE(TargetAlive());

  RawChannel ch;
  auto rsp = c.Login(&ch, c.GoodLogin());
  EXPECT_EQ(rsp.max_it_iu_len, 2116u);
  c.ExpectGoodIo(ch, 100);
}

TEST_P(HostileProcessTest, BadIusGetErrorsOrAreIgnoredAndBadRkeysCloseOnlyTheirChannel) {
  RawSrpClient& c = *client_;
  RawChannel ch, victim;
  c.Login(&ch, c.GoodLogin(1));
  // Short IU, unknown opcode, a target-to-initiator opcode: no answer, credits come back later.
  ASSERT_TRUE(ch.Send(std::vector<std::byte>(8, std::byte{0x02})));
  std::vector<std::byte> unknown(16, std::byte{0});
  unknown[0] = std::byte{0x55};
  ASSERT_TRUE(ch.Send(unknown));
  ASSERT_TRUE(ch.Send(wire::EncodeTargetLogout({})));
  EXPECT_FALSE(ch.Receive(std::chrono::milliseconds(200)).has_value());
  std::vector<std::byte> st;
  auto tur =
      ch.Command(c.Cmd(1, 0, scsi::BuildTestUnitReady(), wire::DataDirection::kNone, 0, 0), &st);
  ASSERT_TRUE(tur.has_value());
  EXPECT_EQ(tur->header.status, 0);
  EXPECT_EQ(tur->header.req_lim_delta, 4u);  // its own credit + the three ignored IUs

  auto expect_illegal_request = [&](std::vector<std::byte> iu, uint64_t tag) {
    auto answer = ch.Command(iu, &st);
    ASSERT_TRUE(answer.has_value()) << tag;
    EXPECT_EQ(answer->header.tag, tag);
    EXPECT_EQ(answer->header.status, 0x02);
    auto sense = scsi::ParseSense(answer->sense);
    ASSERT_TRUE(sense.ok());
    EXPECT_EQ(sense->key, scsi::SenseKey::kIllegalRequest);
  };
  auto iu = c.Cmd(2, 1, scsi::BuildWrite10(0, 8), wire::DataDirection::kOut, 0, 4096);
  iu[5] = std::byte{0x40};  // reserved DATA-OUT format 4
  expect_illegal_request(iu, 2);
  expect_illegal_request(c.Cmd(3, 1, scsi::BuildRead10(0, 8), wire::DataDirection::kIn, 0, 0), 3);
  iu = c.Cmd(4, 1, scsi::BuildRead10(0, 8), wire::DataDirection::kIn, 0, 4096);
  iu[31] = std::byte{0x80};  // additional CDB past the IU
  expect_illegal_request(iu, 4);
  iu = c.Cmd(5, 1, scsi::BuildRead10(0, 8), wire::DataDirection::kIn, 0, 4096);
  iu[5] = std::byte{0x11};  // both directions
  expect_illegal_request(iu, 5);

  // An rkey the initiator never registered: that channel dies, the other keeps working.
  c.Login(&victim, c.GoodLogin(2));
  (void)victim.Send(
      c.Cmd(9, 1, scsi::BuildWrite10(0, 8), wire::DataDirection::kOut, 0, 4096, 0xdeadbeef));
  EXPECT_TRUE(victim.WaitDisconnected());
  ASSERT_TRUE(TargetAlive());
  c.ExpectGoodIo(ch, 300);

  // SIGTERM: T_LOGOUT on the live channel, then a clean exit.
  ASSERT_EQ(kill(target_.pid(), SIGTERM), 0);
  auto logout = ch.Receive();
  ASSERT_TRUE(logout.has_value());
  EXPECT_TRUE(wire::DecodeTargetLogout(*logout).ok());
  std::optional<int> status = target_.WaitExit(std::chrono::milliseconds(10000));
  ASSERT_TRUE(status.has_value()) << "the target did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

INSTANTIATE_TEST_SUITE_P(Threads, HostileProcessTest, ::testing::Values(0, 1),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return "thread" + std::to_string(p.param);
                         });

}  // namespace
}  // namespace srp::integration
