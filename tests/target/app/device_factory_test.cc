// OpenConfiguredDevice: every handler built from scst.conf attributes.
#include "target/app/device_factory.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "target/config/scst_config_parser.h"

namespace srp::target {
namespace {

struct Built {
  config::Configuration config;
  Result<std::shared_ptr<LogicalUnit>> unit = Status(StatusCode::kInternal, "unset");
};

Built Open(const std::string& handler, const std::string& attrs) {
  Built b;
  auto parsed = config::ParseScstConfig(
      "HANDLER " + handler + " {\n\tDEVICE d1 {\n" + attrs + "\t}\n}\n", "dev.conf");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return b;
  b.config = *parsed;
  b.unit = OpenConfiguredDevice(b.config.handlers[0], b.config.handlers[0].devices[0], 32);
  return b;
}

std::string MakeFile(const std::string& dir, size_t bytes) {
  std::filesystem::create_directories(dir);
  std::string path = dir + "/disk.img";
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(ftruncate(fd, static_cast<off_t>(bytes)), 0);
  close(fd);
  return path;
}

std::string TestDir(const std::string& base) {
  return base + "/device_factory_test." + std::to_string(getpid()) + "." +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

TEST(DeviceFactoryTest, NullioAndMemoryWithIdentity) {
  Built n = Open("vdisk_nullio",
                 "\t\tsize 4194304\n\t\tblocksize 4096\n\t\tt10_vend_id ACME\n\t\tprod_id P1\n"
                 "\t\tusn SER42\n\t\tnaa_id 6001405abcdef012\n");
  ASSERT_TRUE(n.unit.ok()) << n.unit.status().ToString();
  EXPECT_EQ((*n.unit)->block_size(), 4096u);
  EXPECT_EQ((*n.unit)->num_blocks(), 1024u);
  EXPECT_EQ((*n.unit)->vendor(), "ACME");
  EXPECT_EQ((*n.unit)->product(), "P1");
  EXPECT_EQ((*n.unit)->serial(), "SER42");
  EXPECT_EQ((*n.unit)->naa_id(), 0x6001405abcdef012ull);
  Built m = Open("vdisk_memory", "\t\tsize 1048576\n\t\tread_only 1\n");
  ASSERT_TRUE(m.unit.ok()) << m.unit.status().ToString();
  EXPECT_EQ((*m.unit)->num_blocks(), 2048u);
  EXPECT_TRUE((*m.unit)->read_only());
  EXPECT_EQ((*m.unit)->vendor(), "SCST_FIO");
}

TEST(DeviceFactoryTest, FileioOnATempFile) {
  std::string dir = TestDir(::testing::TempDir());
  std::string path = MakeFile(dir, 1 << 20);
  Built f =
      Open("vdisk_fileio", "\t\tfilename " + path + "\n\t\tnv_cache 0\n\t\twrite_through 1\n");
  ASSERT_TRUE(f.unit.ok()) << f.unit.status().ToString();
  EXPECT_EQ((*f.unit)->num_blocks(), 2048u);
  EXPECT_FALSE((*f.unit)->write_cache_enabled());  // write_through
  EXPECT_EQ((*f.unit)->vendor(), "SCST_FIO");
  // Write then read back through the backend.
  std::vector<std::byte> out(512, std::byte{0x5a}), in(512);
  ASSERT_TRUE((*f.unit)->backend().Write(3, 1, out, true).ok());
  ASSERT_TRUE((*f.unit)->backend().Read(3, 1, in).ok());
  EXPECT_EQ(in, out);
  std::filesystem::remove_all(dir);
}

TEST(DeviceFactoryTest, BlockioWithODirectOnAFileUnderVarTmp) {
  // tmpfs has no O_DIRECT: /var/tmp is normally a disk file system.
  std::string dir = TestDir("/var/tmp");
  std::string path = MakeFile(dir, 1 << 20);
  Built b = Open("vdisk_blockio", "\t\tfilename " + path + "\n");
  if (!b.unit.ok() && b.unit.status().message().find("Invalid argument") != std::string::npos) {
    std::filesystem::remove_all(dir);
    GTEST_SKIP() << "no O_DIRECT under /var/tmp: " << b.unit.status().ToString();
  }
  ASSERT_TRUE(b.unit.ok()) << b.unit.status().ToString();
  EXPECT_EQ((*b.unit)->vendor(), "SCST_BIO");
  EXPECT_EQ((*b.unit)->num_blocks(), 2048u);
  b.unit = Status(StatusCode::kCancelled, "closed");
  std::filesystem::remove_all(dir);
}

TEST(DeviceFactoryTest, ErrorsNameTheDeviceLine) {
  Built missing = Open("vdisk_fileio", "\t\tfilename /nonexistent/dir/disk.img\n");
  ASSERT_FALSE(missing.unit.ok());
  EXPECT_EQ(missing.unit.status().message().rfind("dev.conf:2: device d1: ", 0), 0u)
      << missing.unit.status().message();
  Built sg = Open("dev_disk", "\t\tfilename /nonexistent/sg9\n");
  ASSERT_FALSE(sg.unit.ok());
  EXPECT_EQ(sg.unit.status().message().rfind("dev.conf:2: device d1: ", 0), 0u)
      << sg.unit.status().message();
  Built no_file = Open("dev_disk", "");
  ASSERT_FALSE(no_file.unit.ok());
  EXPECT_NE(no_file.unit.status().message().find("filename /dev/sgN"), std::string::npos);
}

}  // namespace
}  // namespace srp::target
