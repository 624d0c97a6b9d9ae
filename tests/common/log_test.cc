#include "lib/common/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace srp {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_level_ = GetLogLevel();
    old_mask_ = GetTraceMask();
    SetLogSink([this](LogLevel level, std::string_view line) {
      lines_.push_back(std::to_string(static_cast<int>(level)) + ":" + std::string(line));
    });
  }
  void TearDown() override {
    SetLogSink({});
    SetLogLevel(old_level_);
    SetTraceMask(old_mask_);
  }
  std::vector<std::string> lines_;
  LogLevel old_level_;
  uint32_t old_mask_;
};

TEST_F(LogTest, LevelFiltersAndFormats) {
  SetLogLevel(LogLevel::kInfo);
  SRP_LOG(kInfo, "port {} up", 1);
  SRP_LOG(kDebug, "hidden {}", 2);
  SRP_LOG(kError, "bad {:04x}", 0x1f);
  EXPECT_EQ(lines_, (std::vector<std::string>{"2:port 1 up", "0:bad 001f"}));
}

TEST_F(LogTest, ArgumentsAreNotEvaluatedWhenDisabled) {
  SetLogLevel(LogLevel::kWarning);
  int calls = 0;
  auto expensive = [&calls] { return ++calls; };
  SRP_LOG(kDebug, "{}", expensive());
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(lines_.empty());
}

TEST_F(LogTest, TraceNeedsLevelAndCategory) {
  SetLogLevel(LogLevel::kTrace);
  SetTraceMask(kTraceLogin);
  SRP_TRACE(kTraceLogin, "login {}", "ok");
  SRP_TRACE(kTraceIu, "iu");
  SetLogLevel(LogLevel::kDebug);
  SRP_TRACE(kTraceLogin, "not at debug");
  EXPECT_EQ(lines_, (std::vector<std::string>{"4:login ok"}));
}

TEST_F(LogTest, ParseLogLevelNames) {
  LogLevel level;
  EXPECT_TRUE(ParseLogLevel("DEBUG", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_TRUE(ParseLogLevel("warn", &level));
  EXPECT_EQ(level, LogLevel::kWarning);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

}  // namespace
}  // namespace srp
