#include "tests/perf/report/report_test_util.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace srp::reports::testing {

namespace fs = std::filesystem;

fs::path FixtureDir(const std::string& name) { return fs::path(SRP_REPORT_FIXTURES) / name; }

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "srp-report-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

nlohmann::json ReadJson(const fs::path& path) {
  return nlohmann::json::parse(ReadText(path), nullptr, /*allow_exceptions=*/false);
}

void WriteJson(const fs::path& path, const nlohmann::json& doc) {
  WriteText(path, doc.dump(2) + "\n");
}

size_t CountOccurrences(const std::string& haystack, const std::string& needle) {
  size_t count = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

}  // namespace srp::reports::testing
