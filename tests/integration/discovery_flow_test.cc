// The initiator-side flow with separate processes on the soft subnet:
// two srp-target processes (one serving two ports) -> srp-discover -c -> srp-login into a
// fake sysfs (add_target is a FIFO the test reads, so every write is seen), with a rules
// file, --dry-run (golden) and --userspace (login, LUN list, logout).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "lib/srp/target_string.h"
#include "tests/integration/target_process.h"

namespace srp::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Reads everything written to a FIFO standing in for add_target, until Stop().
class AddTargetFifo {
 public:
  explicit AddTargetFifo(const std::string& path) {
    mkfifo(path.c_str(), 0600);
    fd_ = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    thread_ = std::thread([this] {
      char buf[4096];
      while (!stop_.load()) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 20) > 0) Drain(buf, sizeof buf);
      }
      Drain(buf, sizeof buf);
    });
  }
  ~AddTargetFifo() { Stop(); }
  // Each write of srp-login is one line without newline: split at "id_ext=".
  std::vector<std::string> Stop() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
      close(fd_);
    }
    std::vector<std::string> writes;
    size_t pos = data_.find("id_ext=");
    while (pos != std::string::npos) {
      size_t next = data_.find("id_ext=", pos + 1);
      writes.push_back(data_.substr(pos, next == std::string::npos ? next : next - pos));
      pos = next;
    }
    return writes;
  }

 private:
  void Drain(char* buf, size_t size) {
    ssize_t n;
    while ((n = read(fd_, buf, size)) > 0) data_.append(buf, static_cast<size_t>(n));
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::string data_;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

class DiscoveryFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    subnet_ = std::make_unique<SubnetDir>();
    // Target A on two ports; target B with its own id_ext. Start order fixes the LIDs.
    Status st = a_.Start({"--port-name", "flowA1", "--port-name", "flowA2", "--mem-size",
                          std::to_string(kMemBytes)});
    ASSERT_TRUE(st.ok()) << st.ToString();
    st = b_.Start({"--port-name", "flowB", "--id-ext", "1122334455667788", "--mem-size",
                   std::to_string(kMemBytes)});
    ASSERT_TRUE(st.ok()) << st.ToString();
    sys_ = subnet_->path() + "/fakesys";
    fs::create_directories(sys_ + "/class/infiniband_srp/srp-soft0-1");
  }
  void TearDown() override {
    a_.Stop();
    b_.Stop();
    subnet_.reset();
  }
  std::string Bin(const char* name) const { return BinDir() + "/" + name; }
  // `srp-discover -c ... | <login command>` through a shell, as a user would run it.
  CommandResult Pipeline(const std::string& login_args) {
    const std::string cmd = Bin("srp-discover") + " -c -t 500 -r 1 --sysfs-root " + sys_ + " | " +
                            Bin("srp-login") + " --sysfs-root " + sys_ + " " + login_args;
    return RunCommand({"/bin/sh", "-c", cmd}, 60s);
  }
  std::string AddTargetPath() const {
    return sys_ + "/class/infiniband_srp/srp-soft0-1/add_target";
  }

  static constexpr uint64_t kMemBytes = 2u << 20;
  std::unique_ptr<SubnetDir> subnet_;
  TargetProcess a_, b_;
  std::string sys_;
};

TEST_F(DiscoveryFlowTest, DiscoverListsEveryPortWithTheConfiguredIdentity) {
  ASSERT_EQ(a_.targets().size(), 2u);
  ASSERT_EQ(b_.targets().size(), 1u);
  CommandResult d =
      RunCommand({Bin("srp-discover"), "-c", "-t", "500", "-r", "1", "--sysfs-root", sys_}, 30s);
  ASSERT_EQ(d.exit_code, 0) << d.err;
  const std::vector<std::string> found = Lines(d.out);
  ASSERT_EQ(found.size(), 3u) << d.out;
  // Field by field against what each target printed for its ports.
  std::map<std::string, wire::TargetString> by_dgid;
  for (const std::string& l : found) {
    auto t = wire::ParseTargetString(l);
    ASSERT_TRUE(t.ok()) << l;
    by_dgid[FormatGidHex(*t->dgid)] = *t;
  }
  std::vector<std::string> configured = a_.targets();
  configured.push_back(b_.targets()[0]);
  for (const std::string& line : configured) {
    auto want = wire::ParseTargetString(line);
    ASSERT_TRUE(want.ok()) << line;
    auto it = by_dgid.find(FormatGidHex(*want->dgid));
    ASSERT_NE(it, by_dgid.end()) << "not discovered: " << line << "\n" << d.out;
    const wire::TargetString& got = it->second;
    EXPECT_EQ(got.id_ext, want->id_ext);
    EXPECT_EQ(got.id_ext_text, want->id_ext_text);
    EXPECT_EQ(got.ioc_guid, want->ioc_guid);
    EXPECT_EQ(got.pkey, want->pkey);
    EXPECT_EQ(got.service_id, want->service_id);
    EXPECT_EQ(got.io_class, std::nullopt);
    EXPECT_EQ(got.max_it_iu_size, want->max_it_iu_size);  // 2116 < ib_srp's 8192 default
    EXPECT_EQ(wire::FormatTargetString(got), line);
  }
  // Both ports of A carry the same identity, B its configured id_ext.
  auto a1 = wire::ParseTargetString(a_.targets()[0]);
  auto a2 = wire::ParseTargetString(a_.targets()[1]);
  ASSERT_TRUE(a1.ok() && a2.ok());
  EXPECT_EQ(a1->id_ext, a2->id_ext);
  EXPECT_EQ(a1->ioc_guid, a2->ioc_guid);
  EXPECT_NE(a1->dgid, a2->dgid);
  EXPECT_EQ(wire::ParseTargetString(b_.targets()[0])->id_ext, 0x1122334455667788ull);
}

TEST_F(DiscoveryFlowTest, LoginWritesEveryLineToAddTarget) {
  AddTargetFifo fifo(AddTargetPath());
  CommandResult r = Pipeline("");
  const std::vector<std::string> writes = fifo.Stop();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> configured = a_.targets();
  configured.push_back(b_.targets()[0]);
  EXPECT_EQ(std::multiset<std::string>(writes.begin(), writes.end()),
            std::multiset<std::string>(configured.begin(), configured.end()));
  EXPECT_EQ(Lines(r.out).size(), 3u) << r.out;
}

TEST_F(DiscoveryFlowTest, RulesDenyOneTargetAndAddOptionsToTheOther) {
  const std::string rules = subnet_->path() + "/srp_daemon.conf";
  auto a = wire::ParseTargetString(a_.targets()[0]);
  ASSERT_TRUE(a.ok());
  std::ofstream(rules) << "# deny B, tune A\n"
                       << "d id_ext=1122334455667788\n"
                       << "a ioc_guid=" << FormatHex64(a->ioc_guid)
                       << ",queue_size=32,max_cmd_per_lun=16\n";
  AddTargetFifo fifo(AddTargetPath());
  CommandResult r = Pipeline("-f " + rules);
  const std::vector<std::string> writes = fifo.Stop();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(writes.size(), 2u) << r.err;
  for (const std::string& w : writes) {
    auto t = wire::ParseTargetString(w);
    ASSERT_TRUE(t.ok()) << w;
    EXPECT_NE(t->id_ext, 0x1122334455667788ull);
    EXPECT_EQ(t->queue_size, 32u);
    EXPECT_EQ(t->max_cmd_per_lun, 16u);
    const std::string tail = ",queue_size=32,max_cmd_per_lun=16,max_it_iu_size=2116";
    EXPECT_EQ(w.substr(w.size() - tail.size()), tail);
  }
  EXPECT_NE(r.err.find("denied by " + rules + ":2: id_ext=1122334455667788"), std::string::npos)
      << r.err;
}

TEST_F(DiscoveryFlowTest, DryRunGolden) {
  std::ofstream(AddTargetPath()) << "";
  CommandResult r = Pipeline("--dry-run");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string out = r.out;
  for (size_t p; (p = out.find(sys_)) != std::string::npos;) out.replace(p, sys_.size(), "SYSFS");
  const std::string golden = std::string(SRP_DISCOVERY_GOLDEN_DIR) + "/flow_dry_run.txt";
  if (std::getenv("SRP_UPDATE_GOLDEN") != nullptr) std::ofstream(golden) << out;
  std::ifstream in(golden);
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(out, want.str());
}

TEST_F(DiscoveryFlowTest, UserspaceLoginListsTheConfiguredLuns) {
  CommandResult r = Pipeline("--userspace --fabric soft");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = Lines(r.out);
  // Three sessions (A port 1, A port 2, B), each with LUN 0 (null0) and LUN 1 (mem1).
  ASSERT_EQ(lines.size(), 6u) << r.out;
  std::set<std::string> hctl;
  for (const std::string& l : lines) {
    hctl.insert(l.substr(0, l.find(' ')));
    EXPECT_EQ(l.substr(13, 8), "disk    ") << l;
    EXPECT_EQ(l.substr(l.size() - 1), "B") << l;  // a size, e.g. 2.10MB
  }
  EXPECT_EQ(hctl, (std::set<std::string>{"[0:0:0:0]", "[0:0:0:1]", "[1:0:0:0]", "[1:0:0:1]",
                                         "[2:0:0:0]", "[2:0:0:1]"}));
  for (const std::string& l : lines) {
    if (l.rfind("[0:0:0:1]", 0) == 0) {
      EXPECT_NE(l.find("2.10MB"), std::string::npos) << l;
    }
  }
  // Logged out again: the targets have no sessions left to serve (they stop cleanly).
  EXPECT_FALSE(a_.WaitExit(10ms).has_value());
}

}  // namespace
}  // namespace srp::integration
