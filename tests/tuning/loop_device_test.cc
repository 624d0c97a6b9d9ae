// Integration test on a real loop device (root only; skipped otherwise).
// Always detaches the loop device and removes its backing file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "tests/tuning/test_util.h"
#include "tuning/knob_set.h"
#include "tuning/rq_affinity_knob.h"
#include "tuning/scheduler_knob.h"

namespace srp::tuning {
namespace {

// Runs `command`, returning its trimmed stdout, or "" on failure.
std::string Run(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  if (::pclose(pipe) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

class LoopDevice {
 public:
  explicit LoopDevice(const std::string& backing) {
    device_ = Run("losetup -f --show " + backing + " 2>/dev/null");
  }
  ~LoopDevice() {
    if (!device_.empty()) Run("losetup -d " + device_ + " 2>/dev/null");
  }
  // "loop3" for "/dev/loop3"; "" if attaching failed.
  std::string name() const { return device_.substr(device_.rfind('/') + 1); }
  bool ok() const { return device_.rfind("/dev/loop", 0) == 0; }

 private:
  std::string device_;
};

TEST(LoopDeviceTest, SchedulerAndRqAffinityOnRealDevice) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to attach a loop device";
  if (::access("/usr/sbin/losetup", X_OK) != 0 && ::access("/sbin/losetup", X_OK) != 0)
    GTEST_SKIP() << "losetup is unavailable";
  testing::TempDir dir;
  std::string backing = dir.path() + "/backing.img";
  { std::ofstream(backing).seekp((8 << 20) - 1) << '\0'; }
  LoopDevice loop(backing);
  if (!loop.ok()) GTEST_SKIP() << "losetup -f --show failed (no loop devices in this container?)";
  FsRoot fs("/");
  std::string sched_path = "/sys/block/" + loop.name() + "/queue/scheduler";
  std::string rq_path = "/sys/block/" + loop.name() + "/queue/rq_affinity";
  if (!fs.Exists(sched_path)) GTEST_SKIP() << sched_path << " missing (sysfs not mounted?)";
  std::string sched_before = *fs.ReadTrimmed(sched_path);
  std::string rq_before = *fs.ReadTrimmed(rq_path);
  SchedulerChoice choice = ParseSchedulerList(sched_before);
  std::string other = choice.active == "none" ? "mq-deadline" : "none";
  {
    KnobSet set;
    std::vector<KnobSetting> settings;
    settings.push_back({std::make_unique<SchedulerKnob>(fs, loop.name()), other});
    settings.push_back(
        {std::make_unique<RqAffinityKnob>(fs, loop.name()), rq_before == "2" ? "1" : "2"});
    Status s = set.Apply(std::move(settings));
    if (s.code() == StatusCode::kPermissionDenied || s.code() == StatusCode::kInvalidArgument)
      GTEST_SKIP() << "sysfs not writable here: " << s.ToString();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(ParseSchedulerList(*fs.ReadTrimmed(sched_path)).active,
              *MapSchedulerName(other, choice.available));
    ASSERT_TRUE(set.RestoreAll().ok());
  }
  EXPECT_EQ(*fs.ReadTrimmed(sched_path), sched_before);
  EXPECT_EQ(*fs.ReadTrimmed(rq_path), rq_before);
}

}  // namespace
}  // namespace srp::tuning
