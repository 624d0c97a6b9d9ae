// Helpers for the srp-perf tests: temporary directories, the build's bin dir,
// running a command with captured output.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace srp::perf::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "srp_perf_XXXXXX").string();
    EXPECT_NE(::mkdtemp(templ.data()), nullptr);
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// $SRP_TEST_BIN_DIR (set by ctest), else "" (tests needing binaries skip).
inline std::string BinDir() {
  const char* dir = ::getenv("SRP_TEST_BIN_DIR");
  return dir ? dir : "";
}

inline std::string ReadFileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFileText(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::trunc) << text;
}

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `command` through sh with stdout and stderr captured to files in `dir`.
inline CommandResult RunCommand(const std::string& command, const std::string& dir) {
  const std::string out = dir + "/cmd.out", err = dir + "/cmd.err";
  const int rc = std::system((command + " >" + out + " 2>" + err).c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = ReadFileText(out);
  r.err = ReadFileText(err);
  return r;
}

}  // namespace srp::perf::testing
