// The HTML report: structure (one <svg> per chart, table rows, no external
// references or scripts) and a headless-Chromium screenshot that must show
// more than a blank page. The screenshot test skips when chromium is absent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "reports/report_renderer.h"
#include "reports/svg_chart.h"
#include "tests/perf/report/report_test_util.h"

namespace srp::reports {
namespace {

namespace fs = std::filesystem;
using testing::CountOccurrences;
using testing::FixtureDir;
using ::testing::HasSubstr;
using testing::ReadText;

std::string RenderFixtureHtml(const fs::path& out) {
  ReportOptions options;
  options.input_dirs = {FixtureDir("sweep-a").string(), FixtureDir("sweep-b").string()};
  options.out_dir = out.string();
  Result<ReportSummary> summary = RenderReport(options);
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  return summary.ok() ? ReadText(summary->html_path) : "";
}

// The text between the first `open` and the following `close`.
std::string Section(const std::string& html, const std::string& open, const std::string& close) {
  size_t begin = html.find(open);
  if (begin == std::string::npos) return "";
  size_t end = html.find(close, begin);
  return html.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

TEST(ReportHtml, ChartsTablesAndNoExternalReferences) {
  testing::TempDir tmp;
  std::string html = RenderFixtureHtml(tmp.path());
  ASSERT_FALSE(html.empty());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(CountOccurrences(html, "<svg"), 3u);
  EXPECT_EQ(CountOccurrences(html, "</svg>"), 3u);
  for (const char* id : {"id=\"chart-iops\"", "id=\"chart-bandwidth\"", "id=\"chart-latency\""}) {
    EXPECT_EQ(CountOccurrences(html, id), 1u) << id;
  }
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);

  // IOPS: read only (the fixtures never write), one bar per configuration.
  std::string iops = Section(html, "id=\"chart-iops\"", "</svg>");
  EXPECT_EQ(CountOccurrences(iops, "class=\"bar\""), 4u);
  EXPECT_EQ(CountOccurrences(iops, "class=\"whisker\""), 4u);
  // Latency: p50/p90/p99/p99.9 for each of the 4 configurations, with a legend.
  std::string latency = Section(html, "id=\"chart-latency\"", "</svg>");
  EXPECT_EQ(CountOccurrences(latency, "class=\"bar\""), 16u);
  EXPECT_THAT(latency, HasSubstr(">p99.9</text>"));
  // The failed run is listed, never charted.
  EXPECT_EQ(CountOccurrences(iops, ">thread=1,iodepth=1</text>"), 1u);
  EXPECT_EQ(html.find("target exited"), html.rfind("target exited"));
  std::string failed = Section(html, "<table class=\"failed\">", "</table>");
  EXPECT_EQ(CountOccurrences(failed, "<tr>"), 2u);  // header + one run
  EXPECT_THAT(failed, HasSubstr("target exited with status 1"));

  // Comparison tables: header + 4 configurations each, for the 3 metrics with data.
  EXPECT_EQ(CountOccurrences(html, "<table class=\"comparison\">"), 3u);
  std::string first = Section(html, "<table class=\"comparison\">", "</table>");
  EXPECT_EQ(CountOccurrences(first, "<tr"), 5u);
  EXPECT_THAT(first, HasSubstr("<tr class=\"baseline\"><td>thread=0,iodepth=1</td>"));
  EXPECT_THAT(first, HasSubstr("<tr class=\"best\"><td>thread=1,iodepth=32</td>"));
  std::string percentiles = Section(html, "<table class=\"percentiles\">", "</table>");
  EXPECT_EQ(CountOccurrences(percentiles, "<tr"), 5u);
}

TEST(ReportHtml, SvgEscapesLabelsAndScalesAxis) {
  BarChart chart{"c", "A <title> & more", "units", {{"S", "#123456"}}, {}};
  chart.groups.push_back({"x<y", false, {BarValue{50, 40, 60}}});
  chart.groups.push_back({"z", true, {std::nullopt}});
  std::string svg = RenderBarChartSvg(chart);
  EXPECT_THAT(svg, HasSubstr("A &lt;title&gt; &amp; more"));
  EXPECT_THAT(svg, HasSubstr(">x&lt;y</text>"));
  EXPECT_EQ(CountOccurrences(svg, "class=\"bar\""), 1u);
  // The axis ends at the round ceiling of the largest whisker (60), in 5 ticks.
  EXPECT_THAT(svg, HasSubstr(">60</text>"));
  EXPECT_THAT(svg, HasSubstr(">12</text>"));
  EXPECT_THAT(svg, ::testing::Not(HasSubstr(">100</text>")));
  EXPECT_THAT(svg, HasSubstr(" font-weight=\"bold\">z</text>"));
}

// Minimal PNG reading: the IHDR size and the total size of the IDAT chunks.
struct PngInfo {
  bool valid = false;
  uint32_t width = 0;
  uint32_t height = 0;
  uint64_t idat_bytes = 0;
};

uint32_t BigEndian32(const std::string& data, size_t offset) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(data[offset])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(data[offset + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(data[offset + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(data[offset + 3]));
}

PngInfo ReadPngInfo(const std::string& data) {
  PngInfo info;
  if (data.size() < 33 || data.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return info;
  size_t pos = 8;
  while (pos + 12 <= data.size()) {
    uint32_t length = BigEndian32(data, pos);
    std::string type = data.substr(pos + 4, 4);
    if (pos + 12 + static_cast<uint64_t>(length) > data.size()) return info;
    if (type == "IHDR" && length >= 8) {
      info.width = BigEndian32(data, pos + 8);
      info.height = BigEndian32(data, pos + 12);
    } else if (type == "IDAT") {
      info.idat_bytes += length;
    } else if (type == "IEND") {
      info.valid = info.width > 0;
      return info;
    }
    pos += 12 + length;
  }
  return info;
}

bool HaveChromium() { return std::system("command -v chromium >/dev/null 2>&1") == 0; }

// Screenshots `url` at 1200x1600; returns the PNG bytes ("" on failure).
std::string Screenshot(const std::string& url, const fs::path& png) {
  std::string command =
      "timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--hide-scrollbars --user-data-dir='" +
      (png.parent_path() / "profile").string() + "' --screenshot='" + png.string() +
      "' --window-size=1200,1600 '" + url + "' >/dev/null 2>&1";
  int rc = std::system(command.c_str());
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) return "";
  return ReadText(png);
}

TEST(ReportHtml, ChromiumScreenshotShowsTheCharts) {
  if (!HaveChromium()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh --ci)";
  testing::TempDir tmp;
  ASSERT_FALSE(RenderFixtureHtml(tmp.path() / "out").empty());
  // A blank page of the same size is the reference for "nothing drawn".
  testing::WriteText(tmp.path() / "blank.html", "<!DOCTYPE html><html><body></body></html>");
  std::string blank =
      Screenshot("file://" + (tmp.path() / "blank.html").string(), tmp.path() / "blank.png");
  std::string report =
      Screenshot("file://" + (tmp.path() / "out/report.html").string(), tmp.path() / "report.png");
  if (const char* keep = std::getenv("SRP_KEEP_SCREENSHOT")) {
    testing::WriteText(keep, report);
  }
  PngInfo blank_info = ReadPngInfo(blank);
  PngInfo info = ReadPngInfo(report);
  ASSERT_TRUE(blank_info.valid) << "blank screenshot failed";
  ASSERT_TRUE(info.valid) << "report screenshot failed or is not a PNG";
  EXPECT_EQ(info.width, 1200u);
  EXPECT_EQ(info.height, 1600u);
  // Text, bars and tables compress far worse than a single colour: require the
  // image data to be many times that of the blank page and of a useful size.
  EXPECT_GT(info.idat_bytes, 8 * blank_info.idat_bytes + 20000)
      << "report " << info.idat_bytes << " bytes vs blank " << blank_info.idat_bytes;
}

}  // namespace
}  // namespace srp::reports
