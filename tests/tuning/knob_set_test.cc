#include "tuning/knob_set.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tuning/test_util.h"
#include "tuning/irq_affinity_knob.h"
#include "tuning/rq_affinity_knob.h"
#include "tuning/scheduler_knob.h"
#include "tuning/signal_restore.h"

namespace srp::tuning {
namespace {

using testing::TempDir;
using testing::TestFs;

constexpr char kSched[] = "/sys/block/loop0/queue/scheduler";
constexpr char kRq[] = "/sys/block/loop0/queue/rq_affinity";
constexpr char kIrq[] = "/proc/irq/42/smp_affinity_list";

class KnobSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_.Put(kSched, "[mq-deadline] kyber bfq none\n");
    fs_.Put(kRq, "1\n");
    fs_.Put(kIrq, "0-7\n");
  }
  std::vector<KnobSetting> Settings(const char* sched, const char* rq, const char* irq) {
    std::vector<KnobSetting> settings;
    settings.push_back({std::make_unique<SchedulerKnob>(fs_, "loop0"), sched});
    settings.push_back({std::make_unique<RqAffinityKnob>(fs_, "loop0"), rq});
    settings.push_back({std::make_unique<IrqAffinityKnob>(fs_, 42), irq});
    return settings;
  }
  void ExpectOriginals() {
    EXPECT_EQ(fs_.Get(kSched), "[mq-deadline] kyber bfq none");
    EXPECT_EQ(fs_.Get(kRq), "1");
    EXPECT_EQ(fs_.Get(kIrq), "0-7");
  }
  std::string JournalPath() const { return dir_.path() + "/journal"; }

  TempDir dir_;
  TestFs fs_{dir_};
};

TEST_F(KnobSetTest, AppliesInOrderRestoresInReverse) {
  KnobSet set;
  ASSERT_TRUE(set.Apply(Settings("noop", "2", "1")).ok());
  EXPECT_EQ(set.applied_count(), 3u);
  EXPECT_EQ(fs_.writes,
            (std::vector<std::string>{std::string(kSched) + "=none", std::string(kRq) + "=2",
                                      std::string(kIrq) + "=1"}));
  fs_.writes.clear();
  ASSERT_TRUE(set.RestoreAll().ok());
  EXPECT_EQ(fs_.writes,
            (std::vector<std::string>{std::string(kIrq) + "=0-7", std::string(kRq) + "=1",
                                      std::string(kSched) + "=mq-deadline"}));
  ExpectOriginals();
  fs_.writes.clear();
  ASSERT_TRUE(set.RestoreAll().ok());  // idempotent
  EXPECT_TRUE(fs_.writes.empty());

  std::vector<KnobRecord> records = set.Records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].name, "scheduler:loop0");
  EXPECT_EQ(records[0].before, "mq-deadline");
  EXPECT_EQ(records[0].applied, "none");
  EXPECT_EQ(records[0].after_restore, "mq-deadline");
  EXPECT_EQ(records[0].status, "ok");
  EXPECT_EQ(records[2].before, "0-7");
  EXPECT_EQ(records[2].applied, "1");
  EXPECT_EQ(records[2].after_restore, "0-7");
}

TEST_F(KnobSetTest, VerifyFailureRollsBackEarlierKnobs) {
  fs_.ignore_writes.insert(kIrq);  // the IRQ value never changes
  KnobSet set;
  Status s = set.Apply(Settings("kyber", "2", "1"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("read back"), std::string::npos) << s.ToString();
  ExpectOriginals();
  EXPECT_EQ(set.applied_count(), 0u);
  // Rollback order: the failing knob, then rq_affinity, then the scheduler.
  ASSERT_GE(fs_.writes.size(), 3u);
  EXPECT_EQ(fs_.writes[fs_.writes.size() - 2], std::string(kRq) + "=1");
  EXPECT_EQ(fs_.writes.back(), std::string(kSched) + "=mq-deadline");
  std::vector<KnobRecord> records = set.Records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].after_restore, "mq-deadline");
  EXPECT_NE(records[2].status, "ok");
}

TEST_F(KnobSetTest, InvalidValueRollsBackAndStopsBeforeLaterKnobs) {
  fs_.Put("/sys/block/loop1/queue/rq_affinity", "0\n");
  std::vector<KnobSetting> settings = Settings("none", "7", "1");
  settings.push_back({std::make_unique<RqAffinityKnob>(fs_, "loop1"), "2"});
  KnobSet set;
  EXPECT_EQ(set.Apply(std::move(settings)).code(), StatusCode::kInvalidArgument);
  ExpectOriginals();
  EXPECT_EQ(fs_.Get("/sys/block/loop1/queue/rq_affinity"), "0");  // never reached
  EXPECT_EQ(fs_.writes, (std::vector<std::string>{std::string(kSched) + "=none",
                                                  std::string(kSched) + "=mq-deadline"}));
}

TEST_F(KnobSetTest, RollbackOnlyUndoesTheFailingBatch) {
  KnobSet set;
  std::vector<KnobSetting> first;
  first.push_back({std::make_unique<SchedulerKnob>(fs_, "loop0"), "none"});
  ASSERT_TRUE(set.Apply(std::move(first)).ok());
  std::vector<KnobSetting> second;
  second.push_back({std::make_unique<RqAffinityKnob>(fs_, "loop0"), "2"});
  second.push_back({std::make_unique<RqAffinityKnob>(fs_, "nosuch"), "2"});
  EXPECT_FALSE(set.Apply(std::move(second)).ok());
  EXPECT_EQ(fs_.Get(kRq), "1");
  EXPECT_EQ(fs_.Get(kSched), "mq-deadline kyber bfq [none]");
  EXPECT_EQ(set.applied_count(), 1u);
}

TEST_F(KnobSetTest, DestructorRestores) {
  {
    KnobSet set;
    ASSERT_TRUE(set.Apply(Settings("bfq", "0", "3-4")).ok());
    EXPECT_EQ(fs_.Get(kRq), "0");
  }
  ExpectOriginals();
}

TEST_F(KnobSetTest, NotSettableIsRecordedNotFailed) {
  fs_.fail_errno[kIrq] = EIO;
  KnobSet set;
  ASSERT_TRUE(set.Apply(Settings("none", "2", "1")).ok());
  EXPECT_EQ(set.applied_count(), 2u);
  std::vector<KnobRecord> records = set.Records();
  EXPECT_EQ(records[2].status.rfind("not settable: kernel-managed IRQ 42", 0), 0u)
      << records[2].status;
  EXPECT_EQ(records[1].status, "ok");
  ASSERT_TRUE(set.RestoreAll().ok());
  ExpectOriginals();
}

TEST_F(KnobSetTest, DryRunChangesNothingAndReportsEveryWrite) {
  std::vector<std::string> lines;
  KnobSetOptions options;
  options.dry_run = true;
  options.journal_path = JournalPath();
  options.report = [&](std::string_view line) { lines.emplace_back(line); };
  {
    KnobSet set(options);
    ASSERT_TRUE(set.Apply(Settings("noop", "2", "0x3")).ok());
    std::vector<KnobRecord> records = set.Records();
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].status, "dry-run");
    EXPECT_EQ(records[0].applied, "none");
    EXPECT_EQ(records[2].applied, "0-1");
    EXPECT_EQ(set.Apply(Settings("cfq", "2", "1")).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(fs_.writes.empty());
  ExpectOriginals();
  EXPECT_FALSE(std::filesystem::exists(JournalPath()));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "dry-run: scheduler:loop0: write 'none' to /sys/block/loop0/queue/scheduler (now "
            "'mq-deadline')");
  EXPECT_EQ(
      lines[1],
      "dry-run: rq_affinity:loop0: write '2' to /sys/block/loop0/queue/rq_affinity (now '1')");
  EXPECT_EQ(lines[2],
            "dry-run: irq_affinity:42: write '0-1' to /proc/irq/42/smp_affinity_list (now '0-7')");
}

TEST_F(KnobSetTest, CleanRestoreRemovesJournal) {
  KnobSetOptions options;
  options.journal_path = JournalPath();
  KnobSet set(options);
  ASSERT_TRUE(set.Apply(Settings("none", "2", "1")).ok());
  EXPECT_TRUE(std::filesystem::exists(JournalPath()));
  ASSERT_TRUE(set.RestoreAll().ok());
  EXPECT_FALSE(std::filesystem::exists(JournalPath()));
}

TEST_F(KnobSetTest, FailedApplyRollbackRemovesJournal) {
  KnobSetOptions options;
  options.journal_path = JournalPath();
  KnobSet set(options);
  EXPECT_FALSE(set.Apply(Settings("none", "2", "")).ok());
  ExpectOriginals();
  EXPECT_FALSE(std::filesystem::exists(JournalPath()));
}

TEST_F(KnobSetTest, SignalGuardInstallsOnceAndUninstalls) {
  KnobSet set;
  Result<std::unique_ptr<SignalRestoreGuard>> guard = InstallRestoreOnSignals(&set);
  ASSERT_TRUE(guard.ok());
  EXPECT_EQ(InstallRestoreOnSignals(&set).status().code(), StatusCode::kAlreadyExists);
  guard->reset();
  Result<std::unique_ptr<SignalRestoreGuard>> again = InstallRestoreOnSignals(&set);
  EXPECT_TRUE(again.ok());
}

// SIGTERM in a child that applied knobs: the watcher restores, then the child
// dies of SIGTERM. Forked before the child creates any thread.
TEST_F(KnobSetTest, SigtermRestoresThenDies) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(20);
    KnobSetOptions options;
    options.journal_path = JournalPath();
    auto* set = new KnobSet(options);  // leaked on purpose: the process dies by signal
    if (!set->Apply(Settings("none", "2", "5")).ok()) ::_exit(2);
    auto guard = InstallRestoreOnSignals(set);
    if (!guard.ok()) ::_exit(3);
    if (fs_.Get(kRq) != "2") ::_exit(4);
    ::kill(::getpid(), SIGTERM);
    for (;;) ::pause();
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "exit code " << WEXITSTATUS(wstatus);
  EXPECT_EQ(WTERMSIG(wstatus), SIGTERM);
  ExpectOriginals();
  EXPECT_FALSE(std::filesystem::exists(JournalPath()));
}

}  // namespace
}  // namespace srp::tuning
