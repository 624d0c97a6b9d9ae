// The DM agent: every answer's bytes (offsets from srp-reference.md §5.2),
// every DM status, dropped MADs, and the agent thread over two soft MAD ports.
#include "target/dm/dm_agent.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <thread>
#include <vector>

#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/mad/sa_codec.h"
#include "lib/mad/soft/soft_mad_port.h"

namespace srp::target {
namespace {

using namespace std::chrono_literals;
using mad::Mad;

constexpr uint64_t kTid = 0x0102030405060708ull;

DmIdentity TestIdentity() {
  DmIdentity id;
  id.ioc_guid = 0x0002c903000f1366ull;
  id.id_ext = 0x0002c903000f1366ull;
  id.service_id = 0x0002c903000f1366ull;
  id.vendor_id = 0x0002c9;
  id.device_id = 0x1003;
  id.device_version = 0xa0;
  id.send_size = 8260;
  id.rdma_size = 0x100000;
  id.send_queue_depth = 128;
  return id;
}

void Put(std::vector<std::byte>& v, size_t off, std::initializer_list<int> bytes) {
  for (int b : bytes) v.at(off++) = static_cast<std::byte>(b);
}
void PutString(std::vector<std::byte>& v, size_t off, const std::string& s) {
  for (char c : s) v.at(off++) = static_cast<std::byte>(c);
}

// The expected 256-byte response image: header of a GetResp with `status`.
std::vector<std::byte> ResponseImage(uint16_t attr_id, uint32_t attr_mod, uint16_t status) {
  std::vector<std::byte> v(mad::kMadSize);
  Put(v, 0, {1, 0x06, 1, 0x81, status >> 8, status & 0xff, 0, 0});
  Put(v, 8, {1, 2, 3, 4, 5, 6, 7, 8});
  Put(v, 16, {attr_id >> 8, attr_id & 0xff, 0, 0});
  Put(v, 20,
      {static_cast<int>(attr_mod >> 24), static_cast<int>((attr_mod >> 16) & 0xff),
       static_cast<int>((attr_mod >> 8) & 0xff), static_cast<int>(attr_mod & 0xff)});
  return v;
}

std::vector<std::byte> Bytes(const Mad& m) {
  return std::vector<std::byte>(m.bytes().begin(), m.bytes().end());
}

class DmAgentHandleTest : public ::testing::Test {
 protected:
  // A port is needed only for Run(); HandleMad never touches it.
  class NullPort : public mad::MadPort {
   public:
    fabric::soft::PortRecord local_port() const override { return {}; }
    uint16_t sm_lid() const override { return 0; }
    Status Send(const mad::MadAddress&, std::span<const std::byte, mad::kMadSize>) override {
      return Status::Ok();
    }

   protected:
    Result<mad::ReceivedMad> DoReceive(std::chrono::milliseconds timeout) override {
      std::this_thread::sleep_for(timeout);
      return Status(StatusCode::kTimedOut, "none");
    }
  };
  std::optional<Mad> Ask(uint8_t method, uint16_t attr, uint32_t mod) {
    return agent_.HandleMad(mad::MakeDmRequest(method, attr, mod, kTid));
  }
  uint16_t StatusOf(uint8_t method, uint16_t attr, uint32_t mod) {
    auto r = Ask(method, attr, mod);
    EXPECT_TRUE(r.has_value());
    if (!r) return 0xffff;
    EXPECT_EQ(Bytes(*r), ResponseImage(attr, mod, r->status()));  // data zeroed
    return r->status();
  }
  NullPort port_;
  DmAgent agent_{port_, TestIdentity()};
};

TEST_F(DmAgentHandleTest, ClassPortInfoGolden) {
  auto r = Ask(mad::kMethodGet, mad::kAttrClassPortInfo, 0);
  ASSERT_TRUE(r);
  auto want = ResponseImage(mad::kAttrClassPortInfo, 0, 0);
  Put(want, 64, {1, 1, 0, 0, 0, 0, 0, 20});  // base, class, cap 0, cap2 0 | resp_time 20
  EXPECT_EQ(Bytes(*r), want);
}

TEST_F(DmAgentHandleTest, IoUnitInfoGolden) {
  auto r = Ask(mad::kMethodGet, mad::kAttrIoUnitInfo, 0);
  ASSERT_TRUE(r);
  auto want = ResponseImage(mad::kAttrIoUnitInfo, 0, 0);
  Put(want, 64, {0x00, 0x01, 0x10, 0x00, 0x10});  // change 1, max 16, slot 1 high nibble
  EXPECT_EQ(Bytes(*r), want);
}

TEST_F(DmAgentHandleTest, IoControllerProfileGolden) {
  auto r = Ask(mad::kMethodGet, mad::kAttrIoControllerProfile, 1);
  ASSERT_TRUE(r);
  auto want = ResponseImage(mad::kAttrIoControllerProfile, 1, 0);
  const size_t d = 64;
  Put(want, d + 0, {0x00, 0x02, 0xc9, 0x03, 0x00, 0x0f, 0x13, 0x66});   // GUID
  Put(want, d + 8, {0x00, 0x00, 0x02, 0xc9});                           // vendor, unshifted
  Put(want, d + 12, {0x00, 0x00, 0x10, 0x03});                          // device ID
  Put(want, d + 16, {0x00, 0xa0});                                      // device version
  Put(want, d + 20, {0x00, 0x00, 0x02, 0xc9});                          // subsystem vendor
  Put(want, d + 28, {0x01, 0x00, 0x60, 0x9e, 0x01, 0x08, 0x00, 0x01});  // class..protocol ver
  Put(want, d + 40, {0x00, 0x80});                                      // send queue depth
  Put(want, d + 43, {0x04});                                            // RDMA read depth
  Put(want, d + 44, {0x00, 0x00, 0x20, 0x44});                          // send size 8260
  Put(want, d + 48, {0x00, 0x10, 0x00, 0x00});                          // RDMA size 1 MiB
  Put(want, d + 52, {0x2b, 0x00, 0x01});                                // op caps, -, entries
  PutString(want, d + 64, "srp-toolkit SRP target");
  EXPECT_EQ(Bytes(*r), want);
}

TEST_F(DmAgentHandleTest, ServiceEntriesGolden) {
  const uint32_t mod = 1u << 16;  // slot 1, entries 0..0
  auto r = Ask(mad::kMethodGet, mad::kAttrServiceEntries, mod);
  ASSERT_TRUE(r);
  auto want = ResponseImage(mad::kAttrServiceEntries, mod, 0);
  PutString(want, 64, "SRP.T10:0002c903000f1366");
  Put(want, 64 + 40, {0x00, 0x02, 0xc9, 0x03, 0x00, 0x0f, 0x13, 0x66});
  EXPECT_EQ(Bytes(*r), want);
}

TEST_F(DmAgentHandleTest, StatusCodes) {
  // Methods: anything but GET/SET -> 0x0008; SET -> 0x000C.
  EXPECT_EQ(StatusOf(0x03, mad::kAttrIoUnitInfo, 0), 0x0008);  // Send
  EXPECT_EQ(StatusOf(0x12, mad::kAttrIoUnitInfo, 0), 0x0008);  // GetTable
  EXPECT_EQ(StatusOf(mad::kMethodSet, mad::kAttrIoUnitInfo, 0), 0x000C);
  EXPECT_EQ(StatusOf(mad::kMethodSet, mad::kAttrClassPortInfo, 0), 0x000C);
  // Unknown attributes.
  EXPECT_EQ(StatusOf(mad::kMethodGet, 0x0013, 0), 0x000C);
  EXPECT_EQ(StatusOf(mad::kMethodGet, 0x0002, 0), 0x000C);
  // Profile slots.
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrIoControllerProfile, 0), 0x001C);
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrIoControllerProfile, 17), 0x001C);
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrIoControllerProfile, 0x10001), 0x001C);
  for (uint32_t slot = 2; slot <= 16; ++slot) {
    EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrIoControllerProfile, slot), 0x0100) << slot;
  }
  // ServiceEntries: slot checks, then the range.
  auto se = [](uint32_t slot, uint32_t last, uint32_t first) {
    return (slot << 16) | (last << 8) | first;
  };
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrServiceEntries, se(0, 0, 0)), 0x001C);
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrServiceEntries, se(17, 0, 0)), 0x001C);
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrServiceEntries, se(2, 0, 0)), 0x0100);
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrServiceEntries, se(16, 0, 0)), 0x0100);
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrServiceEntries, se(1, 0, 1)), 0x0100);  // lo>hi
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrServiceEntries, se(1, 1, 0)), 0x0100);  // hi>0
  EXPECT_EQ(StatusOf(mad::kMethodGet, mad::kAttrServiceEntries, se(1, 3, 0)), 0x0100);
  EXPECT_EQ(Ask(mad::kMethodGet, mad::kAttrServiceEntries, se(1, 0, 0))->status(), 0);
}

TEST_F(DmAgentHandleTest, WrongClassVersionAndResponsesAreDropped) {
  Mad m = mad::MakeDmRequest(mad::kMethodGet, mad::kAttrIoUnitInfo, 0, kTid);
  mad::MadHeader h = m.header();
  h.mgmt_class = mad::kClassSa;
  m.set_header(h);
  EXPECT_FALSE(agent_.HandleMad(m).has_value());
  h = mad::MakeDmRequest(mad::kMethodGet, mad::kAttrIoUnitInfo, 0, kTid).header();
  h.class_version = 2;
  m.set_header(h);
  EXPECT_FALSE(agent_.HandleMad(m).has_value());
  h.class_version = 1;
  h.base_version = 2;
  m.set_header(h);
  EXPECT_FALSE(agent_.HandleMad(m).has_value());
  h.base_version = 1;
  h.method = mad::kMethodGetResp;
  m.set_header(h);
  EXPECT_FALSE(agent_.HandleMad(m).has_value());
  h.method = mad::kMethodGet;
  m.set_header(h);
  EXPECT_TRUE(agent_.HandleMad(m).has_value());
}

TEST_F(DmAgentHandleTest, RunStopIsPromptAndIdempotent) {
  ASSERT_TRUE(agent_.Run(20ms).ok());
  EXPECT_TRUE(agent_.running());
  EXPECT_EQ(agent_.Run().code(), StatusCode::kAlreadyExists);
  auto start = std::chrono::steady_clock::now();
  agent_.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(agent_.running());
  agent_.Stop();
}

TEST(DmAgentEndToEnd, AnswersOverSoftMadPorts) {
  char tmpl[] = "/tmp/srp-dm-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    auto open = [&](const std::string& name) {
      fabric::soft::SoftFabricOptions o;
      o.subnet_dir = dir;
      o.port_name = name;
      return fabric::soft::OpenSoftFabric(o);
    };
    auto target_fabric = open("dmtarget");
    auto host_fabric = open("dmhost");
    ASSERT_TRUE(target_fabric.ok() && host_fabric.ok());
    ASSERT_TRUE(EnableDeviceManagementBit(**target_fabric).ok());
    EXPECT_EQ((*target_fabric)->port().capability_mask & mad::kPortCapDeviceManagement,
              mad::kPortCapDeviceManagement);
    auto target_port = mad::OpenSoftMadPort(dir, "dmtarget");
    auto host_port = mad::OpenSoftMadPort(dir, "dmhost");
    ASSERT_TRUE(target_port.ok() && host_port.ok());
    EXPECT_EQ((*target_port)->local_port().capability_mask & mad::kPortCapDeviceManagement,
              mad::kPortCapDeviceManagement);

    DmAgent agent(**target_port, TestIdentity());
    ASSERT_TRUE(agent.Run(20ms).ok());
    mad::MadAddress to{.lid = (*target_port)->local_port().lid};
    auto ask = [&](uint16_t attr, uint32_t mod, uint64_t tid) {
      return (*host_port)
          ->Request(to, mad::MakeDmRequest(mad::kMethodGet, attr, mod, tid), 1000ms, 2);
    };
    auto iou = ask(mad::kAttrIoUnitInfo, 0, 11);
    ASSERT_TRUE(iou.ok()) << iou.status().ToString();
    EXPECT_EQ(iou->tid(), 11u);
    auto info = mad::DecodeIoUnitInfo(iou->dm_data());
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->max_controllers, 16);
    EXPECT_EQ(info->controllers[0], mad::kControllerPresent);

    auto prof = ask(mad::kAttrIoControllerProfile, 1, 12);
    ASSERT_TRUE(prof.ok());
    auto p = mad::DecodeIoControllerProfile(prof->dm_data());
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, agent.MakeProfile());

    auto svc = ask(mad::kAttrServiceEntries, 1u << 16, 13);
    ASSERT_TRUE(svc.ok());
    auto entries = mad::DecodeServiceEntries(svc->dm_data(), 1);
    ASSERT_TRUE(entries.ok());
    EXPECT_EQ((*entries)[0].name, "SRP.T10:0002c903000f1366");

    auto bad = ask(mad::kAttrIoControllerProfile, 2, 14);
    ASSERT_TRUE(bad.ok());
    EXPECT_EQ(bad->status(), mad::kDmStatusNoIoc);

    // A wrong-class MAD gets no answer: the request times out (bounded).
    Mad sa = mad::MakeDmRequest(mad::kMethodGet, mad::kAttrIoUnitInfo, 0, 15);
    mad::MadHeader h = sa.header();
    h.class_version = 2;
    sa.set_header(h);
    auto none = (*host_port)->Request(to, sa, 100ms, 0);
    EXPECT_EQ(none.status().code(), StatusCode::kTimedOut);

    agent.Stop();
    EXPECT_EQ(agent.answered(), 4u);
    EXPECT_EQ(agent.dropped(), 1u);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace srp::target
