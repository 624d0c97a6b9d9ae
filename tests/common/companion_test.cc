#include "lib/common/companion.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace srp {
namespace {

class CompanionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/companion-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const char* path = getenv("PATH");
    saved_path_ = path ? path : "";
  }
  void TearDown() override {
    setenv("PATH", saved_path_.c_str(), 1);
    std::filesystem::remove_all(dir_);
  }
  std::string MakeFile(const std::string& name, mode_t mode) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n";
    chmod(path.c_str(), mode);
    return path;
  }
  std::string dir_;
  std::string saved_path_;
};

TEST_F(CompanionTest, SelfDirIsTheTestBinaryDirectory) {
  EXPECT_TRUE(std::filesystem::exists(SelfDir() + "/common_test")) << SelfDir();
}

TEST_F(CompanionTest, BesideTheExecutableWins) {
  setenv("PATH", dir_.c_str(), 1);
  MakeFile("common_test", 0755);  // a same-named tool on PATH loses to the one beside us
  EXPECT_EQ(FindCompanionTool("common_test"), SelfDir() + "/common_test");
}

TEST_F(CompanionTest, FallsBackToTheFirstExecutableOnPath) {
  MakeFile("srp-fake-tool", 0644);  // not executable: skipped
  std::string other = dir_ + "/bin2";
  std::filesystem::create_directory(other);
  std::ofstream(other + "/srp-fake-tool") << "#!/bin/sh\n";
  chmod((other + "/srp-fake-tool").c_str(), 0755);
  setenv("PATH", ("::" + dir_ + ":" + other).c_str(), 1);
  EXPECT_EQ(FindCompanionTool("srp-fake-tool"), other + "/srp-fake-tool");
}

TEST_F(CompanionTest, NotFoundNamesTheExpectedPlace) {
  setenv("PATH", dir_.c_str(), 1);
  EXPECT_EQ(FindCompanionTool("srp-no-such-tool"), SelfDir() + "/srp-no-such-tool");
}

}  // namespace
}  // namespace srp
