// srp-discover's run in-process: port selection rules, -c with the max_it_iu_size rule
// read from a fake sysfs, -n, -k, --json, and the exit codes (0, 1, 2).
#include "ibsrpdm_compat/discover_cli.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ibsrpdm_compat/discovery_port.h"
#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/mad/soft/soft_mad_port.h"
#include "target/dm/dm_agent.h"

namespace srp::discovery {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Node {
  std::unique_ptr<fabric::Fabric> fabric;
  std::unique_ptr<mad::MadPort> port;
  std::unique_ptr<target::DmAgent> agent;
};

class DiscoverCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/srp-discover-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/subnet";
    sys_ = root_ + "/sys";
    fs::create_directories(dir_);
    fs::create_directories(sys_);
    AddTarget("tgt", /*agent=*/true);
    options_.port.soft_port = "me";
    options_.port.subnet_dir = dir_;
    options_.sysfs_root = sys_;
    options_.timeout = 200ms;
    options_.retries = 0;
  }
  void TearDown() override {
    for (auto& [name, n] : nodes_) {
      if (n.agent) n.agent->Stop();
    }
    nodes_.clear();
    fs::remove_all(root_);
  }
  void AddTarget(const std::string& name, bool agent) {
    fabric::soft::SoftFabricOptions o;
    o.subnet_dir = dir_;
    o.port_name = name;
    auto f = fabric::soft::OpenSoftFabric(o);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    Node n;
    n.fabric = std::move(*f);
    ASSERT_TRUE(target::EnableDeviceManagementBit(*n.fabric).ok());
    if (agent) {
      auto p = mad::OpenSoftMadPort(dir_, name);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      n.port = std::move(*p);
      target::DmIdentity id;
      id.ioc_guid = id.id_ext = n.fabric->port().node_guid;
      id.service_id = 0x13f5352;
      id.send_size = 2116;
      id.rdma_size = 1 << 20;
      id.send_queue_depth = 64;
      n.agent = std::make_unique<target::DmAgent>(*n.port, id);
      ASSERT_TRUE(n.agent->Run(20ms).ok());
    }
    nodes_[name] = std::move(n);
  }
  std::string Line(const std::string& name, const std::string& extra = "") {
    const fabric::PortAttributes& a = nodes_.at(name).fabric->port();
    const std::string guid = FormatHex64(a.node_guid);
    return "id_ext=" + guid + ",ioc_guid=" + guid + ",dgid=" + FormatGidHex(a.gid) +
           ",pkey=ffff,service_id=00000000013f5352" + extra;
  }
  void SetModuleParams(const std::string& use, const std::string& max) {
    fs::create_directories(sys_ + "/module/ib_srp/parameters");
    std::ofstream(sys_ + "/module/ib_srp/parameters/use_imm_data") << use << "\n";
    std::ofstream(sys_ + "/module/ib_srp/parameters/max_imm_data") << max << "\n";
  }
  int Run() {
    out_.str("");
    err_.str("");
    return RunDiscover(options_, out_, err_);
  }

  std::string root_, dir_, sys_;
  std::map<std::string, Node> nodes_;
  DiscoverCliOptions options_;
  std::ostringstream out_, err_;
};

TEST_F(DiscoverCliTest, AddTargetLinesFollowTheImmDataRule) {
  options_.format = OutputFormat::kAddTarget;
  // No ib_srp module: its defaults (Y, 8192 > 2116) -> max_it_iu_size appended.
  EXPECT_EQ(Run(), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(), Line("tgt", ",max_it_iu_size=2116") + "\n");
  SetModuleParams("N", "8192");
  EXPECT_EQ(Run(), kExitOk);
  EXPECT_EQ(out_.str(), Line("tgt") + "\n");
  SetModuleParams("Y", "1024");  // max_imm_data not above send_size
  EXPECT_EQ(Run(), kExitOk);
  EXPECT_EQ(out_.str(), Line("tgt") + "\n");
  SetModuleParams("Y", "8192");
  options_.initiator_ext = true;
  EXPECT_EQ(Run(), kExitOk);
  const std::string port_guid = FormatHex64(nodes_.at("tgt").fabric->port().port_guid);
  EXPECT_EQ(out_.str(), Line("tgt", ",initiator_ext=" + port_guid + ",max_it_iu_size=2116") + "\n");
}

TEST_F(DiscoverCliTest, PkeyFilterAndJson) {
  options_.format = OutputFormat::kAddTarget;
  options_.pkey = 0x7fff;  // membership bit ignored: matches ffff
  EXPECT_EQ(Run(), kExitOk);
  EXPECT_EQ(out_.str().rfind(Line("tgt"), 0), 0u) << out_.str();
  options_.pkey = 0x8001;  // not shared
  EXPECT_EQ(Run(), kExitOk);
  EXPECT_EQ(out_.str(), "");
  options_.pkey.reset();
  options_.format = OutputFormat::kJson;
  EXPECT_EQ(Run(), kExitOk);
  auto j = nlohmann::json::parse(out_.str());
  ASSERT_EQ(j["targets"].size(), 1u);
  EXPECT_TRUE(j["errors"].empty());
}

TEST_F(DiscoverCliTest, HumanFormatByDefault) {
  EXPECT_EQ(Run(), kExitOk);
  EXPECT_EQ(out_.str().rfind("IO Unit Info:\n    port LID:        ", 0), 0u) << out_.str();
  EXPECT_NE(out_.str().find("SRP.T10:" + FormatHex64(nodes_.at("tgt").fabric->port().node_guid)),
            std::string::npos);
}

TEST_F(DiscoverCliTest, APortWithoutAnAgentIsReportedWithExit2) {
  AddTarget("dead", /*agent=*/false);
  options_.format = OutputFormat::kAddTarget;
  EXPECT_EQ(Run(), kExitPartial);
  EXPECT_EQ(out_.str(), Line("tgt", ",max_it_iu_size=2116") + "\n");  // the others still print
  EXPECT_NE(err_.str().find("srp-discover: port LID"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("TimedOut"), std::string::npos) << err_.str();
}

TEST_F(DiscoverCliTest, NoPortIsExit1) {
  options_.port.soft_port.clear();
  options_.port.subnet_dir = root_ + "/no-such-subnet";
  EXPECT_EQ(Run(), kExitFailure);
  EXPECT_NE(err_.str().find("no umad device"), std::string::npos) << err_.str();
  options_.port.soft_port = "x";
  options_.port.umad_device = "umad0";
  EXPECT_EQ(Run(), kExitFailure);
  EXPECT_NE(err_.str().find("exclude each other"), std::string::npos) << err_.str();
}

TEST(DiscoveryPortTest, ResolvesUmadDevicesThroughSysfs) {
  char tmpl[] = "/tmp/srp-umad-sys-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string sys = tmpl;
  fs::create_directories(sys + "/class/infiniband_mad/umad1");
  std::ofstream(sys + "/class/infiniband_mad/umad1/ibdev") << "mlx5_0\n";
  std::ofstream(sys + "/class/infiniband_mad/umad1/port") << "2\n";
  fs::create_directories(sys + "/class/infiniband_mad/umad2");
  std::ofstream(sys + "/class/infiniband_mad/umad2/ibdev") << "mlx5_1\n";
  std::ofstream(sys + "/class/infiniband_mad/umad2/port") << "x\n";
  FsRoot root(sys);
  auto a = ResolveUmadDevice(root, "/dev/infiniband/umad1");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->first, "mlx5_0");
  EXPECT_EQ(a->second, 2);
  EXPECT_TRUE(ResolveUmadDevice(root, "umad1").ok());
  EXPECT_EQ(ResolveUmadDevice(root, "umad2").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveUmadDevice(root, "umad3").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ResolveUmadDevice(root, "/dev/sda").status().code(), StatusCode::kInvalidArgument);
  fs::remove_all(sys);
}

}  // namespace
}  // namespace srp::discovery
