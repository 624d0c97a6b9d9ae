// srp-daemon against real srp-target processes on a soft subnet (issue 15): the user-space
// daemon logs in once to a target, never twice across rescans, and again after the target
// restarts with the same identity; rules deny a target until SIGHUP brings new rules; the
// kernel path writes add_target of the discovering port's srp host (fake sysfs), skips a
// target a SCSI host already serves, and --dry-run prints instead.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "lib/common/ids.h"
#include "lib/srp/target_string.h"
#include "tests/integration/target_process.h"

namespace srp::daemon_test {
namespace {

using integration::RunCommand;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string Daemon() { return integration::BinDir() + "/srp-daemon"; }

// srp-daemon in the background; SIGTERM on destruction.
class DaemonProcess {
 public:
  explicit DaemonProcess(std::vector<std::string> args) {
    args.insert(args.begin(), Daemon());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      int null_fd = open("/dev/null", O_WRONLY);
      dup2(null_fd, 1);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~DaemonProcess() { Stop(); }
  // SIGTERM; the exit status (-1 when it had to be killed).
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = -1;
    for (int i = 0; i < 500; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    subnet_ = std::make_unique<integration::SubnetDir>();
    run_dir_ = subnet_->path() + "/run";
  }

  nlohmann::json Status() {
    auto r = RunCommand({Daemon(), "--status", "--json", "--run-dir", run_dir_});
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }
  // The status entry of the target whose line has `id_ext`, or null.
  nlohmann::json Entry(const nlohmann::json& status, const std::string& line) {
    auto want = wire::ParseTargetString(line);
    if (!status.contains("targets") || !want.ok()) return nullptr;
    for (const auto& t : status["targets"]) {
      auto got = wire::ParseTargetString(t["target"].get<std::string>());
      if (got.ok() && got->id_ext == want->id_ext && got->dgid == want->dgid) return t;
    }
    return nullptr;
  }
  // Polls the status until `pred(entry)` holds for `line`'s target.
  bool WaitFor(const std::string& line, const std::function<bool(const nlohmann::json&)>& pred,
               milliseconds timeout = milliseconds(30000)) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      auto e = Entry(Status(), line);
      if (!e.is_null() && pred(e)) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    last_ = Status();
    return false;
  }
  static bool Is(const nlohmann::json& e, const std::string& state, uint64_t logins) {
    return e["state"] == state && e["logins"] == logins;
  }

  std::unique_ptr<integration::SubnetDir> subnet_;
  std::string run_dir_;
  nlohmann::json last_;
};

const std::vector<std::string> kTargetA = {"--port-name", "dmn-a", "--mem-size", "1048576"};
const std::vector<std::string> kTargetB = {"--port-name",      "dmn-b",      "--id-ext",
                                           "1122334455667788", "--mem-size", "1048576"};

TEST_F(DaemonTest, UserspaceLogsInOnceAndAgainAfterARestart) {
  integration::TargetProcess target;
  ASSERT_TRUE(target.Start(kTargetA).ok());
  const std::string line = target.IbTarget();
  DaemonProcess daemon({"--userspace", "-e", "-R", "1", "--reconnect-delay", "0.2", "--run-dir",
                        run_dir_, "-t", "500", "-r", "1"});
  ASSERT_TRUE(WaitFor(line, [](const auto& e) { return Is(e, "running", 1); })) << last_.dump(2);
  // Rescans find it again and again: still one login (EEXIST semantics).
  const auto scans = Status()["scans"].get<uint64_t>();
  ASSERT_TRUE(WaitFor(line, [&](const auto&) { return Status()["scans"] >= scans + 2; }));
  EXPECT_TRUE(Is(Entry(Status(), line), "running", 1)) << Status().dump(2);

  target.Stop();
  ASSERT_TRUE(WaitFor(line, [](const auto& e) { return e["state"] != "running"; }))
      << last_.dump(2);
  EXPECT_EQ(Entry(Status(), line)["state"], "blocked");
  ASSERT_TRUE(target.Start(kTargetA).ok());
  EXPECT_EQ(target.IbTarget(), line);  // same identity after the restart
  ASSERT_TRUE(WaitFor(line, [](const auto& e) { return Is(e, "running", 2); })) << last_.dump(2);
  EXPECT_EQ(Entry(Status(), line)["reconnects"], 1);

  EXPECT_EQ(daemon.Stop(), 0);
  auto r = RunCommand({Daemon(), "--status", "--run-dir", run_dir_});
  EXPECT_EQ(r.exit_code, 3);
}

TEST_F(DaemonTest, RulesDenyATargetUntilSighupAllowsIt) {
  integration::TargetProcess a, b;
  ASSERT_TRUE(a.Start(kTargetA).ok());
  ASSERT_TRUE(b.Start(kTargetB).ok());
  const std::string rules = subnet_->path() + "/srp_daemon.conf";
  std::ofstream(rules) << "# deny B\nd id_ext=1122334455667788\na queue_size=16\n";
  DaemonProcess daemon(
      {"--userspace", "-e", "-R", "1", "-f", rules, "--run-dir", run_dir_, "-t", "500", "-r", "1"});
  ASSERT_TRUE(WaitFor(a.IbTarget(), [](const auto& e) { return Is(e, "running", 1); }))
      << last_.dump(2);
  ASSERT_TRUE(WaitFor(b.IbTarget(), [](const auto& e) { return Is(e, "denied", 0); }))
      << last_.dump(2);
  EXPECT_EQ(Entry(Status(), b.IbTarget())["rule_line"], 2);
  // The allow rule's option went into A's login line.
  EXPECT_NE(Entry(Status(), a.IbTarget())["target"].get<std::string>().find("queue_size=16"),
            std::string::npos);

  std::ofstream(rules) << "a\n";
  kill(daemon.pid(), SIGHUP);
  ASSERT_TRUE(WaitFor(b.IbTarget(), [](const auto& e) { return Is(e, "running", 1); }))
      << last_.dump(2);
  EXPECT_TRUE(Is(Entry(Status(), a.IbTarget()), "running", 1));
  auto text = RunCommand({Daemon(), "--status", "--run-dir", run_dir_});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("userspace mode"), std::string::npos) << text.out;
}

TEST_F(DaemonTest, KernelPathWritesAddTargetOnceAndHonoursExistingHosts) {
  integration::TargetProcess target;
  ASSERT_TRUE(target.Start(kTargetA).ok());
  const std::string sys = subnet_->path() + "/sys";
  const std::string host_dir = sys + "/class/infiniband_srp/srp-dmn-ini-1";
  std::filesystem::create_directories(host_dir);
  const std::string add_target = host_dir + "/add_target";
  std::ofstream(add_target) << "";
  const std::vector<std::string> base = {Daemon(), "-e", "-o", "--soft-port",  "dmn-ini", "-t",
                                         "500",    "-r", "1",  "--sysfs-root", sys};
  // --dry-run: the command for the discovering port's host, nothing written.
  auto args = base;
  args.push_back("--dry-run");
  auto dry = RunCommand(args);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(dry.out, "echo '" + target.IbTarget() + "' > " + add_target + "\n");
  std::ifstream empty(add_target);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(empty), {}), "");

  auto run = RunCommand(base);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream written(add_target);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(written), {}), target.IbTarget());

  // A SCSI host of srp-dmn-ini-1 serving the target: skipped (no second login).
  auto t = wire::ParseTargetString(target.IbTarget());
  ASSERT_TRUE(t.ok());
  const std::string scsi = sys + "/class/scsi_host/host7";
  std::filesystem::create_directories(scsi);
  auto put = [&](const std::string& k, const std::string& v) {
    std::ofstream(scsi + "/" + k) << v;
  };
  put("local_ib_device", "dmn-ini");
  put("local_ib_port", "1");
  put("id_ext", fmt::format("0x{:016x}", t->id_ext));
  put("ioc_guid", fmt::format("0x{:016x}", t->ioc_guid));
  put("service_id", fmt::format("0x{:016x}", *t->service_id));
  put("pkey", fmt::format("0x{:04x}", *t->pkey));
  put("dgid", FormatGidColon(*t->dgid));
  std::ofstream(add_target) << "";
  auto again = RunCommand(base);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::ifstream untouched(add_target);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(untouched), {}), "");
}

}  // namespace
}  // namespace srp::daemon_test
