// Scenarios 2 and 3 (test-scenarios.md) and the srp-io CLI against a real srp-target.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "initiator_tools/srp_io/io_util.h"
#include "lib/common/ids.h"
#include "lib/srp/constants.h"
#include "tests/integration/integration_fixture.h"

namespace srp::integration {
namespace {

using std::chrono::milliseconds;

std::vector<uint32_t> LunNumbers(initiator::Session& s) {
  auto luns = initiator::ReportLuns(s);
  EXPECT_TRUE(luns.ok()) << luns.status().ToString();
  std::vector<uint32_t> out;
  if (!luns.ok()) return out;
  for (auto& l : *luns) out.push_back(scsi::UnpackLun(l).value_or(0xffffffff));
  return out;
}

std::string WithDest(const std::string& ib_target, const std::string& dest) {
  // id_ext=..,ioc_guid=.. from the IB line, then dest=.
  size_t second = ib_target.find(',', ib_target.find(',') + 1);
  return ib_target.substr(0, second) + ",dest=" + dest;
}

TEST_P(TargetTest, Scenario2LoginIbFormSeesConfiguredLuns) {
  StartTarget();
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  EXPECT_EQ(LunNumbers(*s), (std::vector<uint32_t>{0, 1}));
}

TEST_P(TargetTest, Scenario2LoginRdmaCmIpv4AndIpv6) {
  StartTarget();
  for (const std::string& dest :
       {"127.0.0.1:" + std::to_string(rdma_cm_port_), "[::1]:" + std::to_string(rdma_cm_port_)}) {
    SCOPED_TRACE(dest);
    auto s = Login(WithDest(target_.IbTarget(), dest));
    ASSERT_TRUE(s);
    EXPECT_EQ(LunNumbers(*s), (std::vector<uint32_t>{0, 1}));
  }
}

TEST_P(TargetTest, Scenario3SingleLoginTerminatesOldChannelMultiJoins) {
  StartTarget();
  auto first = Login(target_.IbTarget());
  ASSERT_TRUE(first);
  auto second = Login(target_.IbTarget());
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->login().rsp_flags & wire::kRspFlagMultiChanTerminated)
      << int(second->login().rsp_flags);
  Status gone = first->WaitUntil(
      [&] { return first->state() != initiator::SessionState::kLoggedIn; }, milliseconds(5000));
  EXPECT_TRUE(gone.ok()) << "old channel still connected";
  auto third = Login(target_.IbTarget(),
                     [](initiator::SessionOptions& o) { o.multichannel = wire::kMultiChanMulti; });
  ASSERT_TRUE(third);
  EXPECT_TRUE(third->login().rsp_flags & wire::kRspFlagMultiChanMaintained)
      << int(third->login().rsp_flags);
  EXPECT_EQ(LunNumbers(*second), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(LunNumbers(*third), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(second->state(), initiator::SessionState::kLoggedIn);
}

TEST_P(TargetTest, CliLunsInquiryReadcapJson) {
  StartTarget();
  auto luns = RunCommand({SrpIo(), "luns", target_.IbTarget(), "--fabric", "soft", "--json"});
  ASSERT_EQ(luns.exit_code, 0) << luns.err;
  auto j = nlohmann::json::parse(luns.out);
  ASSERT_EQ(j["luns"].size(), 2u);
  EXPECT_EQ(j["luns"][0]["lun"], 0);
  EXPECT_EQ(j["luns"][1]["lun"], 1);
  EXPECT_EQ(j["luns"][1]["bytes"], 64ull << 20);
  auto inq = RunCommand({SrpIo(), "inquiry", target_.IpTarget(), "--lun", "1", "--json"});
  ASSERT_EQ(inq.exit_code, 0) << inq.err;
  auto ji = nlohmann::json::parse(inq.out);
  EXPECT_EQ(ji["device_type"], 0);
  EXPECT_FALSE(ji["vendor"].get<std::string>().empty());
  auto cap = RunCommand({SrpIo(), "readcap", target_.IbTarget(), "--lun", "1", "--json"});
  ASSERT_EQ(cap.exit_code, 0) << cap.err;
  auto jc = nlohmann::json::parse(cap.out);
  EXPECT_EQ(jc["block_size"].get<uint64_t>() * jc["blocks"].get<uint64_t>(), 64ull << 20);
  auto text = RunCommand({SrpIo(), "luns", target_.IbTarget()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("64 MiB"), std::string::npos) << text.out;
}

TEST_P(TargetTest, CliWriteReadVerify) {
  StartTarget();
  const std::string t = target_.IbTarget();
  auto v = RunCommand({SrpIo(), "verify", t, "--lun", "1", "--size", "8M", "--bs", "64k",
                       "--queue-depth", "16", "--pattern", "9"});
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("verified 8388608 bytes"), std::string::npos) << v.out;
  auto w = RunCommand({SrpIo(), "write", t, "--lun", "1", "--offset", "1M", "--size", "4k",
                       "--pattern", "3", "--json"});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  auto r =
      RunCommand({SrpIo(), "read", t, "--lun", "1", "--offset", "1M", "--size", "4k", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jr = nlohmann::json::parse(r.out);
  std::string hex = jr["data_hex"];
  ASSERT_EQ(hex.size(), 8192u);
  std::vector<std::byte> expect(4096);
  srp_io::FillPattern(3, 1u << 20, expect);
  EXPECT_EQ(hex, FormatHexBytes(expect));
  auto dump = RunCommand({SrpIo(), "read", t, "--lun", "1", "--offset", "1M", "--size", "4k"});
  EXPECT_EQ(dump.exit_code, 0);
  EXPECT_NE(dump.out.find("00100000 "), std::string::npos) << dump.out;  // hex dump offsets
}

TEST_P(TargetTest, CliErrorsHaveDistinctExitCodes) {
  StartTarget();
  auto bad = RunCommand({SrpIo(), "luns", "id_ext=1,bogus=2"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  auto unreachable =
      RunCommand({SrpIo(), "luns", "id_ext=1,ioc_guid=1,dest=127.0.0.1:1", "--timeout", "1000"});
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.err;
  auto wrong_id = target_.IbTarget();
  wrong_id.replace(wrong_id.find("id_ext=") + 7, 4, "dead");
  auto rej = RunCommand({SrpIo(), "luns", wrong_id});
  EXPECT_EQ(rej.exit_code, 4) << rej.err;
  EXPECT_NE(rej.err.find("UNABLE_ASSOCIATE_CHANNEL"), std::string::npos) << rej.err;
  auto beyond = RunCommand(
      {SrpIo(), "read", target_.IbTarget(), "--lun", "1", "--offset", "64M", "--size", "4k"});
  EXPECT_EQ(beyond.exit_code, 2) << beyond.err;
}

INSTANTIATE_TEST_SUITE_P(Threads, TargetTest, ::testing::Values(0, 1), ThreadName);

}  // namespace
}  // namespace srp::integration
