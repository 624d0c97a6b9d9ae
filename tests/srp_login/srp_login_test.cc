// srp-login units: the rules file, line preparation, the kernel path over a
// fake sysfs (scripted add_target errnos), --dry-run golden output, lsscsi lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "initiator_tools/srp_login/kernel_login.h"
#include "initiator_tools/srp_login/login_cli.h"
#include "initiator_tools/srp_login/login_line.h"
#include "initiator_tools/srp_login/rules.h"
#include "initiator_tools/srp_login/userspace_scan.h"

namespace srp::login {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLineA =
    "id_ext=0002c903000f1366,ioc_guid=0002c903000f1366,dgid=fe800000000000000002c903000f1367,"
    "pkey=ffff,service_id=0002c903000f1366";
constexpr const char* kLineB =
    "id_ext=ABCDEF0011223344,ioc_guid=abcdef0011223344,dgid=fe80000000000000abcdef0011223345,"
    "pkey=8001,service_id=00000000013f5352,max_it_iu_size=2116";

// A sysfs tree in a temp dir whose add_target writes are recorded; a write
// whose text contains a key of `errnos` fails with that errno.
class FakeSysfs : public FsRoot {
 public:
  explicit FakeSysfs(const std::string& dir) : FsRoot(dir) {}
  Status WriteFile(std::string_view path, std::string_view data) const override {
    for (const auto& [needle, err] : errnos) {
      if (data.find(needle) != std::string_view::npos) {
        return Status::FromErrno(err, "write " + std::string(path));
      }
    }
    if (!Exists(path)) return Status::FromErrno(ENOENT, "open " + std::string(path));
    writes.emplace_back(path, data);
    return Status::Ok();
  }
  std::map<std::string, int> errnos;
  mutable std::vector<std::pair<std::string, std::string>> writes;
};

class SysfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/srp_login_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sys_ = std::make_unique<FakeSysfs>(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void AddHost(const std::string& name) {
    fs::create_directories(dir_ + "/class/infiniband_srp/" + name);
    std::ofstream(dir_ + "/class/infiniband_srp/" + name + "/add_target");
  }
  void AddScsiHost(const std::string& name, const std::map<std::string, std::string>& attrs) {
    const std::string d = dir_ + "/class/scsi_host/" + name;
    fs::create_directories(d);
    for (const auto& [k, v] : attrs) std::ofstream(d + "/" + k) << v << "\n";
  }
  std::string WriteRules(const std::string& text) {
    const std::string p = dir_ + "/srp_daemon.conf";
    std::ofstream(p) << text;
    return p;
  }
  int Run(LoginCliOptions o, const std::string& input) {
    std::istringstream in(input);
    out_.str("");
    err_.str("");
    return RunLogin(o, in, out_, err_, *sys_, [] {});
  }

  std::string dir_;
  std::unique_ptr<FakeSysfs> sys_;
  std::ostringstream out_, err_;
};

// ---------------------------------------------------------------- rules ---

TEST(RulesTest, ParsesAllowAndDenyAndFirstMatchWins) {
  auto rules = LoginRules::Parse(
      "# comment\n\n"
      "d\tdgid=fe800000000000000002c903000f1367\n"
      "a  id_ext=0002C903000F1366 , queue_size=128,max_cmd_per_lun=32\n"
      "a pkey=0001,max_sect=1024\n"
      "d\n",
      "rules");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->rules().size(), 4u);
  EXPECT_FALSE(rules->rules()[0].allow);
  EXPECT_EQ(rules->rules()[1].line, 4);
  EXPECT_EQ(rules->rules()[1].options, (std::vector<std::pair<std::string, std::string>>{
                                           {"queue_size", "128"}, {"max_cmd_per_lun", "32"}}));
  auto a = wire::ParseTargetString(kLineA);
  auto b = wire::ParseTargetString(kLineB);
  ASSERT_TRUE(a.ok() && b.ok());
  RuleDecision da = rules->Decide(*a);
  EXPECT_FALSE(da.allow);  // the dgid deny comes first
  EXPECT_EQ(da.rule->line, 3);
  RuleDecision db = rules->Decide(*b);  // pkey 8001 matches 0001 (membership bit ignored)
  EXPECT_TRUE(db.allow);
  EXPECT_EQ(db.rule->line, 5);
}

TEST(RulesTest, NoRuleMeansAllow) {
  auto rules = LoginRules::Parse("a id_ext=1\n", "r");
  ASSERT_TRUE(rules.ok());
  auto a = wire::ParseTargetString(kLineA);
  ASSERT_TRUE(a.ok());
  RuleDecision d = rules->Decide(*a);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, nullptr);
}

TEST(RulesTest, ErrorsNameFileAndLine) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"x id_ext=1\n", "f:1: a rule starts with"},
      {"a\n\nabc=1\n", "f:3: white space expected"},
      {"a foo=1\n", "f:1: unknown key 'foo'"},
      {"a id_ext=zz\n", "f:1: bad id_ext 'zz'"},
      {"a queue_size=abc\n", "f:1: queue_size needs a decimal value"},
      {"d queue_size=1\n", "f:1: 'queue_size' in a deny rule"},
      {"a pkey=1,pkey=2\n", "f:1: 'pkey' given twice"},
      {"a dgid=fe80\n", "f:1: bad dgid"},
      {"a id_ext\n", "f:1: 'id_ext' is not key=value"},
  };
  for (const Case& c : cases) {
    auto r = LoginRules::Parse(c.text, "f");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << c.text << " -> " << r.status().message();
  }
}

// ---------------------------------------------------------------- lines ---

TEST(LoginLineTest, RuleOptionsAppendedInRuleOrderAndMaxItIuSizeLast) {
  auto rules = LoginRules::Parse("a max_cmd_per_lun=32,queue_size=128\n", "r");
  ASSERT_TRUE(rules.ok());
  auto p = PrepareLine(std::string(kLineB) + ",queue_size=64", *rules);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->text,
            "id_ext=ABCDEF0011223344,ioc_guid=abcdef0011223344,"
            "dgid=fe80000000000000abcdef0011223345,pkey=8001,service_id=00000000013f5352,"
            "max_cmd_per_lun=32,queue_size=128,max_it_iu_size=2116");
  EXPECT_EQ(*p->target.queue_size, 128u);
  EXPECT_EQ(p->target.id_ext_text, "ABCDEF0011223344");
  EXPECT_TRUE(p->allowed);
  EXPECT_EQ(p->rule_line, 1);
}

TEST(LoginLineTest, InvalidLinesNameTheOption) {
  LoginRules none;
  struct Case {
    std::string line;
    const char* expect;
  } cases[] = {
      {std::string(kLineA) + ",bogus=1", "bogus"},
      {"id_ext=1,ioc_guid=2", "mandatory"},
      {std::string(kLineA) + ",cmd_sg_entries=300", "cmd_sg_entries"},
      {std::string(kLineA) + ",tl_retry_count=9", "tl_retry_count"},
      {std::string(kLineA) + ",queue_size", "queue_size"},
  };
  for (const Case& c : cases) {
    auto p = PrepareLine(c.line, none);
    ASSERT_FALSE(p.ok()) << c.line;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.expect), std::string::npos) << p.status().message();
  }
  // A rule option that breaks the line is caught too.
  auto rules = LoginRules::Parse("a cmd_sg_entries=999\n", "r");
  ASSERT_TRUE(rules.ok());
  EXPECT_FALSE(PrepareLine(kLineA, *rules).ok());
}

// ------------------------------------------------------------- kernel ---

TEST_F(SysfsTest, FindsTheSingleHostOrAsks) {
  EXPECT_EQ(FindSrpHost(*sys_, "", 0).status().code(), StatusCode::kNotFound);
  AddHost("srp-mlx5_0-1");
  auto h = FindSrpHost(*sys_, "", 0);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->hca, "mlx5_0");
  EXPECT_EQ(h->port, 1);
  EXPECT_EQ(h->add_target_path(), "/class/infiniband_srp/srp-mlx5_0-1/add_target");
  AddHost("srp-mlx5_0-2");
  auto two = FindSrpHost(*sys_, "", 0);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("srp-mlx5_0-1 srp-mlx5_0-2"), std::string::npos);
  auto p2 = FindSrpHost(*sys_, "", 2);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->port, 2);
  EXPECT_FALSE(ParseSrpHostName("srp-mlx5_0-x").ok());
  EXPECT_FALSE(ParseSrpHostName("foo").ok());
  auto dash = ParseSrpHostName("srp-my-hca-3");
  ASSERT_TRUE(dash.ok());
  EXPECT_EQ(dash->hca, "my-hca");
}

TEST_F(SysfsTest, AlreadyConnectedMatchesTheScsiHostAttributes) {
  auto a = wire::ParseTargetString(kLineA);
  ASSERT_TRUE(a.ok());
  SrpHost host{"mlx5_0", 1};
  AddScsiHost("host3", {{"id_ext", "0x0002c903000f1366"},
                        {"ioc_guid", "0x0002c903000f1366"},
                        {"service_id", "0x0002c903000f1366"},
                        {"pkey", "0xffff"},
                        {"orig_dgid", "fe80:0000:0000:0000:0002:c903:000f:1367"},
                        {"local_ib_device", "mlx5_0"},
                        {"local_ib_port", "1"}});
  EXPECT_TRUE(AlreadyConnected(*sys_, host, *a));
  EXPECT_FALSE(AlreadyConnected(*sys_, SrpHost{"mlx5_0", 2}, *a));  // other port
  auto b = wire::ParseTargetString(kLineB);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(AlreadyConnected(*sys_, host, *b));
}

TEST_F(SysfsTest, WritesEachLineAndExplainsErrnos) {
  AddHost("srp-mlx5_0-1");
  sys_->errnos = {{"pkey=8001", EEXIST}};
  LoginCliOptions o;
  EXPECT_EQ(Run(o, std::string(kLineA) + "\n# comment\n\n" + kLineB + "\n"), kExitOk);
  ASSERT_EQ(sys_->writes.size(), 1u);
  EXPECT_EQ(sys_->writes[0].first, "/class/infiniband_srp/srp-mlx5_0-1/add_target");
  EXPECT_EQ(sys_->writes[0].second, kLineA);
  EXPECT_EQ(out_.str(), std::string("connected: ") + kLineA + "\n");
  EXPECT_NE(err_.str().find("already connected: " + std::string(kLineB)), std::string::npos);

  const std::pair<int, const char*> cases[] = {{EINVAL, "unknown parameter"},
                                               {ECONNRESET, "rejected"},
                                               {EHOSTUNREACH, "no path"},
                                               {ENODEV, "ENODEV"},
                                               {ENOMEM, "out of memory"}};
  for (const auto& [err, text] : cases) {
    sys_->errnos = {{"pkey=ffff", err}};
    EXPECT_EQ(Run(o, kLineA), kExitLineFailed) << err;
    EXPECT_NE(err_.str().find(text), std::string::npos) << err_.str();
  }
}

TEST_F(SysfsTest, SkipsConnectedTargetsUnlessAll) {
  AddHost("srp-mlx5_0-1");
  AddScsiHost("host0", {{"id_ext", "0x0002c903000f1366"},
                        {"ioc_guid", "0x0002c903000f1366"},
                        {"service_id", "0x0002c903000f1366"},
                        {"pkey", "0xffff"},
                        {"dgid", "fe80:0000:0000:0000:0002:c903:000f:1367"},
                        {"local_ib_device", "mlx5_0"},
                        {"local_ib_port", "1"}});
  LoginCliOptions o;
  EXPECT_EQ(Run(o, kLineA), kExitOk);
  EXPECT_TRUE(sys_->writes.empty());
  EXPECT_NE(err_.str().find("skipped, already connected"), std::string::npos);
  o.all = true;
  EXPECT_EQ(Run(o, kLineA), kExitOk);
  EXPECT_EQ(sys_->writes.size(), 1u);
}

TEST_F(SysfsTest, SetupErrorsAndBadLines) {
  LoginCliOptions o;
  EXPECT_EQ(Run(o, kLineA), kExitSetup);  // no srp host
  EXPECT_NE(err_.str().find("is ib_srp loaded?"), std::string::npos);
  AddHost("srp-mlx5_0-1");
  o.rules_file = WriteRules("a nonsense=1\n");
  EXPECT_EQ(Run(o, kLineA), kExitSetup);
  EXPECT_NE(err_.str().find("srp_daemon.conf:1: unknown key 'nonsense'"), std::string::npos);
  o.rules_file = dir_ + "/missing.conf";
  EXPECT_EQ(Run(o, kLineA), kExitSetup);
  o.rules_file.clear();
  // A bad line fails, the good one is still written.
  EXPECT_EQ(Run(o, std::string("id_ext=1,bogus=2\n") + kLineA), kExitLineFailed);
  EXPECT_EQ(sys_->writes.size(), 1u);
  EXPECT_NE(err_.str().find("invalid target line 'id_ext=1,bogus=2'"), std::string::npos);
}

TEST_F(SysfsTest, DryRunGolden) {
  AddHost("srp-mlx5_0-1");
  LoginCliOptions o;
  o.dry_run = true;
  o.rules_file = WriteRules(
      "d id_ext=0002c903000f1366\n"
      "a ioc_guid=abcdef0011223344,queue_size=128,max_cmd_per_lun=32\n");
  EXPECT_EQ(Run(o, std::string(kLineA) + "\n" + kLineB + "\n"), kExitOk);
  EXPECT_TRUE(sys_->writes.empty());
  std::ifstream golden(std::string(SRP_LOGIN_GOLDEN_DIR) + "/dry_run.txt");
  std::stringstream want;
  want << golden.rdbuf();
  if (std::getenv("SRP_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(std::string(SRP_LOGIN_GOLDEN_DIR) + "/dry_run.txt") << out_.str();
  } else {
    EXPECT_EQ(out_.str(), want.str());
  }
  EXPECT_NE(err_.str().find("denied by " + o.rules_file + ":1: id_ext=0002c903000f1366"),
            std::string::npos);
}

// Issue 15: `srp-discover -c | srp-login --dry-run` on a host without ib_srp prints the lines
// for the srp host of the port srp_daemon would have discovered through, names the missing
// host and exits 0.
TEST_F(SysfsTest, DryRunWithoutIbSrpDerivesTheHostFromTheLocalPort) {
  auto add_port = [&](const std::string& ca, int n, const std::string& state,
                      const std::string& gid) {
    const std::string d = dir_ + "/class/infiniband/" + ca + "/ports/" + std::to_string(n);
    fs::create_directories(d + "/gids");
    std::ofstream(d + "/state") << state << "\n";
    std::ofstream(d + "/link_layer") << "InfiniBand\n";
    std::ofstream(d + "/gids/0") << gid << "\n";
  };
  // mlx5_0 port 1 is down; port 2 is active on another subnet; mlx5_1 port 1 is active on
  // the targets' subnet (fe80::): that is the one.
  add_port("mlx5_0", 1, "1: DOWN", "fe80:0000:0000:0000:0002:c903:0000:0001");
  add_port("mlx5_0", 2, "4: ACTIVE", "fec0:0000:0000:0000:0002:c903:0000:0002");
  add_port("mlx5_1", 1, "4: ACTIVE", "fe80:0000:0000:0000:0002:c903:0000:0003");
  LoginCliOptions o;
  o.dry_run = true;
  o.sysfs_root = "/SYS";
  EXPECT_EQ(Run(o, std::string(kLineA) + "\n"), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(), "echo '" + std::string(kLineA) +
                            "' > /SYS/class/infiniband_srp/srp-mlx5_1-1/add_target\n");
  EXPECT_NE(err_.str().find(dir_ + "/class/infiniband_srp/srp-mlx5_1-1 does not exist here"),
            std::string::npos)
      << err_.str();
  EXPECT_TRUE(sys_->writes.empty());
  // Without --dry-run a missing host stays a setup error.
  o.dry_run = false;
  EXPECT_EQ(Run(o, kLineA), kExitSetup);
}

TEST_F(SysfsTest, DryRunWithoutRdmaDevicesNamesTheSoftPortHost) {
  LoginCliOptions o;
  o.dry_run = true;
  EXPECT_EQ(Run(o, std::string(kLineA) + "\n" + kLineB + "\n"), kExitOk) << err_.str();
  EXPECT_NE(out_.str().find("/class/infiniband_srp/srp-soft-1/add_target"), std::string::npos);
  const std::string out = out_.str();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
  o.port_name = "ini0";
  EXPECT_EQ(Run(o, kLineA), kExitOk);
  EXPECT_NE(out_.str().find("/class/infiniband_srp/srp-ini0-1/add_target"), std::string::npos);
  EXPECT_NE(err_.str().find("srp-ini0-1 does not exist here"), std::string::npos) << err_.str();
}

// ------------------------------------------------------------- lsscsi ---

TEST(LsscsiTest, LinesAndSizes) {
  scsi::StandardInquiry inq;
  inq.device_type = 0;
  inq.vendor = "SRPTK";
  inq.product = "MEMORY";
  inq.revision = "0001";
  EXPECT_EQ(FormatLsscsiLine(0, 1, inq, 64ull << 20),
            "[0:0:0:1]    disk    SRPTK    MEMORY           0001  -        67.1MB");
  inq.device_type = 0x0c;
  EXPECT_EQ(FormatLsscsiLine(12, 300, inq, std::nullopt),
            "[12:0:0:300] storage SRPTK    MEMORY           0001  -        -");
  EXPECT_EQ(LsscsiSize(0), "0B");
  EXPECT_EQ(LsscsiSize(999), "999B");
  EXPECT_EQ(LsscsiSize(1000), "1.00kB");
  EXPECT_EQ(LsscsiSize(1ull << 30), "1.07GB");
  EXPECT_EQ(LsscsiSize(999'600'000), "1.00GB");
  EXPECT_EQ(LsscsiSize(4ull << 40), "4.40TB");
}

}  // namespace
}  // namespace srp::login
