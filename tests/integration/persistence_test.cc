// Durability across a target crash: data written with FUA, or followed by SYNCHRONIZE CACHE,
// reads back after kill -9 and a restart; vdisk_fileio on a file and vdisk_blockio on a loop
// device (root; the loop device is always detached).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/integration/admin_fixture.h"

namespace srp::integration {
namespace {

constexpr uint32_t kBlocks = 8;  // per write, 512-byte blocks

class PersistenceTest : public AdminTest {
 protected:
  void TearDown() override {
    AdminTest::TearDown();
    if (!loop_.empty()) RunCommand({"/sbin/losetup", "-d", loop_});
    if (!image_dir_.empty()) std::filesystem::remove_all(image_dir_);
  }

  std::string Config(const std::string& handler, const std::string& path) {
    return "HANDLER " + handler + " {\n\tDEVICE d0 {\n\t\tfilename " + path +
           "\n\t}\n}\nTARGET_DRIVER ib_srpt {\n\tTARGET tgt0 {\n\t\tLUN 0 d0\n\t}\n}\n";
  }

  void Write(initiator::Session& s, uint64_t lba, uint8_t fill, bool fua) {
    auto buf = s.AllocateBuffer(kBlocks * 512);
    ASSERT_TRUE(buf.ok());
    std::memset((*buf)->data(), fill, kBlocks * 512);
    initiator::ScsiCommand w;
    w.cdb = scsi::BuildWrite10(static_cast<uint32_t>(lba), kBlocks, fua);
    w.lun = scsi::PackLun(0);
    w.direction = wire::DataDirection::kOut;
    w.segments = {(*buf)->Segment(0, kBlocks * 512)};
    auto r = initiator::Execute(s, w);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(initiator::CheckGood(*r, "WRITE").ok());
  }

  void Sync(initiator::Session& s) {
    initiator::ScsiCommand sync;
    sync.cdb = scsi::BuildSynchronizeCache10();
    sync.lun = scsi::PackLun(0);
    auto r = initiator::Execute(s, sync);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(initiator::CheckGood(*r, "SYNCHRONIZE CACHE").ok());
  }

  bool ReadsBack(initiator::Session& s, uint64_t lba, uint8_t fill) {
    auto buf = s.AllocateBuffer(kBlocks * 512);
    EXPECT_TRUE(buf.ok());
    auto r = initiator::ReadWrite(s, scsi::PackLun(0), false, lba, kBlocks,
                                  {(*buf)->Segment(0, kBlocks * 512)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    for (size_t i = 0; i < kBlocks * 512; ++i)
      if ((*buf)->data()[i] != std::byte{fill}) return false;
    return true;
  }

  // Writes (FUA at LBA 0, WRITE + SYNCHRONIZE CACHE at LBA 64), kill -9, restart, read back.
  void CrashAndReadBack(const std::string& conf) {
    StartWithRunDir({"--config", conf});
    {
      auto s = Login(target_.IbTarget());
      ASSERT_TRUE(s);
      Write(*s, 0, 0xa5, /*fua=*/true);
      Write(*s, 64, 0x3c, /*fua=*/false);
      Sync(*s);
      ASSERT_EQ(kill(target_.pid(), SIGKILL), 0);
      auto status = target_.WaitExit(std::chrono::milliseconds(5000));
      ASSERT_TRUE(status.has_value());
      EXPECT_TRUE(WIFSIGNALED(*status));
    }
    StartWithRunDir({"--config", conf});
    auto s = Login(target_.IbTarget());
    ASSERT_TRUE(s);
    EXPECT_TRUE(ReadsBack(*s, 0, 0xa5));
    EXPECT_TRUE(ReadsBack(*s, 64, 0x3c));
  }

  std::string loop_;
  std::string image_dir_;
};

TEST_P(PersistenceTest, FileioSurvivesKill9) {
  std::string image = WriteFile("fileio.img", std::string(1 << 20, '\0'));
  CrashAndReadBack(WriteFile("fileio.conf", Config("vdisk_fileio", image)));
}

TEST_P(PersistenceTest, BlockioLoopSurvivesKill9) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for losetup";
  if (!std::filesystem::exists("/sbin/losetup")) GTEST_SKIP() << "losetup is not installed";
  // Backing file on a disk file system (the loop device forwards O_DIRECT to it).
  image_dir_ = "/var/tmp/srp-persistence." + std::to_string(getpid());
  std::filesystem::create_directories(image_dir_);
  std::string image = image_dir_ + "/blockio.img";
  { std::ofstream create(image); }
  std::filesystem::resize_file(image, 1 << 20);
  auto setup = RunCommand({"/sbin/losetup", "--find", "--show", image});
  if (setup.exit_code != 0) GTEST_SKIP() << "losetup failed: " << setup.err;
  loop_ = setup.out.substr(0, setup.out.find('\n'));
  ASSERT_EQ(loop_.rfind("/dev/loop", 0), 0u) << setup.out;
  CrashAndReadBack(WriteFile("blockio.conf", Config("vdisk_blockio", loop_)));
}

INSTANTIATE_TEST_SUITE_P(Threads, PersistenceTest, ::testing::Values(0), ThreadName);

}  // namespace
}  // namespace srp::integration
