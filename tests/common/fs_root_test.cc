#include "lib/common/fs_root.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace srp {
namespace {

class FsRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fsroot-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FsRootTest, ResolvesEveryPathBelowTheRoot) {
  FsRoot fs(dir_ + "/");
  EXPECT_EQ(fs.Resolve("/sys/class/infiniband"), dir_ + "/sys/class/infiniband");
  EXPECT_FALSE(fs.is_real_system());
  FsRoot real("/");
  EXPECT_TRUE(real.is_real_system());
  EXPECT_EQ(real.Resolve("/proc/interrupts"), "/proc/interrupts");
}

TEST_F(FsRootTest, CreateReadWriteListInATemporaryTree) {
  FsRoot fs(dir_);
  ASSERT_TRUE(fs.MakeDirs("/sys/class/infiniband_srp/srp-mlx5_0-1").ok());
  ASSERT_TRUE(fs.CreateFile("/sys/class/infiniband_srp/srp-mlx5_0-1/add_target", "").ok());
  ASSERT_TRUE(fs.CreateFile("/sys/class/infiniband_srp/srp-mlx5_0-1/ibdev", "mlx5_0\n").ok());
  EXPECT_EQ(*fs.ReadTrimmed("/sys/class/infiniband_srp/srp-mlx5_0-1/ibdev"), "mlx5_0");
  EXPECT_EQ(*fs.ReadFile("/sys/class/infiniband_srp/srp-mlx5_0-1/ibdev"), "mlx5_0\n");

  ASSERT_TRUE(fs.WriteFile("/sys/class/infiniband_srp/srp-mlx5_0-1/add_target", "id_ext=1").ok());
  EXPECT_EQ(*fs.ReadFile("/sys/class/infiniband_srp/srp-mlx5_0-1/add_target"), "id_ext=1");

  auto names = fs.ListDir("/sys/class/infiniband_srp/srp-mlx5_0-1");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"add_target", "ibdev"}));
  EXPECT_TRUE(fs.Exists("/sys/class/infiniband_srp"));
  EXPECT_FALSE(fs.Exists("/sys/class/scsi_host"));
}

TEST_F(FsRootTest, WriteNeverCreatesFilesLikeSysfs) {
  FsRoot fs(dir_);
  Status s = fs.WriteFile("/sys/block/loop0/queue/scheduler", "none");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.sys_errno(), ENOENT);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/sys/block/loop0/queue/scheduler"));
}

TEST_F(FsRootTest, ErrorsKeepErrnoAndNameTheFile) {
  FsRoot fs(dir_);
  auto r = fs.ReadFile("/proc/irq/42/smp_affinity");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().sys_errno(), ENOENT);
  EXPECT_NE(r.status().message().find(dir_ + "/proc/irq/42/smp_affinity"), std::string::npos);
  EXPECT_FALSE(fs.ListDir("/nope").ok());
}

TEST_F(FsRootTest, WriteErrnoIsReportedForReadOnlyFiles) {
  if (geteuid() == 0) {
    // root bypasses permission bits; use a directory, which cannot be opened for writing.
    FsRoot fs(dir_);
    ASSERT_TRUE(fs.MakeDirs("/sys/dir").ok());
    Status s = fs.WriteFile("/sys/dir", "x");
    EXPECT_EQ(s.sys_errno(), EISDIR);
    return;
  }
  FsRoot fs(dir_);
  ASSERT_TRUE(fs.CreateFile("/ro", "a").ok());
  ASSERT_EQ(chmod((dir_ + "/ro").c_str(), 0444), 0);
  EXPECT_EQ(fs.WriteFile("/ro", "b").sys_errno(), EACCES);
}

TEST_F(FsRootTest, ReadLinkBelowRoot) {
  FsRoot fs(dir_);
  ASSERT_TRUE(fs.MakeDirs("/sys/class/net").ok());
  ASSERT_EQ(symlink("../../devices/virtual/net/lo", (dir_ + "/sys/class/net/lo").c_str()), 0);
  EXPECT_EQ(*fs.ReadLink("/sys/class/net/lo"), "../../devices/virtual/net/lo");
}

}  // namespace
}  // namespace srp
