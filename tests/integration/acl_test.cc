// ACL groups end to end: two initiator identities (different initiator_ext on the same port)
// see different LUN sets; -list_sessions shows the group; a disabled target refuses logins
// until srp-admin enables it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/admin_fixture.h"

namespace srp::integration {
namespace {

constexpr const char* kAclConf = R"(HANDLER vdisk_nullio {
	DEVICE n0
	DEVICE n5
}
TARGET_DRIVER ib_srpt {
	TARGET tgt0 {
		enabled 1
		rel_tgt_id 3
		LUN 0 n0
		GROUP ext_one {
			LUN 5 n5
			LUN 6 n0
			INITIATOR 0x0000000000000001*
		}
	}
}
)";

class AclTest : public AdminTest {};

TEST_P(AclTest, TwoIdentitiesTwoLunSets) {
  StartWithRunDir({"--config", WriteFile("acl.conf", kAclConf)});
  auto plain = Login(target_.IbTarget());
  ASSERT_TRUE(plain);
  auto grouped =
      Login(target_.IbTarget(), [](initiator::SessionOptions& o) { o.initiator_ext = 1; });
  ASSERT_TRUE(grouped);
  EXPECT_EQ(Luns(*plain), (std::vector<uint32_t>{0}));
  EXPECT_EQ(Luns(*grouped), (std::vector<uint32_t>{5, 6}));
  EXPECT_EQ(Tur(*grouped, 5), "GOOD");
  EXPECT_EQ(Tur(*plain, 5), "5/25/00");  // not mapped for it: LOGICAL UNIT NOT SUPPORTED

  auto list = Admin({"-list_sessions", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto j = nlohmann::json::parse(list.out);
  ASSERT_EQ(j["sessions"].size(), 2u) << list.out;
  std::map<std::string, std::string> group_of_ext;
  for (const auto& s : j["sessions"]) {
    std::string id = s["initiator_port_id"];
    group_of_ext[id.substr(0, 18)] = s["group"];
    EXPECT_EQ(s["target"], "tgt0");
  }
  EXPECT_EQ(group_of_ext["0x0000000000000000"], "Default");
  EXPECT_EQ(group_of_ext["0x0000000000000001"], "ext_one");
}

TEST_P(AclTest, DisabledUntilEnabled) {
  std::string conf = kAclConf;
  conf.replace(conf.find("enabled 1"), 9, "enabled 0");
  StartWithRunDir({"--config", WriteFile("disabled.conf", conf)});
  auto o = initiator::OptionsFromTargetString(target_.IbTarget());
  ASSERT_TRUE(o.ok());
  auto refused = initiator::Session::Login(*fabric_, *o);
  ASSERT_FALSE(refused.ok());
  auto enable = Admin({"-enable_target", "tgt0", "-driver", "ib_srpt"});
  ASSERT_EQ(enable.exit_code, 0) << enable.err;
  EXPECT_NE(enable.out.find("target tgt0 enabled"), std::string::npos) << enable.out;
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  EXPECT_EQ(Luns(*s), (std::vector<uint32_t>{0}));
}

// Two TARGETs in one process: each served port takes the TARGET named after it (soft port
// name here; a port GID on real HCAs) with its own LUN set and rel_tgt_id.
constexpr const char* kTwoTargetsConf = R"(HANDLER vdisk_nullio {
	DEVICE n0
	DEVICE n7
}
TARGET_DRIVER ib_srpt {
	TARGET admin-tgt {
		rel_tgt_id 1
		LUN 0 n0
	}
	TARGET second {
		rel_tgt_id 2
		LUN 7 n7
	}
}
)";

TEST_P(AclTest, EachPortServesTheTargetNamedAfterIt) {
  StartWithRunDir({"--config", WriteFile("two.conf", kTwoTargetsConf), "--port-name", "second"});
  std::vector<std::string> ib_lines;  // the RDMA CM (dest=) line belongs to the first port
  for (const std::string& line : target_.targets()) {
    if (line.find("dgid=") != std::string::npos) ib_lines.push_back(line);
  }
  ASSERT_EQ(ib_lines.size(), 2u);
  // Ports in --port-name order: "second" first, then the fixture's "admin-tgt".
  auto on_second = Login(ib_lines[0]);
  auto on_first = Login(ib_lines[1]);
  ASSERT_TRUE(on_second);
  ASSERT_TRUE(on_first);
  EXPECT_EQ(Luns(*on_second), (std::vector<uint32_t>{7}));
  EXPECT_EQ(Luns(*on_first), (std::vector<uint32_t>{0}));
  EXPECT_EQ(Tur(*on_second, 7), "GOOD");
  EXPECT_EQ(Tur(*on_first, 7), "5/25/00");
}

INSTANTIATE_TEST_SUITE_P(Threads, AclTest, ::testing::Values(0), ThreadName);

}  // namespace
}  // namespace srp::integration
