#include "lib/fabric/select.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lib/common/log.h"
#include "lib/fabric/verbs/verbs_fabric.h"

namespace srp::fabric {
namespace {

class SelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fabric-select-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    SetLogSink([this](LogLevel, std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetLogSink({});
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::vector<std::string> lines_;
};

TEST_F(SelectTest, ParsesTheThreeNamesOnly) {
  EXPECT_EQ(*ParseFabricKind("auto"), FabricKind::kAuto);
  EXPECT_EQ(*ParseFabricKind("soft"), FabricKind::kSoft);
  EXPECT_EQ(*ParseFabricKind("verbs"), FabricKind::kVerbs);
  auto bad = ParseFabricKind("rxe");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expected auto, soft or verbs"), std::string::npos);
  EXPECT_FALSE(ParseFabricKind("Soft").ok());
}

TEST_F(SelectTest, AutoPicksVerbsOnlyWhenADeviceIsListed) {
  FsRoot fs(dir_);
  EXPECT_FALSE(RdmaDevicePresent(fs));
  EXPECT_EQ(ResolveFabricKind(FabricKind::kAuto, fs), FabricKind::kSoft);
  ASSERT_TRUE(fs.MakeDirs("/sys/class/infiniband").ok());
  EXPECT_EQ(ResolveFabricKind(FabricKind::kAuto, fs), FabricKind::kSoft);  // empty class dir
  ASSERT_TRUE(fs.MakeDirs("/sys/class/infiniband/mlx5_0").ok());
  EXPECT_TRUE(RdmaDevicePresent(fs));
  EXPECT_EQ(ResolveFabricKind(FabricKind::kAuto, fs), FabricKind::kVerbs);
  // An explicit choice is never overridden.
  EXPECT_EQ(ResolveFabricKind(FabricKind::kSoft, fs), FabricKind::kSoft);
}

TEST_F(SelectTest, AutoWithoutDevicesOpensSoftAndLogsOneLine) {
  FsRoot fs(dir_);  // no /sys/class/infiniband below it
  FabricSelection selection;
  selection.kind = FabricKind::kAuto;
  selection.device = "select-test-port";
  selection.soft.subnet_dir = dir_ + "/subnet";
  ASSERT_TRUE(FsRoot("/").MakeDirs(selection.soft.subnet_dir).ok());
  auto fabric = OpenFabric(selection, fs);
  ASSERT_TRUE(fabric.ok()) << fabric.status().ToString();
  EXPECT_EQ((*fabric)->backend_name(), "soft");
  EXPECT_EQ((*fabric)->port().device_name, "select-test-port");
  std::vector<std::string> fabric_lines;
  for (const auto& line : lines_)
    if (line.rfind("fabric:", 0) == 0) fabric_lines.push_back(line);
  ASSERT_EQ(fabric_lines.size(), 1u);
  EXPECT_EQ(fabric_lines[0],
            "fabric: soft port select-test-port (auto: no RDMA device under /sys/class/infiniband)");
}

TEST_F(SelectTest, ExplicitVerbsWithoutHardwareFailsWithAClearError) {
  if (verbs::AnyRdmaDevicePresent()) GTEST_SKIP() << "this host has an RDMA device";
  FabricSelection selection;
  selection.kind = FabricKind::kVerbs;
  auto fabric = OpenFabric(selection, FsRoot(dir_));
  ASSERT_FALSE(fabric.ok());
  EXPECT_NE(fabric.status().message().find("verbs fabric"), std::string::npos)
      << fabric.status().ToString();
}

}  // namespace
}  // namespace srp::fabric
