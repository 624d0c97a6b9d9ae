// Test helpers for tuning: a temporary FsRoot tree and a fault-injecting,
// write-logging FsRoot (LevelDB's fault-injection Env idea).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/fs_root.h"

namespace srp::tuning::testing {

// A fresh directory under $TMPDIR, removed with everything below it.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "srp_tuning_XXXXXX").string();
    char* made = ::mkdtemp(templ.data());
    EXPECT_NE(made, nullptr);
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

// FsRoot over a TempDir that logs every WriteFile and can fail or ignore writes.
class TestFs : public FsRoot {
 public:
  explicit TestFs(const TempDir& dir) : FsRoot(dir.path()) {}

  // Creates `path` (and its parent directories) with `content`.
  void Put(std::string_view path, std::string_view content) const {
    std::string p(path);
    ASSERT_TRUE(MakeDirs(p.substr(0, p.rfind('/'))).ok()) << p;
    ASSERT_TRUE(CreateFile(p, content).ok()) << p;
  }
  std::string Get(std::string_view path) const {
    Result<std::string> r = ReadTrimmed(path);
    return r.ok() ? *r : "<" + r.status().ToString() + ">";
  }

  Status WriteFile(std::string_view path, std::string_view data) const override {
    writes.emplace_back(std::string(path) + "=" + std::string(data));
    auto err = fail_errno.find(std::string(path));
    if (err != fail_errno.end()) return Status::FromErrno(err->second, std::string(path));
    if (ignore_writes.count(std::string(path))) return Status::Ok();  // value never changes
    // Behave like a sysfs attribute: must exist, the write replaces the value.
    std::error_code ec;
    std::filesystem::file_status st = std::filesystem::status(Resolve(path), ec);
    if (!std::filesystem::exists(st)) return Status::FromErrno(ENOENT, std::string(path));
    if (std::filesystem::is_directory(st)) return Status::FromErrno(EISDIR, std::string(path));
    std::string value(data);
    if (path.ends_with("/queue/scheduler")) {
      // The kernel re-renders the list with the new active entry bracketed.
      Result<std::string> list = ReadTrimmed(path);
      if (!list.ok()) return list.status();
      std::string rendered;
      bool found = false;
      std::istringstream words(*list);
      for (std::string word; words >> word;) {
        if (word.front() == '[') word = word.substr(1, word.size() - 2);
        if (word == value) found = true;
        rendered += (rendered.empty() ? "" : " ") + (word == value ? "[" + word + "]" : word);
      }
      if (!found) return Status::FromErrno(EINVAL, std::string(path));
      value = rendered + "\n";
    }
    return CreateFile(path, value);
  }

  // Mutable from const methods: the knobs hold a const FsRoot&.
  mutable std::vector<std::string> writes;  // "path=value" in call order
  std::map<std::string, int> fail_errno;    // path -> errno of every write
  std::set<std::string> ignore_writes;      // paths whose writes are silently dropped
};

}  // namespace srp::tuning::testing
