// DM agent of a running srp-target process, end to end on the soft subnet: bad MADs get
// the §5.1 status (or are dropped) and the agent keeps serving; capability bit 19 is set
// on every served port, and not with --no-dm.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "lib/common/endian.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/fabric/soft/subnet_directory.h"
#include "lib/mad/dm_codec.h"
#include "lib/mad/soft/soft_mad_port.h"
#include "tests/integration/target_process.h"

namespace srp::integration {
namespace {

using namespace std::chrono_literals;

class DmProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    subnet_ = std::make_unique<SubnetDir>();
    Status st = target_.Start({"--port-name", "dmtgt", "--mem-size", "1048576"});
    ASSERT_TRUE(st.ok()) << st.ToString();
    fabric::soft::SoftFabricOptions o;
    o.port_name = "prober";
    auto f = fabric::soft::OpenSoftFabric(o);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    fabric_ = std::move(f).value();
    auto p = mad::OpenSoftMadPort(subnet_->path(), "prober");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    port_ = std::move(p).value();
    auto rec = fabric::soft::ReadPort(subnet_->path(), "dmtgt");
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    target_record_ = *rec;
  }
  void TearDown() override {
    port_.reset();
    fabric_.reset();
    target_.Stop();
    subnet_.reset();
  }

  mad::Mad DmMad(uint8_t method, uint16_t attr, uint32_t mod, uint8_t class_version = 1) {
    mad::MadHeader h;
    h.mgmt_class = mad::kClassDm;
    h.class_version = class_version;
    h.method = method;
    h.tid = next_tid_++;
    h.attr_id = attr;
    h.attr_mod = mod;
    return mad::Mad(h);
  }
  Result<mad::Mad> Ask(const mad::Mad& m) {
    return port_->Request(mad::MadAddress{.lid = target_record_.lid}, m, 300ms, 0);
  }
  uint16_t StatusOf(uint8_t method, uint16_t attr, uint32_t mod) {
    auto r = Ask(DmMad(method, attr, mod));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->status() : 0xffff;
  }

  std::unique_ptr<SubnetDir> subnet_;
  TargetProcess target_;
  std::unique_ptr<fabric::Fabric> fabric_;
  std::unique_ptr<mad::MadPort> port_;
  fabric::soft::PortRecord target_record_;
  uint64_t next_tid_ = 0x100;
};

TEST_F(DmProcessTest, AdvertisesBit19AndAnswersTheWalk) {
  EXPECT_NE(target_record_.capability_mask & 0x00080000u, 0u);
  auto unit = Ask(DmMad(mad::kMethodGet, mad::kAttrIoUnitInfo, 0));
  ASSERT_TRUE(unit.ok()) << unit.status().ToString();
  EXPECT_EQ(unit->status(), 0);
  EXPECT_EQ(unit->method(), mad::kMethodGetResp);
  auto profile = Ask(DmMad(mad::kMethodGet, mad::kAttrIoControllerProfile, 1));
  ASSERT_TRUE(profile.ok());
  auto p = mad::DecodeIoControllerProfile(profile->dm_data());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->guid, target_record_.node_guid);  // id_ext = ioc_guid = node GUID by default
  EXPECT_EQ(p->send_size, 2116u);
  auto entries = Ask(DmMad(mad::kMethodGet, mad::kAttrServiceEntries, (1u << 16)));
  ASSERT_TRUE(entries.ok());
  auto e = mad::DecodeServiceEntries(entries->dm_data(), 1);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)[0].name, mad::SrpServiceName(target_record_.node_guid));
  EXPECT_EQ((*e)[0].id, 0x00000000013f5352ull);
}

TEST_F(DmProcessTest, BadMadsGetTheirStatusAndTheAgentKeepsServing) {
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrIoControllerProfile, 0), 0x001C);   // slot 0
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrIoControllerProfile, 17), 0x001C);  // > 16
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrIoControllerProfile, 2), 0x0100);   // empty
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrServiceEntries, (1u << 16) | 1), 0x0100);
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrServiceEntries, (1u << 16) | (1u << 8)), 0x0100);
  EXPECT_EQ(StatusOf(mad::kMethodGet, 0x0099, 0), 0x000C);                   // attribute
  EXPECT_EQ(StatusOf(mad::kMethodSet, mad::kAttrClassPortInfo, 0), 0x000C);  // SET
  EXPECT_EQ(StatusOf(0x03, mad::kAttrIoUnitInfo, 0), 0x0008);                // method
  // Another class version is dropped (no answer).
  auto dropped = Ask(DmMad(mad::kMethodGet, mad::kAttrIoUnitInfo, 0, /*class_version=*/2));
  EXPECT_EQ(dropped.status().code(), StatusCode::kTimedOut);
  // A short MAD (100 bytes) straight onto the target's MAD socket: dropped.
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = mad::SoftMadSocketPath(subnet_->path(), "dmtgt");
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  std::vector<std::byte> dgram(20 + 100);
  std::memcpy(dgram.data(), "SMAD", 4);
  StoreU8(dgram.data() + 4, 1);
  StoreBe16(dgram.data() + 6, port_->local_port().lid);
  StoreBe32(dgram.data() + 8, 1);
  StoreBe32(dgram.data() + 12, mad::kGsiQkey);
  StoreBe16(dgram.data() + 16, 0xffff);
  const mad::Mad whole = DmMad(mad::kMethodGet, mad::kAttrIoUnitInfo, 0);
  std::memcpy(dgram.data() + 20, whole.bytes().data(), 100);
  EXPECT_EQ(
      sendto(fd, dgram.data(), dgram.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
      static_cast<ssize_t>(dgram.size()));
  close(fd);
  // Still serving: a good GET is answered and the process is alive.
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrIoUnitInfo, 0), 0);
  EXPECT_FALSE(target_.WaitExit(10ms).has_value());
  CommandResult d = RunCommand(
      {BinDir() + "/srp-discover", "-c", "--sysfs-root", "/nonexistent", "-t", "500", "-r", "1"},
      20s);
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find(target_.IbTarget().substr(0, 40)), std::string::npos) << d.out;
}

TEST(DmProcessOptionsTest, NoDmLeavesBit19Clear) {
  SubnetDir subnet;
  TargetProcess target;
  Status st = target.Start({"--port-name", "nodm", "--no-dm", "--mem-size", "1048576"});
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto rec = fabric::soft::ReadPort(subnet.path(), "nodm");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->capability_mask & 0x00080000u, 0u);
  CommandResult d = RunCommand(
      {BinDir() + "/srp-discover", "-c", "--sysfs-root", "/nonexistent", "-t", "300", "-r", "0"},
      20s);
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(d.out, "");
  target.Stop();
}

}  // namespace
}  // namespace srp::integration
