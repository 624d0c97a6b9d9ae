// Helpers shared by the report tests: fixture paths, temporary directories,
// whole-file reads and writes.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace srp::reports::testing {

// tests/perf/report/fixtures/<name>.
std::filesystem::path FixtureDir(const std::string& name);

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string ReadText(const std::filesystem::path& path);  // "" when unreadable
void WriteText(const std::filesystem::path& path, const std::string& text);
nlohmann::json ReadJson(const std::filesystem::path& path);
void WriteJson(const std::filesystem::path& path, const nlohmann::json& doc);

// Number of non-overlapping occurrences of `needle` in `haystack`.
size_t CountOccurrences(const std::string& haystack, const std::string& needle);

}  // namespace srp::reports::testing
