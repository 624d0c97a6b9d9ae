// The discovery walk over a live soft subnet: DM agents on published soft
// ports (with and without bit 19), a silent port, and a discovering port.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "ibsrpdm_compat/discovery.h"
#include "ibsrpdm_compat/dm_client.h"
#include "ibsrpdm_compat/output.h"
#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/mad/sa_codec.h"
#include "lib/mad/soft/soft_mad_port.h"
#include "lib/srp/target_string.h"
#include "target/dm/dm_agent.h"

namespace srp::discovery {
namespace {

using namespace std::chrono_literals;

struct Node {
  std::unique_ptr<fabric::Fabric> fabric;
  std::unique_ptr<mad::MadPort> port;
  std::unique_ptr<target::DmAgent> agent;
};

class DiscoveryWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/srp-disc-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Add("tgt1", true, true);
    Add("tgt2", true, true);
    Add("tgt3nobit", false, true);
    Add("silent", false, false);
    Add("host", false, false);
  }
  void TearDown() override {
    for (auto& [name, n] : nodes_) {
      if (n.agent) n.agent->Stop();
    }
    nodes_.clear();
    std::filesystem::remove_all(dir_);
  }
  void Add(const std::string& name, bool bit19, bool agent) {
    fabric::soft::SoftFabricOptions o;
    o.subnet_dir = dir_;
    o.port_name = name;
    auto f = fabric::soft::OpenSoftFabric(o);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    Node n;
    n.fabric = std::move(*f);
    if (bit19) {
      ASSERT_TRUE(target::EnableDeviceManagementBit(*n.fabric).ok());
    }
    auto p = mad::OpenSoftMadPort(dir_, name);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    n.port = std::move(*p);
    if (agent) {
      target::DmIdentity id;
      id.ioc_guid = n.fabric->port().node_guid;
      id.id_ext = n.fabric->port().node_guid;
      id.service_id = n.fabric->port().node_guid;
      id.vendor_id = 0x535250;
      id.device_id = 0x1;
      id.send_size = 8260;
      id.rdma_size = 1 << 20;
      id.send_queue_depth = 128;
      n.agent = std::make_unique<target::DmAgent>(*n.port, id);
      ASSERT_TRUE(n.agent->Run(20ms).ok());
    }
    nodes_[name] = std::move(n);
  }
  const fabric::PortAttributes& Attr(const std::string& name) {
    return nodes_.at(name).fabric->port();
  }
  std::string ExpectedLine(const std::string& name) {
    const fabric::PortAttributes& a = Attr(name);
    std::string guid = FormatHex64(a.node_guid);
    return "id_ext=" + guid + ",ioc_guid=" + guid + ",dgid=" + FormatGidHex(a.gid) +
           ",pkey=ffff,service_id=" + guid;
  }

  std::string dir_;
  std::map<std::string, Node> nodes_;
};

TEST_F(DiscoveryWalkTest, FindsExactlyTheBit19Targets) {
  DiscoveryOptions o;
  Discovery d(*nodes_.at("host").port, o);
  auto r = d.Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->errors.empty()) << r->errors[0].status.ToString();
  EXPECT_TRUE(r->unanswered.empty());
  ASSERT_EQ(r->targets.size(), 2u);
  std::map<uint16_t, std::string> by_lid{{Attr("tgt1").lid, "tgt1"}, {Attr("tgt2").lid, "tgt2"}};
  for (const DiscoveredTarget& t : r->targets) {
    ASSERT_TRUE(by_lid.count(t.lid));
    const fabric::PortAttributes& a = Attr(by_lid[t.lid]);
    EXPECT_EQ(t.gid, a.gid);
    EXPECT_EQ(t.pkeys, std::vector<uint16_t>{0xffff});
    ASSERT_EQ(t.controllers.size(), 1u);
    EXPECT_EQ(t.controllers[0].slot, 1);
    EXPECT_EQ(t.controllers[0].profile.guid, a.node_guid);
    EXPECT_EQ(t.controllers[0].profile.id_string, "srp-toolkit SRP target");
    ASSERT_EQ(t.controllers[0].services.size(), 1u);
  }
  // The -c lines, field by field (parsed back) and as text.
  auto lines = FormatAddTargetLines(r->targets, {});
  ASSERT_EQ(lines.size(), 2u);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& name = by_lid[r->targets[i].lid];
    const fabric::PortAttributes& a = Attr(name);
    auto ts = wire::ParseTargetString(lines[i]);
    ASSERT_TRUE(ts.ok()) << ts.status().ToString();
    EXPECT_EQ(ts->id_ext, a.node_guid);
    EXPECT_EQ(ts->ioc_guid, a.node_guid);
    EXPECT_EQ(ts->dgid, a.gid);
    EXPECT_EQ(ts->pkey, 0xffff);
    EXPECT_EQ(ts->service_id, a.node_guid);
    EXPECT_FALSE(ts->io_class.has_value());
    EXPECT_EQ(lines[i], ExpectedLine(name));
  }
}

TEST_F(DiscoveryWalkTest, ProbeAllPortsFindsTheAgentWithoutBit19AndIsBounded) {
  DiscoveryOptions o;
  o.probe_all_ports = true;
  o.probe_timeout = 150ms;
  Discovery d(*nodes_.at("host").port, o);
  auto start = std::chrono::steady_clock::now();
  auto r = d.Run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->errors.empty());
  ASSERT_EQ(r->targets.size(), 3u);
  std::vector<uint16_t> lids;
  for (const auto& t : r->targets) lids.push_back(t.lid);
  std::vector<uint16_t> want{Attr("tgt1").lid, Attr("tgt2").lid, Attr("tgt3nobit").lid};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(lids, want);
  EXPECT_EQ(r->unanswered, std::vector<uint16_t>{Attr("silent").lid});
}

TEST_F(DiscoveryWalkTest, StoppedBit19AgentIsReportedNotSilent) {
  nodes_.at("tgt2").agent->Stop();
  DiscoveryOptions o;
  o.dm_timeout = 100ms;
  o.dm_retries = 1;
  Discovery d(*nodes_.at("host").port, o);
  auto r = d.Run();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->targets.size(), 1u);
  EXPECT_EQ(r->targets[0].lid, Attr("tgt1").lid);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].lid, Attr("tgt2").lid);
  EXPECT_EQ(r->errors[0].gid, Attr("tgt2").gid);
  EXPECT_EQ(r->errors[0].status.code(), StatusCode::kTimedOut);
}

TEST_F(DiscoveryWalkTest, DmClientChunksAndStatus) {
  DmClient c(*nodes_.at("host").port, {500ms, 1});
  mad::MadAddress to{.lid = Attr("tgt1").lid};
  auto cpi = c.GetClassPortInfo(to);
  ASSERT_TRUE(cpi.ok()) << cpi.status().ToString();
  EXPECT_EQ(cpi->resp_time_value, 20);
  auto all = c.GetAllServiceEntries(to, 1, 1);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].name, mad::SrpServiceName(Attr("tgt1").node_guid));
  EXPECT_EQ(c.GetIoControllerProfile(to, 2).status().code(), StatusCode::kRejected);
  EXPECT_EQ(c.GetServiceEntries(to, 1, 0, 4).status().code(), StatusCode::kInvalidArgument);
  DmClient quick(*nodes_.at("host").port, {50ms, 0});
  EXPECT_EQ(quick.GetIoUnitInfo({.lid = Attr("silent").lid}).status().code(),
            StatusCode::kTimedOut);
}

}  // namespace
}  // namespace srp::discovery
