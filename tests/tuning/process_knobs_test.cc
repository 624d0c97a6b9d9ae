#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "tests/tuning/test_util.h"
#include "tuning/cpu_pinning_knob.h"
#include "tuning/knob_factory.h"
#include "tuning/thread_mode_knob.h"

namespace srp::tuning {
namespace {

class FakeAffinityApi : public AffinityApi {
 public:
  Result<CpuSet> Get(pid_t pid) override {
    auto it = affinity.find(pid);
    if (it == affinity.end()) return Status::FromErrno(ESRCH, "sched_getaffinity");
    return it->second;
  }
  Status Set(pid_t pid, const CpuSet& cpus) override {
    ++sets;
    if (!affinity.count(pid)) return Status::FromErrno(ESRCH, "sched_setaffinity");
    if (!ignore_sets) affinity[pid] = cpus;
    return Status::Ok();
  }
  std::map<pid_t, CpuSet> affinity;
  bool ignore_sets = false;
  int sets = 0;
};

TEST(CpuPinningKnobTest, TasksetListAndMaskSemantics) {
  FakeAffinityApi api;
  api.affinity[1234] = {0, 1, 2, 3};
  CpuPinningKnob knob(api, 1234);
  EXPECT_EQ(knob.name(), "cpu_pinning:pid 1234");
  EXPECT_EQ(*knob.Read(), "0-3");
  ASSERT_TRUE(knob.Apply("0,2-3").ok());
  EXPECT_EQ(api.affinity[1234], (CpuSet{0, 2, 3}));
  ASSERT_TRUE(knob.Apply("0x2").ok());  // like `taskset -p 0x2`
  EXPECT_EQ(api.affinity[1234], CpuSet{1});
  EXPECT_EQ(knob.original(), "0-3");  // captured before the FIRST Apply
  ASSERT_TRUE(knob.Restore().ok());
  EXPECT_EQ(api.affinity[1234], (CpuSet{0, 1, 2, 3}));
}

TEST(CpuPinningKnobTest, RejectsBadValuesAndDetectsNoEffect) {
  FakeAffinityApi api;
  api.affinity[7] = {0, 1};
  CpuPinningKnob knob(api, 7);
  EXPECT_EQ(knob.Apply("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(knob.Apply("0x0").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api.sets, 0);
  api.ignore_sets = true;
  EXPECT_FALSE(knob.Apply("1").ok());
  CpuPinningKnob gone(api, 99);
  EXPECT_FALSE(gone.Apply("1").ok());
}

TEST(CpuPinningKnobTest, LinuxApiReadsOwnAffinity) {
  std::unique_ptr<AffinityApi> api = MakeLinuxAffinityApi();
  Result<CpuSet> cpus = api->Get(0);
  ASSERT_TRUE(cpus.ok()) << cpus.status().ToString();
  EXPECT_FALSE(cpus->empty());
  // Setting our own affinity to what it already is changes nothing.
  EXPECT_TRUE(api->Set(0, *cpus).ok());
}

TEST(ThreadModeKnobTest, CallsRestartCallback) {
  std::vector<int> restarts;
  ThreadModeKnob knob("srp-target", 0, [&](int mode) {
    restarts.push_back(mode);
    return Status::Ok();
  });
  EXPECT_EQ(knob.name(), "thread_mode:srp-target");
  EXPECT_EQ(*knob.Read(), "0");
  ASSERT_TRUE(knob.Apply("1").ok());
  EXPECT_EQ(*knob.Read(), "1");
  EXPECT_EQ(knob.Apply("2").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(knob.Restore().ok());
  EXPECT_EQ(restarts, (std::vector<int>{1, 0}));
}

TEST(ThreadModeKnobTest, RestartFailureIsAnError) {
  ThreadModeKnob knob("t", 0, [](int) { return Status(StatusCode::kUnavailable, "no target"); });
  EXPECT_EQ(knob.Apply("1").code(), StatusCode::kUnavailable);
  EXPECT_EQ(*knob.Read(), "0");
}

TEST(KnobFactoryTest, BuildsEveryKind) {
  testing::TempDir dir;
  testing::TestFs fs(dir);
  FakeAffinityApi api;
  KnobDeps deps{&fs, &api, [](int) { return Status::Ok(); }};
  for (auto [kind, target] :
       std::vector<std::pair<const char*, const char*>>{{"scheduler", "loop0"},
                                                        {"rq_affinity", "loop0"},
                                                        {"irq_affinity", "42"},
                                                        {"cpu_pinning", "pid 1234"},
                                                        {"thread_mode", "srp-target"}}) {
    Result<std::unique_ptr<TuningKnob>> knob = MakeKnob(kind, target, deps);
    ASSERT_TRUE(knob.ok()) << kind << ": " << knob.status().ToString();
    EXPECT_EQ((*knob)->name(), std::string(kind) + ":" + target);
  }
  EXPECT_FALSE(MakeKnob("bogus", "x", deps).ok());
  EXPECT_FALSE(MakeKnob("scheduler", "../etc", deps).ok());
  EXPECT_FALSE(MakeKnob("irq_affinity", "x", deps).ok());
  EXPECT_FALSE(MakeKnob("scheduler", "loop0", KnobDeps{}).ok());
  EXPECT_FALSE(MakeKnob("cpu_pinning", "pid 1", KnobDeps{}).ok());
}

}  // namespace
}  // namespace srp::tuning
