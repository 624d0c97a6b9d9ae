// vdisk_fileio specifics: option validation, the durability paths (FUA, SYNCHRONIZE CACHE,
// nv_cache, write_through, WCE), error mapping (EIO, ENOSPC) and block-device geometry.
#include "target/backends/file_backend.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/target/backends/backend_fixtures.h"

namespace srp::target::testing {
namespace {

using FileBackendTest = FileHandlerTest<FileBackendOptions, &OpenFileBackend>;

TEST_F(FileBackendTest, RejectsBadOptionsWithClearErrors) {
  struct Case {
    const char* what;
    void (*edit)(FileBackendOptions&);
    StatusCode code;
    const char* message_part;
  };
  const Case cases[] = {
      {"block size", [](FileBackendOptions& o) { o.block_size = 1024; },
       StatusCode::kInvalidArgument, "not 512 or 4096"},
      {"size too big", [](FileBackendOptions& o) { o.size_bytes = 2 << 20; },
       StatusCode::kInvalidArgument, "exceeds"},
      {"size not a multiple", [](FileBackendOptions& o) { o.size_bytes = 1000; },
       StatusCode::kInvalidArgument, "multiple"},
      {"missing file", [](FileBackendOptions& o) { o.path += ".missing"; }, StatusCode::kNotFound,
       "opening"},
      {"no path", [](FileBackendOptions& o) { o.path.clear(); }, StatusCode::kInvalidArgument,
       "path"},
      {"directory", [](FileBackendOptions& o) { o.path = "/tmp"; }, StatusCode::kInvalidArgument,
       "neither"},
      {"workers", [](FileBackendOptions& o) { o.worker_threads = 0; }, StatusCode::kInvalidArgument,
       "worker_threads"},
  };
  for (const Case& c : cases) {
    FileBackendOptions options = options_;
    c.edit(options);
    auto backend = OpenFileBackend(options);
    ASSERT_FALSE(backend.ok()) << c.what;
    EXPECT_EQ(backend.status().code(), c.code) << c.what << ": " << backend.status().ToString();
    EXPECT_NE(backend.status().message().find(c.message_part), std::string::npos)
        << c.what << ": " << backend.status().ToString();
  }
}

TEST_F(FileBackendTest, EmptyFileIsRejected) {
  options_.path = dir_.MakeFile("empty.img", 0);
  auto backend = OpenFileBackend(options_);
  ASSERT_FALSE(backend.ok());
  EXPECT_NE(backend.status().message().find("holds no block"), std::string::npos);
}

TEST_F(FileBackendTest, SizeOptionLimitsTheCapacity) {
  options_.size_bytes = 64 << 10;
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->num_blocks(), (64u << 10) / 512);
}

TEST_F(FileBackendTest, FuaAndFlushCallFdatasync) {
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  const auto data = Pattern(0, 1, 512, 1);
  ASSERT_TRUE(backend->Write(0, 1, data, /*fua=*/false).ok());
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 0);
  ASSERT_TRUE(backend->Write(0, 1, data, /*fua=*/true).ok());
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 1);
  ASSERT_TRUE(backend->Flush().ok());
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 2);
  Completions done;
  backend->SubmitWrite(0, 1, data, true, done.Callback());
  backend->SubmitFlush(done.Callback());
  ASSERT_TRUE(done.Wait(2));
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 4);
}

TEST_F(FileBackendTest, NvCacheSkipsFdatasync) {
  options_.nv_cache = true;
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  ASSERT_TRUE(backend->Write(0, 1, Pattern(0, 1, 512, 1), /*fua=*/true).ok());
  ASSERT_TRUE(backend->Flush().ok());
  Completions done;
  backend->SubmitFlush(done.Callback());
  ASSERT_TRUE(done.Wait(1));
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 0);
  EXPECT_TRUE(backend->write_cache_enabled());
}

TEST_F(FileBackendTest, WriteThroughHasNoWriteCacheAndNeedsNoFdatasync) {
  options_.write_through = true;
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  EXPECT_FALSE(backend->write_cache_enabled());
  ASSERT_TRUE(backend->Write(0, 1, Pattern(0, 1, 512, 1), /*fua=*/true).ok());
  ASSERT_TRUE(backend->Flush().ok());
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 0);  // O_DSYNC made every write durable
  EXPECT_EQ(backend->SetWriteCacheEnabled(true).code(), StatusCode::kNotSupported);
  EXPECT_TRUE(backend->SetWriteCacheEnabled(false).ok());
}

TEST_F(FileBackendTest, ClearingWceMakesEveryWriteDurable) {
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  ASSERT_TRUE(backend->SetWriteCacheEnabled(false).ok());
  EXPECT_FALSE(backend->write_cache_enabled());
  ASSERT_TRUE(backend->Write(0, 1, Pattern(0, 1, 512, 1), /*fua=*/false).ok());
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 1);
  ASSERT_TRUE(backend->SetWriteCacheEnabled(true).ok());
  ASSERT_TRUE(backend->Write(0, 1, Pattern(0, 1, 512, 1), /*fua=*/false).ok());
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 1);
}

TEST_F(FileBackendTest, IoErrorsCarryTheErrno) {
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  syscalls_->fail_errno = EIO;
  std::vector<std::byte> buffer(512);
  Status read = backend->Read(0, 1, buffer);
  EXPECT_EQ(read.sys_errno(), EIO);
  EXPECT_NE(read.message().find(file_), std::string::npos) << read.ToString();
  Completions done;
  backend->SubmitWrite(0, 1, buffer, false, done.Callback());
  ASSERT_TRUE(done.Wait(1));
  EXPECT_EQ(done.statuses()[0].sys_errno(), EIO);
  syscalls_->fail_errno = 0;
  EXPECT_TRUE(backend->Read(0, 1, buffer).ok());  // the backend stays usable
}

TEST_F(FileBackendTest, FileShrunkUnderTheBackendReadsAsEio) {
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  ASSERT_EQ(::truncate(file_.c_str(), 4096), 0);
  std::vector<std::byte> buffer(512);
  EXPECT_EQ(backend->Read(100, 1, buffer).sys_errno(), EIO);
}

TEST_F(FileBackendTest, FullFileSystemGivesEnospc) {
  TinyTmpfs fs(256 << 10);
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here";
  options_.path = fs.dir().MakeFile("sparse.img", 4 << 20);  // sparse: larger than the fs
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  const auto data = Pattern(0, 128, 512, 3);  // 64 KiB per write
  Status status;
  for (uint64_t lba = 0; lba < backend->num_blocks() && status.ok(); lba += 128) {
    status = backend->Write(lba, 128, data, false);
  }
  EXPECT_EQ(status.sys_errno(), ENOSPC) << status.ToString();
}

TEST_F(FileBackendTest, UnmapIsOffWhenNotThinProvisioned) {
  options_.thin_provisioned = false;
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  EXPECT_FALSE(backend->supports_unmap());
  EXPECT_EQ(backend->Unmap(0, 1).code(), StatusCode::kNotSupported);
  EXPECT_EQ(syscalls_->fallocates.load(), 0);
}

TEST_F(FileBackendTest, BlockDeviceWithLargerSectorsRejectsSmallBlockSize) {
  const std::string image = dir_.MakeFile("4k.img", 1 << 20);
  LoopDevice loop(image, 4096);
  if (loop.device().empty()) GTEST_SKIP() << "no loop device with 4096-byte sectors";
  options_.path = loop.device();
  auto small = OpenFileBackend(options_);
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.status().message().find("logical block size 4096"), std::string::npos)
      << small.status().ToString();
  options_.block_size = 4096;
  auto large = OpenFileBackend(options_);
  ASSERT_TRUE(large.ok()) << large.status().ToString();
  EXPECT_EQ((*large)->num_blocks(), 256u);
}

}  // namespace
}  // namespace srp::target::testing
