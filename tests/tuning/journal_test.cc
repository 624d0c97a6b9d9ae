#include "tuning/journal.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/tuning/test_util.h"
#include "tuning/knob_set.h"
#include "tuning/rq_affinity_knob.h"
#include "tuning/scheduler_knob.h"

namespace srp::tuning {
namespace {

using testing::TempDir;
using testing::TestFs;

constexpr char kSched[] = "/sys/block/loop0/queue/scheduler";
constexpr char kRq[] = "/sys/block/loop0/queue/rq_affinity";

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(JournalFormatTest, RoundTripsWithEscapes) {
  std::vector<JournalEntry> entries = {{"scheduler", "loop0", "mq-deadline"},
                                       {"odd", "a\tb", "x\\y\nz"},
                                       {"cpu_pinning", "pid 1234", "0-3,8"}};
  std::string text = "srp-tuning-journal 1\n";
  for (const JournalEntry& e : entries) text += FormatJournalLine(e);
  EXPECT_EQ(FormatJournalLine(entries[1]), "odd\ta\\tb\tx\\\\y\\nz\n");
  Result<std::vector<JournalEntry>> parsed = ParseJournal(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, entries);
}

TEST(JournalFormatTest, IgnoresTornLastLineRejectsGarbage) {
  Result<std::vector<JournalEntry>> parsed =
      ParseJournal("srp-tuning-journal 1\nscheduler\tloop0\tnone\nrq_aff");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->size(), 1u);
  EXPECT_FALSE(ParseJournal("hello\n").ok());
  EXPECT_FALSE(ParseJournal("srp-tuning-journal 1\nno tabs here\n").ok());
  EXPECT_FALSE(ParseJournal("srp-tuning-journal 1\na\tb\tc\\q\n").ok());
}

class JournalRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_.Put(kSched, "[mq-deadline] kyber bfq none\n");
    fs_.Put(kRq, "1\n");
  }
  KnobSetOptions Options() const {
    KnobSetOptions options;
    options.journal_path = path_;
    return options;
  }
  std::vector<KnobSetting> Settings(const char* sched, const char* rq) {
    std::vector<KnobSetting> settings;
    settings.push_back({std::make_unique<SchedulerKnob>(fs_, "loop0"), sched});
    settings.push_back({std::make_unique<RqAffinityKnob>(fs_, "loop0"), rq});
    return settings;
  }

  TempDir dir_;
  TestFs fs_{dir_};
  std::string path_ = dir_.path() + "/tuning.journal";
};

TEST_F(JournalRestoreTest, JournalRecordsOriginalsBeforeWrites) {
  KnobSet set(Options());
  ASSERT_TRUE(set.Apply(Settings("none", "2")).ok());
  EXPECT_EQ(Slurp(path_),
            "srp-tuning-journal 1\nscheduler\tloop0\tmq-deadline\nrq_affinity\tloop0\t1\n");
}

TEST_F(JournalRestoreTest, RestoresAbandonedRunAndRemovesJournal) {
  {
    KnobSet set(Options());
    ASSERT_TRUE(set.Apply(Settings("kyber", "2")).ok());
    // A second batch re-tunes rq_affinity: the journal gets a second entry
    // whose "original" is our own value 2; the earliest one must win.
    std::vector<KnobSetting> more;
    more.push_back({std::make_unique<RqAffinityKnob>(fs_, "loop0"), "0"});
    ASSERT_TRUE(set.Apply(std::move(more)).ok());
    set.AbandonForTest();  // as if killed: nothing restored
  }
  EXPECT_EQ(fs_.Get(kSched), "mq-deadline [kyber] bfq none");
  EXPECT_EQ(fs_.Get(kRq), "0");
  ASSERT_TRUE(std::filesystem::exists(path_));

  std::vector<KnobRecord> records;
  Status s = RestoreFromJournal(path_, fs_, {}, &records);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fs_.Get(kSched), "[mq-deadline] kyber bfq none");
  EXPECT_EQ(fs_.Get(kRq), "1");
  EXPECT_FALSE(std::filesystem::exists(path_));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].name, "rq_affinity:loop0");
  EXPECT_EQ(records[0].before, "0");
  EXPECT_EQ(records[2].name, "scheduler:loop0");
  EXPECT_EQ(records[2].after_restore, "mq-deadline");
  EXPECT_EQ(RestoreFromJournal(path_, fs_).code(), StatusCode::kNotFound);
}

TEST_F(JournalRestoreTest, RestoresAfterSigkilledChild) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto* set = new KnobSet(Options());  // never destroyed: SIGKILL
    if (!set->Apply(Settings("bfq", "0")).ok()) ::_exit(2);
    ::raise(SIGKILL);
    ::_exit(3);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
  EXPECT_EQ(fs_.Get(kSched), "mq-deadline kyber [bfq] none");
  EXPECT_EQ(fs_.Get(kRq), "0");
  ASSERT_TRUE(RestoreFromJournal(path_, fs_).ok());
  EXPECT_EQ(fs_.Get(kSched), "[mq-deadline] kyber bfq none");
  EXPECT_EQ(fs_.Get(kRq), "1");
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(JournalRestoreTest, SkipsWhatNeedNotBeRestored) {
  {
    Result<std::unique_ptr<RestoreJournal>> journal = RestoreJournal::Create(path_);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->Append({"thread_mode", "srp-target", "0"}).ok());
    ASSERT_TRUE((*journal)->Append({"rq_affinity", "loop0", "2"}).ok());
  }
  std::vector<KnobRecord> records;
  ASSERT_TRUE(RestoreFromJournal(path_, fs_, {}, &records).ok());
  EXPECT_EQ(fs_.Get(kRq), "2");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].status.rfind("skipped", 0), 0u) << records[1].status;

  std::vector<int> modes;
  KnobDeps deps;
  deps.thread_mode = [&](int mode) {
    modes.push_back(mode);
    return Status::Ok();
  };
  {
    Result<std::unique_ptr<RestoreJournal>> journal = RestoreJournal::Create(path_);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->Append({"thread_mode", "srp-target", "1"}).ok());
  }
  ASSERT_TRUE(RestoreFromJournal(path_, fs_, deps).ok());
  EXPECT_EQ(modes, std::vector<int>{1});
}

TEST_F(JournalRestoreTest, FailureKeepsJournal) {
  {
    Result<std::unique_ptr<RestoreJournal>> journal = RestoreJournal::Create(path_);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->Append({"rq_affinity", "gone0", "1"}).ok());
    ASSERT_TRUE((*journal)->Append({"rq_affinity", "loop0", "2"}).ok());
  }
  EXPECT_FALSE(RestoreFromJournal(path_, fs_).ok());
  EXPECT_EQ(fs_.Get(kRq), "2");  // the others are still restored
  EXPECT_TRUE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace srp::tuning
