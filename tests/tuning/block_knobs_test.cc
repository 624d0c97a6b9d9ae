#include <gtest/gtest.h>

#include "tests/tuning/test_util.h"
#include "tuning/rq_affinity_knob.h"
#include "tuning/scheduler_knob.h"

namespace srp::tuning {
namespace {

using testing::TempDir;
using testing::TestFs;

constexpr char kSched[] = "/sys/block/loop0/queue/scheduler";
constexpr char kRq[] = "/sys/block/loop0/queue/rq_affinity";

TEST(SchedulerParseTest, BracketMarksActive) {
  SchedulerChoice c = ParseSchedulerList("[mq-deadline] kyber bfq none\n");
  EXPECT_EQ(c.active, "mq-deadline");
  EXPECT_EQ(c.available, (std::vector<std::string>{"mq-deadline", "kyber", "bfq", "none"}));
  EXPECT_EQ(ParseSchedulerList("none [kyber]").active, "kyber");
  EXPECT_EQ(ParseSchedulerList("noop deadline [cfq]").active, "cfq");
  EXPECT_EQ(ParseSchedulerList("none").active, "none");
  EXPECT_EQ(ParseSchedulerList("none kyber").active, "");
}

TEST(SchedulerMapTest, MapsLegacyNames) {
  std::vector<std::string> mq = {"mq-deadline", "kyber", "bfq", "none"};
  EXPECT_EQ(*MapSchedulerName("noop", mq), "none");
  EXPECT_EQ(*MapSchedulerName("deadline", mq), "mq-deadline");
  EXPECT_EQ(*MapSchedulerName("kyber", mq), "kyber");
  EXPECT_EQ(*MapSchedulerName("none", mq), "none");
  std::vector<std::string> legacy = {"noop", "deadline", "cfq"};
  EXPECT_EQ(*MapSchedulerName("noop", legacy), "noop");
  EXPECT_EQ(*MapSchedulerName("none", legacy), "noop");
  EXPECT_EQ(*MapSchedulerName("mq-deadline", legacy), "deadline");
}

TEST(SchedulerMapTest, UnknownNameListsChoices) {
  Result<std::string> r = MapSchedulerName("cfq", {"mq-deadline", "kyber", "bfq", "none"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("available: mq-deadline kyber bfq none"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(MapSchedulerName("noop", {"mq-deadline", "kyber"}).ok());
}

class SchedulerKnobTest : public ::testing::Test {
 protected:
  TempDir dir_;
  TestFs fs_{dir_};
};

TEST_F(SchedulerKnobTest, ApplyMapsWritesAndRestores) {
  fs_.Put(kSched, "[mq-deadline] kyber bfq none\n");
  SchedulerKnob knob(fs_, "loop0");
  EXPECT_EQ(knob.name(), "scheduler:loop0");
  EXPECT_EQ(*knob.Read(), "mq-deadline");
  ASSERT_TRUE(knob.Apply("noop").ok());
  EXPECT_EQ(fs_.Get(kSched), "mq-deadline kyber bfq [none]");
  EXPECT_EQ(knob.original(), "mq-deadline");
  EXPECT_EQ(knob.applied(), "none");
  ASSERT_TRUE(knob.Restore().ok());
  EXPECT_EQ(fs_.Get(kSched), "[mq-deadline] kyber bfq none");
  EXPECT_TRUE(knob.Restore().ok());  // idempotent
  EXPECT_EQ(fs_.writes.size(), 2u);
}

TEST_F(SchedulerKnobTest, DeadlineMapsToMqDeadline) {
  fs_.Put(kSched, "mq-deadline kyber bfq [none]\n");
  SchedulerKnob knob(fs_, "loop0");
  ASSERT_TRUE(knob.Apply("deadline").ok());
  EXPECT_EQ(fs_.writes, std::vector<std::string>{std::string(kSched) + "=mq-deadline"});
}

TEST_F(SchedulerKnobTest, UnknownNameWritesNothing) {
  fs_.Put(kSched, "[mq-deadline] kyber bfq none\n");
  SchedulerKnob knob(fs_, "loop0");
  Status s = knob.Apply("cfq");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("mq-deadline kyber bfq none"), std::string::npos);
  EXPECT_TRUE(fs_.writes.empty());
}

TEST_F(SchedulerKnobTest, MissingDeviceIsNotFound) {
  SchedulerKnob knob(fs_, "nosuch");
  EXPECT_EQ(knob.Apply("none").code(), StatusCode::kNotFound);
}

TEST_F(SchedulerKnobTest, RqAffinityAcceptsOnly012) {
  fs_.Put(kRq, "1\n");
  RqAffinityKnob knob(fs_, "loop0");
  EXPECT_EQ(knob.name(), "rq_affinity:loop0");
  for (const char* bad : {"3", "-1", "", "1 ", "two"}) {
    EXPECT_EQ(knob.Apply(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(fs_.writes.empty());
  for (const char* good : {"0", "2", "1"}) {
    ASSERT_TRUE(knob.Apply(good).ok()) << good;
    EXPECT_EQ(fs_.Get(kRq), good);
  }
  ASSERT_TRUE(knob.Apply("2").ok());
  ASSERT_TRUE(knob.Restore().ok());
  EXPECT_EQ(fs_.Get(kRq), "1");
}

TEST_F(SchedulerKnobTest, VerifyByReadBackFails) {
  fs_.Put(kRq, "1\n");
  fs_.ignore_writes.insert(kRq);
  RqAffinityKnob knob(fs_, "loop0");
  Status s = knob.Apply("2");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("read back '1'"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace srp::tuning
