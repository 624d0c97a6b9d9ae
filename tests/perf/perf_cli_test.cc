// srp-perf end to end through the executable: the default-style sweep over
// thread modes on the soft fabric, --dry-run golden output, bad command
// lines, Ctrl-C and SIGKILL with the restore journal, a real loop device.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "reports/schema_check.h"
#include "tests/perf/perf_test_util.h"

namespace srp::perf {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileText;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFileText;

std::string Perf() { return testing::BinDir() + "/srp-perf"; }

#define REQUIRE_BIN()                                                        \
  do {                                                                       \
    if (testing::BinDir().empty()) GTEST_SKIP() << "SRP_TEST_BIN_DIR unset"; \
  } while (0)

// A fake /sys and /proc: block device "srpfake0" and two mlx5 completion IRQs.
void MakeFakeTree(const std::string& root) {
  WriteFileText(root + "/sys/block/srpfake0/queue/scheduler", "[mq-deadline] kyber none\n");
  WriteFileText(root + "/sys/block/srpfake0/queue/rq_affinity", "1\n");
  WriteFileText(root + "/proc/interrupts",
                "            CPU0       CPU1\n"
                "  40:          5          0  PCI-MSI 1-edge      mlx5_async0@pci:0000:03:00.0\n"
                "  41:        100          0  PCI-MSI 2-edge      mlx5_comp0@pci:0000:03:00.0\n"
                "  42:          0        100  PCI-MSI 3-edge      mlx5_comp1@pci:0000:03:00.0\n");
  for (int irq : {40, 41, 42}) {
    WriteFileText(root + "/proc/irq/" + std::to_string(irq) + "/smp_affinity_list", "0-3\n");
  }
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const fs::path golden = fs::path(SRP_PERF_GOLDEN_DIR) / name;
  if (std::getenv("SRP_UPDATE_GOLDEN") != nullptr) WriteFileText(golden.string(), actual);
  EXPECT_EQ(actual, ReadFileText(golden.string()))
      << "golden " << golden << " differs; rerun with SRP_UPDATE_GOLDEN=1 to update";
}

nlohmann::json LoadJson(const std::string& path) {
  return nlohmann::json::parse(ReadFileText(path), nullptr, false);
}

TEST(PerfCliTest, SweepsThreadModesOnTheSoftFabric) {
  REQUIRE_BIN();
  TempDir dir;
  const std::string out = dir.path() + "/results";
  testing::CommandResult r =
      RunCommand(Perf() + " sweep --thread=0,1 --runtime 1 --out " + out, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("[1/2] thread=0,rep=1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ETA"), std::string::npos);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(out + "/runs")) files.push_back(e.path().string());
  ASSERT_EQ(files.size(), 2u);
  for (const std::string& file : files) {
    Status valid = reports::ValidateResultFile(file);
    EXPECT_TRUE(valid.ok()) << file << ": " << valid.ToString();
    nlohmann::json j = LoadJson(file);
    const int thread = j["configuration"]["thread"];
    EXPECT_EQ(j["target"]["thread"], thread);
    EXPECT_EQ(j["target"]["handler"], "nullio");
    EXPECT_FALSE(j.contains("error")) << j["error"];
    EXPECT_GT(j["jobs"][0]["read"]["iops"].get<double>(), 0);
    EXPECT_GT(j["jobs"][0]["read"]["clat_ns"]["percentile"]["99.000000"].get<double>(), 0);
    // The thread-mode knob was applied and put back to the starting mode.
    ASSERT_EQ(j["tuning"].size(), 1u);
    EXPECT_EQ(j["tuning"][0]["knob"], "thread_mode");
    EXPECT_EQ(j["tuning"][0]["status"], "applied");
    EXPECT_EQ(j["tuning"][0]["applied"], std::to_string(thread));
    EXPECT_EQ(j["tuning"][0]["after_restore"], "0");
  }
  Status valid = reports::ValidateSummaryFile(out + "/summary.json");
  EXPECT_TRUE(valid.ok()) << valid.ToString();
  nlohmann::json summary = LoadJson(out + "/summary.json");
  ASSERT_EQ(summary["runs"].size(), 2u);
  EXPECT_EQ(summary["axes"]["thread"], nlohmann::json::array({0, 1}));
  for (const auto& run : summary["runs"]) EXPECT_GT(run["read_iops"].get<double>(), 0);
  EXPECT_FALSE(fs::exists(out + "/tuning.journal"));  // removed after a clean restore

  // The report subcommand renders what the sweep wrote.
  testing::CommandResult rep =
      RunCommand(Perf() + " report " + out + " --out " + dir.path() + "/report", dir.path());
  EXPECT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_TRUE(fs::exists(dir.path() + "/report/report.md"));
  EXPECT_TRUE(fs::exists(dir.path() + "/report/report.html"));
}

TEST(PerfCliTest, DryRunGoldenAndNothingChanges) {
  REQUIRE_BIN();
  TempDir dir;
  const std::string root = dir.path() + "/root";
  MakeFakeTree(root);
  testing::CommandResult r =
      RunCommand(Perf() +
                     " sweep --engine libaio --filename /dev/srpfake0 --scheduler=none,deadline "
                     "--rq-affinity=2 --irq-affinity 'mlx5_comp*:1' --irq-affinity 'nosuch*:0' "
                     "--sysfs-root " +
                     root + " --procfs-root " + root + " --dry-run",
                 dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ExpectGolden("dry_run_libaio.txt", r.out);
  EXPECT_EQ(ReadFileText(root + "/sys/block/srpfake0/queue/scheduler"),
            "[mq-deadline] kyber none\n");
  EXPECT_EQ(ReadFileText(root + "/sys/block/srpfake0/queue/rq_affinity"), "1\n");
  EXPECT_EQ(ReadFileText(root + "/proc/irq/41/smp_affinity_list"), "0-3\n");

  // The default sweep (our target on the soft fabric): only the thread-mode knob.
  r = RunCommand(Perf() + " sweep --dry-run --sysfs-root " + root + " --procfs-root " + root,
                 dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ExpectGolden("dry_run_default.txt", r.out);
}

TEST(PerfCliTest, BadCommandLinesGiveClearErrors) {
  REQUIRE_BIN();
  TempDir dir;
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"sweep --thread=0,2 --out x", "'2'"},
      {"sweep --bs 4q --out x", "--bs"},
      {"sweep --bs 1000 --out x", "multiple of 512"},
      {"sweep --rw sideways --out x", "sideways"},
      {"sweep --engine nvme --out x", "--engine 'nvme'"},
      {"sweep --engine libaio --out x", "needs --filename"},
      {"sweep --engine libaio --filename f --target t --out x", "--target is for the srp engine"},
      {"sweep --thread=0,1", "--out"},
      {"run --bs 4k,8k", "one value per option"},
      {"sweep --runtime 0 --out x", "--runtime"},
      {"sweep --runtime soon --out x", "soon"},
      {"sweep --irq-affinity mlx5 --out x", "PATTERN:CPUS"},
      {"sweep --repeat 0 --out x", "--repeat"},
      {"sweep --numjobs 0 --out x", "numjobs"},
      {"sweep --fabric carrier-pigeon --target t --out x", "carrier-pigeon"},
      {"frobnicate", "subcommand"},
  };
  for (const Case& c : cases) {
    testing::CommandResult r = RunCommand(Perf() + " " + c.args, dir.path());
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE((r.err + r.out).find(c.message), std::string::npos) << c.args << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(dir.path() + "/x"));
}

TEST(PerfCliTest, RunPinsTheWorkloadAndRestores) {
  REQUIRE_BIN();
  TempDir dir;
  testing::CommandResult r =
      RunCommand(Perf() + " run --cpus 0x1 --runtime 0.2 --iodepth 2", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << r.out;
  EXPECT_TRUE(reports::ValidateResultDocument(doc).ok());
  EXPECT_EQ(doc["config_id"], "cpus=0,iodepth=2,rep=1");
  ASSERT_EQ(doc["tuning"].size(), 1u);
  EXPECT_EQ(doc["tuning"][0]["knob"], "cpu_pinning");
  EXPECT_EQ(doc["tuning"][0]["applied"], "0");
  EXPECT_EQ(doc["tuning"][0]["status"], "applied");
  EXPECT_EQ(doc["tuning"][0]["after_restore"], doc["tuning"][0]["before"]);
  EXPECT_GT(doc["jobs"][0]["read"]["total_ios"].get<uint64_t>(), 0u);
}

// Starts `srp-perf` in the background; returns its pid.
pid_t Spawn(const std::string& args, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string cmd = "exec " + Perf() + " " + args + " >" + log + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits (bounded) until `path` reads `value` (trimmed).
bool WaitFor(const std::string& path, const std::string& value) {
  for (int i = 0; i < 500; ++i) {
    if (Trimmed(ReadFileText(path)) == value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int WaitExit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(PerfCliTest, RestoreAfterSigkill) {
  REQUIRE_BIN();
  TempDir dir;
  const std::string root = dir.path() + "/root";
  MakeFakeTree(root);
  const std::string out = dir.path() + "/out";
  const std::string irq41 = root + "/proc/irq/41/smp_affinity_list";
  const pid_t pid = Spawn("sweep --engine libaio --filename " + dir.path() +
                              "/data.img --size 1m --runtime 30 --irq-affinity 'mlx5_comp*:1' "
                              "--sysfs-root " +
                              root + " --procfs-root " + root + " --out " + out,
                          dir.path() + "/log");
  ASSERT_TRUE(WaitFor(root + "/proc/irq/42/smp_affinity_list", "1"))
      << ReadFileText(dir.path() + "/log");
  EXPECT_EQ(Trimmed(ReadFileText(irq41)), "1");
  ::kill(pid, SIGKILL);
  WaitExit(pid);
  ASSERT_TRUE(fs::exists(out + "/tuning.journal"));

  // A new sweep into the same directory refuses until the journal is restored.
  testing::CommandResult again = RunCommand(Perf() + " sweep --engine libaio --filename " +
                                                dir.path() + "/data.img --runtime 1 --out " + out +
                                                " --procfs-root " + root + " --sysfs-root " + root,
                                            dir.path());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("srp-perf restore"), std::string::npos) << again.err;

  testing::CommandResult r = RunCommand(
      Perf() + " restore " + out + " --sysfs-root " + root + " --procfs-root " + root, dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("irq_affinity:41"), std::string::npos) << r.out;
  EXPECT_EQ(Trimmed(ReadFileText(irq41)), "0-3");
  EXPECT_EQ(Trimmed(ReadFileText(root + "/proc/irq/42/smp_affinity_list")), "0-3");
  EXPECT_FALSE(fs::exists(out + "/tuning.journal"));
  r = RunCommand(Perf() + " restore " + out, dir.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("nothing to restore"), std::string::npos);
}

TEST(PerfCliTest, CtrlCRestoresAndKeepsResults) {
  REQUIRE_BIN();
  TempDir dir;
  const std::string root = dir.path() + "/root";
  MakeFakeTree(root);
  const std::string out = dir.path() + "/out";
  const pid_t pid = Spawn("sweep --engine libaio --filename " + dir.path() +
                              "/data.img --size 1m --runtime 30 --iodepth=1,2 "
                              "--irq-affinity 'mlx5_comp*:1' --sysfs-root " +
                              root + " --procfs-root " + root + " --out " + out,
                          dir.path() + "/log");
  ASSERT_TRUE(WaitFor(root + "/proc/irq/41/smp_affinity_list", "1"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGINT);
  const int status = WaitExit(pid);
  ASSERT_TRUE(WIFEXITED(status)) << ReadFileText(dir.path() + "/log");
  EXPECT_EQ(WEXITSTATUS(status), 130) << ReadFileText(dir.path() + "/log");
  EXPECT_EQ(Trimmed(ReadFileText(root + "/proc/irq/41/smp_affinity_list")), "0-3");
  EXPECT_FALSE(fs::exists(out + "/tuning.journal"));
  nlohmann::json summary = LoadJson(out + "/summary.json");
  ASSERT_EQ(summary["runs"].size(), 1u);  // the second configuration never started
  nlohmann::json run = LoadJson(out + "/" + summary["runs"][0]["file"].get<std::string>());
  EXPECT_NE(run["error"].get<std::string>().find("interrupted"), std::string::npos);
  EXPECT_GT(run["jobs"][0]["read"]["total_ios"].get<uint64_t>(), 0u);
  EXPECT_EQ(run["tuning"][0]["after_restore"], "0-3");
  EXPECT_TRUE(reports::ValidateSummaryFile(out + "/summary.json").ok());
}

// Runs `command`, returning its trimmed stdout, or "" on failure.
std::string Shell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  if (::pclose(pipe) != 0) return "";
  return Trimmed(out);
}

TEST(PerfCliTest, LoopDeviceKnobsAndEngines) {
  REQUIRE_BIN();
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to attach a loop device";
  TempDir dir;
  const std::string backing = dir.path() + "/backing.img";
  { std::ofstream(backing).seekp((8 << 20) - 1) << '\0'; }
  const std::string dev = Shell("losetup -f --show " + backing + " 2>/dev/null");
  if (dev.rfind("/dev/loop", 0) != 0) GTEST_SKIP() << "no loop device available";
  const std::string name = dev.substr(5);
  const std::string sched = "/sys/block/" + name + "/queue/scheduler";
  const std::string rq = "/sys/block/" + name + "/queue/rq_affinity";
  const std::string sched_before = ReadFileText(sched), rq_before = ReadFileText(rq);
  const bool have_fio = ::access("/usr/bin/fio", X_OK) == 0;
  for (const char* engine : {"libaio", "fio"}) {
    const std::string e = engine;
    if (e == "fio" && !have_fio) continue;
    const std::string out = dir.path() + "/out-" + e;
    testing::CommandResult r = RunCommand(
        Perf() + " sweep --engine " + e + " --filename " + dev +
            " --scheduler=none,mq-deadline --rq-affinity=2 --runtime 1 --quiet --out " + out,
        dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json summary = LoadJson(out + "/summary.json");
    ASSERT_EQ(summary["runs"].size(), 2u) << r.err;
    for (const auto& run : summary["runs"]) {
      EXPECT_GT(run["read_iops"].get<double>(), 0) << e;
      nlohmann::json doc = LoadJson(out + "/" + run["file"].get<std::string>());
      EXPECT_TRUE(reports::ValidateResultDocument(doc).ok());
      ASSERT_EQ(doc["tuning"].size(), 2u);
      EXPECT_EQ(doc["tuning"][0]["knob"], "scheduler");
      EXPECT_EQ(doc["tuning"][0]["target"], name);
      EXPECT_EQ(doc["tuning"][0]["status"], "applied");
      EXPECT_EQ(doc["tuning"][0]["applied"], doc["configuration"]["scheduler"]);
      EXPECT_EQ(doc["tuning"][1]["applied"], "2");
    }
  }
  EXPECT_EQ(ReadFileText(sched), sched_before);
  EXPECT_EQ(ReadFileText(rq), rq_before);
  Shell("losetup -d " + dev);
}

}  // namespace
}  // namespace srp::perf
