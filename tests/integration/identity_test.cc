// Stable soft-port identity (issue 15): a target restarted with the same arguments, or the
// same config file, publishes the same port name, GUIDs and GID, so its target lines and
// so every initiator's reconnect stay valid; the identity can be pinned on the command line
// and in the config file.
#include <gtest/gtest.h>

#include <fstream>

#include "lib/common/ids.h"
#include "lib/fabric/soft/subnet_directory.h"
#include "target/app/served_ports.h"
#include "tests/integration/target_process.h"

namespace srp::integration {
namespace {

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override { subnet_ = std::make_unique<SubnetDir>(); }
  std::unique_ptr<SubnetDir> subnet_;
};

TEST(DefaultSoftPortNameTest, FirstFreeOfHostnameSrptSeries) {
  const std::string first = target::DefaultSoftPortName([](const std::string&) { return false; });
  EXPECT_TRUE(first.ends_with("-srpt")) << first;
  const std::string third = target::DefaultSoftPortName(
      [&](const std::string& n) { return n == first || n == first + "-2"; });
  EXPECT_EQ(third, first + "-3");
}

TEST_F(IdentityTest, RestartWithoutPortNameIsTheSameTarget) {
  std::string before;
  {
    TargetProcess t;
    ASSERT_TRUE(t.Start({}).ok());
    before = t.IbTarget();
    // A second target at the same time takes the next name, not the first one's identity.
    TargetProcess other;
    ASSERT_TRUE(other.Start({"--no-dm"}).ok());
    EXPECT_NE(other.IbTarget(), before);
  }
  TargetProcess again;
  ASSERT_TRUE(again.Start({}).ok());
  EXPECT_EQ(again.IbTarget(), before);
}

TEST_F(IdentityTest, CommandLineGuidsPinTheGid) {
  TargetProcess t;
  ASSERT_TRUE(t.Start({"--port-name", "pinned", "--node-guid", "0002c90300a0b1c2", "--port-guid",
                       "0002c90300a0b1c3"})
                  .ok());
  EXPECT_NE(t.IbTarget().find("dgid=fe800000000000000002c90300a0b1c3"), std::string::npos)
      << t.IbTarget();
  // id_ext/ioc_guid default to the node GUID.
  EXPECT_NE(t.IbTarget().find("ioc_guid=0002c90300a0b1c2"), std::string::npos) << t.IbTarget();
  auto rec = fabric::soft::ReadPort(subnet_->path(), "pinned");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->node_guid, 0x0002c90300a0b1c2u);
  EXPECT_EQ(rec->port_guid, 0x0002c90300a0b1c3u);
}

TEST_F(IdentityTest, ConfigFilePinsNameAndGuids) {
  const std::string conf = subnet_->path() + "/id.conf";
  std::ofstream(conf) << "HANDLER vdisk_nullio {\n\tDEVICE n0 {\n\t}\n}\n"
                      << "TARGET_DRIVER ib_srpt {\n\tport_name cfgport\n"
                      << "\tnode_guid 0x0002c90300c0ffe0\n\tport_guid 0002:c903:00c0:ffe1\n"
                      << "\tTARGET t0 {\n\t\tLUN 0 n0\n\t}\n}\n";
  std::string line;
  for (int run = 0; run < 2; ++run) {
    TargetProcess t;
    ASSERT_TRUE(t.Start({"--config", conf}).ok());
    EXPECT_NE(t.IbTarget().find("dgid=fe800000000000000002c90300c0ffe1"), std::string::npos)
        << t.IbTarget();
    EXPECT_TRUE(fabric::soft::ReadPort(subnet_->path(), "cfgport").ok());
    if (run == 0) line = t.IbTarget();
    EXPECT_EQ(t.IbTarget(), line);
  }
  // The command line beats the file.
  TargetProcess t;
  ASSERT_TRUE(t.Start({"--config", conf, "--port-guid", "0002c90300c0ffe9"}).ok());
  EXPECT_NE(t.IbTarget().find("dgid=fe800000000000000002c90300c0ffe9"), std::string::npos)
      << t.IbTarget();

  std::ofstream(conf) << "HANDLER vdisk_nullio {\n\tDEVICE n0 {\n\t}\n}\n"
                      << "TARGET_DRIVER ib_srpt {\n\tnode_guid zz\n"
                      << "\tTARGET t0 {\n\t\tLUN 0 n0\n\t}\n}\n";
  TargetProcess bad;
  Status s = bad.Start({"--config", conf});
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace srp::integration
