#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "lib/common/fs_root.h"
#include "target/config/config_validate.h"
#include "target/config/scst_config_parser.h"
#include "tests/target/config/example_config.h"

namespace srp::target::config {
namespace {

using ::testing::StartsWith;

class ValidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/srp_config_validate.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs_ = std::make_unique<FsRoot>(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Configuration Parse(std::string_view text) {
    Result<Configuration> r = ParseScstConfig(text, "scst.conf");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Configuration{};
  }

  std::string dir_;
  std::unique_ptr<FsRoot> fs_;
};

TEST_F(ValidateTest, ReferenceExampleIsValidWhenBackingFilesExist) {
  ASSERT_TRUE(fs_->MakeDirs("/srv").ok());
  ASSERT_TRUE(fs_->MakeDirs("/dev").ok());
  ASSERT_TRUE(fs_->CreateFile("/srv/disk01.img", "").ok());
  ASSERT_TRUE(fs_->CreateFile("/dev/sdb", "").ok());
  Status s = ValidateConfiguration(Parse(testing::kReferenceExample), *fs_);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(ValidateTest, MissingBackingFileNamesTheDeviceLine) {
  ASSERT_TRUE(fs_->MakeDirs("/srv").ok());
  ASSERT_TRUE(fs_->CreateFile("/srv/disk01.img", "").ok());
  // /dev/sdb (disk02, DEVICE on line 8) is missing below the root.
  Status s = ValidateConfiguration(Parse(testing::kReferenceExample), *fs_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "scst.conf:8: DEVICE 'disk02': backing file '/dev/sdb' does not exist");
}

TEST_F(ValidateTest, FileioNeedsAnAbsoluteFilename) {
  Status s = ValidateConfiguration(
      Parse("HANDLER vdisk_fileio {\n  DEVICE d1 {\n    nv_cache 1\n  }\n}\n"), *fs_);
  EXPECT_EQ(s.message(), "scst.conf:2: DEVICE 'd1' (vdisk_fileio) needs a 'filename' attribute");
  s = ValidateConfiguration(
      Parse("HANDLER vdisk_blockio {\n\n  DEVICE d2 {\n    filename dev/sdb\n  }\n}\n"), *fs_);
  EXPECT_EQ(s.message(), "scst.conf:3: DEVICE 'd2': filename 'dev/sdb' is not an absolute path");
}

TEST_F(ValidateTest, MemoryDevicesNeedASizeInWholeBlocks) {
  Status s = ValidateConfiguration(Parse("HANDLER vdisk_memory {\n  DEVICE m\n}\n"), *fs_);
  EXPECT_EQ(s.message(), "scst.conf:2: DEVICE 'm' (vdisk_memory) needs a 'size' attribute");
  s = ValidateConfiguration(
      Parse("HANDLER vdisk_memory {\n  DEVICE m { \nsize 6144\nblocksize 4096\n }\n}\n"), *fs_);
  EXPECT_EQ(s.message(),
            "scst.conf:2: DEVICE 'm': size 6144 is not a positive multiple of the block size 4096");
  s = ValidateConfiguration(Parse("HANDLER vdisk_memory {\n  DEVICE m { size 8192 }\n}\n"), *fs_);
  EXPECT_TRUE(s.ok()) << s.ToString();
  s = ValidateConfiguration(Parse("HANDLER vdisk_nullio {\n  DEVICE n { size 100 }\n}\n"), *fs_);
  EXPECT_THAT(s.message(), StartsWith("scst.conf:2: DEVICE 'n': size 100"));
}

TEST_F(ValidateTest, AlsoRunsTheStructuralChecksOnEditedModels) {
  ASSERT_TRUE(fs_->MakeDirs("/srv").ok());
  ASSERT_TRUE(fs_->MakeDirs("/dev").ok());
  ASSERT_TRUE(fs_->CreateFile("/srv/disk01.img", "").ok());
  ASSERT_TRUE(fs_->CreateFile("/dev/sdb", "").ok());
  Configuration c = Parse(testing::kReferenceExample);
  // An admin command adding a LUN for a device that does not exist.
  c.drivers[0].targets[0].default_luns.push_back(LunAssignment{1, "ghost", {}, {"admin", 0}});
  Status s = ValidateConfiguration(c, *fs_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "admin: LUN 1 refers to unknown device 'ghost'");
}

}  // namespace
}  // namespace srp::target::config
