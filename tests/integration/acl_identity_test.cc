// Access control against hostile initiators, end to end (issue 13 items 1-4): `srp-target
// serve --config` as a child; "host A" is a soft port with a known GUID that a GROUP names by
// its GID; an attacker on another soft port speaks raw logins (tests/support/raw_srp_client.h)
// and claims whatever initiator port id it likes. Whether a LUN is visible is read from a TEST
// UNIT READY: a mapped LUN answers a new nexus with a unit attention (6/29/xx) or GOOD, an
// unmapped one with LOGICAL UNIT NOT SUPPORTED (5/25/00).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lib/fabric/soft/soft_fabric.h"
#include "lib/scsi/sense.h"
#include "lib/srp/target_string.h"
#include "tests/integration/admin_fixture.h"
#include "tests/support/raw_srp_client.h"

namespace srp::integration {
namespace {

using test_support::RawChannel;
using test_support::RawSrpClient;
using wire::LoginRejectReason;
using namespace std::chrono_literals;

constexpr uint64_t kHostAGuid = 0x0002c9030000aaaaull;
constexpr uint64_t kAttackerGuid = 0x0002c9030000bad0ull;
constexpr const char* kHostAGid = "fe80:0000:0000:0000:0002:c903:0000:aaaa";

// LUN 0 for everybody; LUN 5 only for host A (by GID) and for the IPv4-mapped address
// ::ffff:10.9.9.9 (an RDMA CM source no test connects from).
constexpr const char* kConf = R"(HANDLER vdisk_nullio {
	DEVICE n0
	DEVICE n5
}
TARGET_DRIVER ib_srpt {
	TARGET admin-tgt {
		enabled 1
		LUN 0 n0
		GROUP host_a {
			LUN 5 n5
			INITIATOR fe80:0000:0000:0000:0002:c903:0000:aaaa
			INITIATOR ::ffff:10.9.9.9
		}
	}
}
)";

std::array<uint8_t, 16> Bytes(const wire::PortId& id) {
  std::array<uint8_t, 16> out{};
  std::memcpy(out.data(), id.data(), 16);
  return out;
}

class AclIdentityTest : public AdminTest {
 protected:
  void StartWith(const std::string& conf, std::vector<std::string> extra = {}) {
    conf_ = WriteFile("acl.conf", conf);
    extra.insert(extra.begin(), {"--config", conf_});
    StartWithRunDir(extra);
    auto line = wire::ParseTargetString(target_.IbTarget());
    ASSERT_TRUE(line.ok()) << line.status().ToString();
    address_.id_ext = line->id_ext;
    address_.ioc_guid = line->ioc_guid;
    address_.gid = *line->dgid;
    address_.service_id = *line->service_id;
    address_.rdma_cm_port = rdma_cm_port_;
    host_a_fabric_ = OpenPort("host-a", kHostAGuid);
    attacker_fabric_ = OpenPort("attacker", kAttackerGuid);
    ASSERT_TRUE(host_a_fabric_ && attacker_fabric_);
    host_a_ = std::make_unique<RawSrpClient>(*host_a_fabric_, address_);
    attacker_ = std::make_unique<RawSrpClient>(*attacker_fabric_, address_);
  }
  void TearDown() override {
    host_a_.reset();
    attacker_.reset();
    host_a_fabric_.reset();
    attacker_fabric_.reset();
    AdminTest::TearDown();
  }

  static std::unique_ptr<fabric::Fabric> OpenPort(const std::string& name, uint64_t guid) {
    fabric::soft::SoftFabricOptions o;
    o.port_name = name;
    o.port_guid = guid;
    o.node_guid = guid;
    auto f = fabric::soft::OpenSoftFabric(o);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(*f) : nullptr;
  }

  // Host A's own login (initiator_ext 0 on its port): the nexus an attacker tries to copy.
  wire::LoginRequest HostALogin(uint8_t multichannel = wire::kMultiChanSingle) const {
    wire::LoginRequest r = host_a_->GoodLogin(0);
    r.req_flags = multichannel;
    return r;
  }

  // A login from the attacker's port claiming `port_id`.
  wire::LoginRequest Forged(const std::array<uint8_t, 16>& port_id, uint8_t multichannel) const {
    wire::LoginRequest r = attacker_->GoodLogin();
    std::memcpy(r.initiator_port_id.data(), port_id.data(), 16);
    r.req_flags = multichannel;
    return r;
  }

  // TEST UNIT READY on `lun`: "GOOD" or "key/asc/ascq" in hex.
  static std::string Tur(RawSrpClient& c, RawChannel& ch, uint32_t lun, uint64_t tag) {
    std::vector<std::byte> storage;
    auto rsp = ch.Command(
        c.Cmd(tag, lun, scsi::BuildTestUnitReady(), wire::DataDirection::kNone, 0, 0), &storage);
    if (!rsp) return "no answer";
    if (rsp->header.status == 0) return "GOOD";
    auto sense = scsi::ParseSense(rsp->sense);
    if (!sense.ok()) return "status " + std::to_string(rsp->header.status);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%x/%02x/%02x", static_cast<int>(sense->key), sense->asc.asc,
                  sense->asc.ascq);
    return buf;
  }
  // True when `lun` is mapped for the channel's session (GOOD or a unit attention).
  static bool Sees(RawSrpClient& c, RawChannel& ch, uint32_t lun) {
    std::string first = Tur(c, ch, lun, 0x500 + lun);
    EXPECT_TRUE(first == "GOOD" || first.rfind("6/", 0) == 0 || first == "5/25/00") << first;
    return first != "5/25/00";
  }

  nlohmann::json Sessions() {
    auto list = Admin({"-list_sessions", "--json"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    return list.exit_code == 0 ? nlohmann::json::parse(list.out)["sessions"] : nlohmann::json{};
  }

  std::string conf_;
  test_support::RawTargetAddress address_;
  std::unique_ptr<fabric::Fabric> host_a_fabric_, attacker_fabric_;
  std::unique_ptr<RawSrpClient> host_a_, attacker_;
};

// Item 1: GID and IP entries match only what the fabric reports, never the port id.
TEST_P(AclIdentityTest, ForgedPortIdDoesNotMatchGidOrIpEntries) {
  StartWith(kConf);
  RawChannel a;
  host_a_->Login(&a, HostALogin());
  ASSERT_TRUE(a.conn);
  EXPECT_TRUE(Sees(*host_a_, a, 5));  // host A is in its group by its GID

  // The attacker's port id carries host A's GID bytes (its own nexus, IB CM).
  RawChannel gid_forger;
  attacker_->Login(&gid_forger, Forged(ParseGid(kHostAGid).value().raw, wire::kMultiChanSingle));
  ASSERT_TRUE(gid_forger.conn);
  EXPECT_FALSE(Sees(*attacker_, gid_forger, 5));
  EXPECT_TRUE(Sees(*attacker_, gid_forger, 0));

  // Over RDMA CM (source 127.0.0.1) with the bytes of the IPv6 entry as port id.
  RawChannel ip_forger;
  auto ip = ParseGid("::ffff:10.9.9.9");  // the address as 16 bytes
  ASSERT_TRUE(ip.ok());
  auto reply =
      attacker_->Connect(wire::EncodeLoginRequestRdma(Forged(ip->raw, wire::kMultiChanSingle)),
                         &ip_forger, /*rdma_cm=*/true);
  ASSERT_FALSE(reply.rejected);
  ASSERT_TRUE(ip_forger.conn);
  EXPECT_FALSE(Sees(*attacker_, ip_forger, 5));
}

// Item 2: a second host copying host A's port id neither joins nor takes over its session.
TEST_P(AclIdentityTest, CopiedPortIdCannotJoinOrTakeOverTheSession) {
  StartWith(kConf);
  RawChannel a;
  host_a_->Login(&a, HostALogin());
  ASSERT_TRUE(a.conn);
  ASSERT_TRUE(Sees(*host_a_, a, 5));
  const auto host_a_port_id = Bytes(HostALogin().initiator_port_id);

  for (uint8_t action : {wire::kMultiChanMulti, wire::kMultiChanSingle}) {
    EXPECT_EQ(attacker_->RejectReason(wire::EncodeLoginRequest(Forged(host_a_port_id, action))),
              LoginRejectReason::kUnableAssociateChannel)
        << "multichannel action " << int{action};
  }
  // Host A's session is untouched: still live, one channel, its LUN still answers.
  EXPECT_EQ(Tur(*host_a_, a, 5, 0x600), "GOOD");
  auto sessions = Sessions();
  ASSERT_EQ(sessions.size(), 1u) << sessions.dump();
  EXPECT_EQ(sessions[0]["group"], "host_a");
  EXPECT_EQ(sessions[0]["channels"], 1);

  // Host A itself may add a channel to its session (same identity, same group).
  RawChannel a2;
  host_a_->Login(&a2, HostALogin(wire::kMultiChanMulti));
  ASSERT_TRUE(a2.conn);
  EXPECT_EQ(Tur(*host_a_, a2, 5, 0x700), "GOOD");
  EXPECT_EQ(Sessions()[0]["channels"], 2);
}

// Item 3: a reload that removes host A's INITIATOR line ends its session; one that sets
// `enabled 0` ends every session. A new login then gets what the new file grants.
TEST_P(AclIdentityTest, ReloadRevokingAccessEndsTheSessions) {
  StartWith(kConf);
  RawChannel a, other;
  host_a_->Login(&a, HostALogin());
  attacker_->Login(&other, attacker_->GoodLogin(7));
  ASSERT_TRUE(a.conn && other.conn);
  ASSERT_TRUE(Sees(*host_a_, a, 5));

  std::string without = kConf;
  const std::string line = std::string("\t\t\tINITIATOR ") + kHostAGid + "\n";
  without.erase(without.find(line), line.size());
  WriteFile("acl.conf", without);
  auto reload = Reload();
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_NE(reload.out.find(
                std::string("session ") + kHostAGid +
                " (initiator port id 0x00000000000000000002c9030000aaaa) ended: " + kHostAGid +
                " now resolves to the default LUN set instead of group "
                "host_a"),
            std::string::npos)
      << reload.out;
  EXPECT_TRUE(a.WaitDisconnected(10s));
  EXPECT_EQ(Tur(*attacker_, other, 0, 0x800), "GOOD");  // the other session is unaffected
  RawChannel again;
  host_a_->Login(&again, HostALogin());
  ASSERT_TRUE(again.conn);
  EXPECT_FALSE(Sees(*host_a_, again, 5));

  std::string disabled = without;
  disabled.replace(disabled.find("enabled 1"), 9, "enabled 0");
  WriteFile("acl.conf", disabled);
  reload = Reload();
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_NE(reload.out.find("ended: the target is disabled"), std::string::npos) << reload.out;
  EXPECT_TRUE(again.WaitDisconnected(10s));
  EXPECT_TRUE(other.WaitDisconnected(10s));
  EXPECT_EQ(host_a_->RejectReason(wire::EncodeLoginRequest(HostALogin())),
            LoginRejectReason::kInsufficientResources);
  EXPECT_EQ(Sessions().size(), 0u);
}

// Item 4: one initiator (one source GID), whatever port ids it uses, gets at most 8 channels;
// the next login is refused with CHANNEL_LIMIT_REACHED and other initiators still get in.
TEST_P(AclIdentityTest, PerInitiatorChannelLimit) {
  StartWith(kConf);
  std::vector<RawChannel> channels(8);
  for (size_t i = 0; i < channels.size(); ++i) {
    auto r = attacker_->GoodLogin(100 + i);  // a new nexus each time
    r.req_flags = wire::kMultiChanMulti;
    auto reply = attacker_->Connect(wire::EncodeLoginRequest(r), &channels[i]);
    ASSERT_FALSE(reply.rejected) << "channel " << i;
  }
  EXPECT_EQ(attacker_->RejectReason(wire::EncodeLoginRequest(attacker_->GoodLogin(200))),
            LoginRejectReason::kChannelLimitReached);
  RawChannel a;
  host_a_->Login(&a, HostALogin());
  ASSERT_TRUE(a.conn);
  // A channel that goes away frees its slot.
  channels.pop_back();
  bool accepted = false;
  for (int i = 0; i < 100 && !accepted; ++i) {
    RawChannel ch;
    auto reply = attacker_->Connect(wire::EncodeLoginRequest(attacker_->GoodLogin(300)), &ch);
    accepted = !reply.rejected;
    if (!accepted) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(accepted);
}

INSTANTIATE_TEST_SUITE_P(Threads, AclIdentityTest, ::testing::Values(0), ThreadName);

}  // namespace
}  // namespace srp::integration
