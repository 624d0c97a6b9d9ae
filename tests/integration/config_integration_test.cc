// `srp-target serve --config FILE`: the LUNs, identities and parameters of an scst.conf-style
// file reach an initiator; a bad file stops the target with file:line before it listens.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/integration_fixture.h"

namespace srp::integration {
namespace {

std::string WriteFile(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

class ConfigTest : public TargetTest {};

TEST_P(ConfigTest, ConfigFileLunsReachTheInitiator) {
  std::string conf = WriteFile(subnet_->path(), "srp-target.conf",
                               "HANDLER vdisk_nullio {\n"
                               "\tDEVICE blank {\n\t\tt10_vend_id ACME\n\t}\n}\n"
                               "HANDLER vdisk_memory {\n"
                               "\tDEVICE scratch {\n\t\tsize 4194304\n\t\tblocksize 4096\n\t}\n}\n"
                               "TARGET_DRIVER ib_srpt {\n"
                               "\tsrp_max_message_size 2116   # the file's value; the CLI wins\n"
                               "\tTARGET tgt0 {\n\t\tLUN 2 blank\n\t\tLUN 9 scratch\n\t}\n}\n");
  StartTarget({"--config", conf});  // also passes --srp-max-message-size 8260

  // The CLI's 8260 overrides the file's 2116 in the advertised line.
  EXPECT_NE(target_.IbTarget().find("max_it_iu_size=8260"), std::string::npos)
      << target_.IbTarget();

  auto luns = RunCommand({SrpIo(), "luns", target_.IbTarget(), "--fabric", "soft", "--json"});
  ASSERT_EQ(luns.exit_code, 0) << luns.err;
  auto j = nlohmann::json::parse(luns.out);
  std::vector<uint64_t> numbers;
  for (const auto& l : j["luns"]) numbers.push_back(l["lun"].get<uint64_t>());
  EXPECT_EQ(numbers, (std::vector<uint64_t>{2, 9}));

  auto inq = RunCommand({SrpIo(), "inquiry", target_.IbTarget(), "--lun", "2", "--json"});
  ASSERT_EQ(inq.exit_code, 0) << inq.err;
  auto ji = nlohmann::json::parse(inq.out);
  EXPECT_EQ(ji["vendor"], "ACME");
  EXPECT_EQ(ji["product"], "blank");

  auto cap = RunCommand({SrpIo(), "readcap", target_.IbTarget(), "--lun", "9", "--json"});
  ASSERT_EQ(cap.exit_code, 0) << cap.err;
  auto jc = nlohmann::json::parse(cap.out);
  EXPECT_EQ(jc["block_size"], 4096);
  EXPECT_EQ(jc["bytes"], 4194304);

  auto verify = RunCommand(
      {SrpIo(), "verify", target_.IbTarget(), "--lun", "9", "--size", "4M", "--pattern", "77"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_P(ConfigTest, BadConfigFileStopsTheTargetWithFileAndLine) {
  std::string conf = WriteFile(subnet_->path(), "bad.conf",
                               "HANDLER vdisk_memory {\n\tDEVICE m {\n\t\tsize 4096\n\t}\n}\n"
                               "TARGET_DRIVER ib_srpt {\n\tTARGET t {\n\t\tLUN 0 nosuch\n\t}\n}\n");
  auto run = RunCommand({BinDir() + "/srp-target", "serve", "--fabric", "soft", "--config", conf},
                        std::chrono::milliseconds(10000));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(conf + ":8:"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("ready"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Threads, ConfigTest, ::testing::Values(0, 1), ThreadName);

}  // namespace
}  // namespace srp::integration
