// vdisk_blockio specifics: option validation, flush/nv_cache/write-through paths, short
// transfers as EIO, ENOSPC from a full file system, queue-depth saturation.
#include "target/backends/aio_backend.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/target/backends/backend_fixtures.h"

namespace srp::target::testing {
namespace {

using AioBackendTest = FileHandlerTest<AioBackendOptions, &OpenAioBackend>;

TEST_F(AioBackendTest, RejectsBadOptions) {
  options_.queue_depth = 0;
  auto zero = OpenAioBackend(options_);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("queue_depth 0"), std::string::npos);
  options_.queue_depth = 8;
  options_.block_size = 2048;
  auto odd = OpenAioBackend(options_);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), StatusCode::kInvalidArgument);
  options_.block_size = 512;
  options_.path = dir_.path() + "/missing.img";
  auto missing = OpenAioBackend(options_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("missing.img"), std::string::npos);
}

TEST_F(AioBackendTest, FlushCallsFdatasyncUnlessNvCache) {
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  ASSERT_TRUE(backend->Flush().ok());
  Completions done;
  backend->SubmitFlush(done.Callback());
  ASSERT_TRUE(done.Wait(1));
  EXPECT_TRUE(done.statuses()[0].ok());
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 2);

  auto nv_syscalls = std::make_shared<CountingSyscalls>();
  options_.syscalls = nv_syscalls;
  options_.nv_cache = true;
  backend.reset();
  backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  ASSERT_TRUE(backend->Write(0, 1, Pattern(0, 1, 512, 1), /*fua=*/true).ok());
  ASSERT_TRUE(backend->Flush().ok());
  Completions nv_done;
  backend->SubmitFlush(nv_done.Callback());
  ASSERT_TRUE(nv_done.Wait(1));
  EXPECT_EQ(nv_syscalls->fdatasyncs.load(), 0);
}

TEST_F(AioBackendTest, FuaWriteIsReadBack) {
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  const auto data = Pattern(9, 3, 512, 8);
  Completions done;
  backend->SubmitWrite(9, 3, data, /*fua=*/true, done.Callback());
  ASSERT_TRUE(done.Wait(1));
  ASSERT_TRUE(done.statuses()[0].ok()) << done.statuses()[0].ToString();
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(backend->Read(9, 3, back).ok());
  EXPECT_EQ(back, data);
}

TEST_F(AioBackendTest, WriteThroughReportsNoWriteCache) {
  options_.write_through = true;
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  EXPECT_FALSE(backend->write_cache_enabled());
  EXPECT_EQ(backend->SetWriteCacheEnabled(true).code(), StatusCode::kNotSupported);
  ASSERT_TRUE(backend->Write(0, 1, Pattern(0, 1, 512, 1), false).ok());
  ASSERT_TRUE(backend->Flush().ok());
  EXPECT_EQ(syscalls_->fdatasyncs.load(), 0);
}

TEST_F(AioBackendTest, ShortReadIsEio) {
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  ASSERT_EQ(::truncate(file_.c_str(), 4096), 0);
  std::vector<std::byte> buffer(4096);
  Status status = backend->Read(100, 8, buffer);
  EXPECT_EQ(status.sys_errno(), EIO) << status.ToString();
  EXPECT_NE(status.message().find("short transfer"), std::string::npos);
  EXPECT_TRUE(backend->Read(0, 8, buffer).ok());  // the backend stays usable
}

TEST_F(AioBackendTest, FullFileSystemGivesEnospc) {
  TinyTmpfs fs(256 << 10);
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here";
  options_.path = fs.dir().MakeFile("sparse.img", 4 << 20);
  auto opened = OpenAioBackend(options_);
  if (!opened.ok() && opened.status().code() == StatusCode::kNotSupported) {
    GTEST_SKIP() << opened.status().ToString();
  }
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const auto data = Pattern(0, 128, 512, 3);
  Status status;
  for (uint64_t lba = 0; lba < (*opened)->num_blocks() && status.ok(); lba += 128) {
    status = (*opened)->Write(lba, 128, data, false);
  }
  EXPECT_EQ(status.sys_errno(), ENOSPC) << status.ToString();
}

TEST_F(AioBackendTest, QueueDepthOneStillCompletesBursts) {
  options_.queue_depth = 1;
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  constexpr int kOps = 64;
  std::vector<std::vector<std::byte>> data;
  for (int i = 0; i < kOps; ++i) data.push_back(Pattern(i, 1, 512, 6));
  Completions done;
  for (int i = 0; i < kOps; ++i) backend->SubmitWrite(i, 1, data[i], false, done.Callback());
  ASSERT_TRUE(done.Wait(kOps));
  for (const Status& s : done.statuses()) ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<std::byte> all(kOps * 512);
  ASSERT_TRUE(backend->Read(0, kOps, all).ok());
  for (int i = 0; i < kOps; ++i) {
    EXPECT_TRUE(std::equal(data[i].begin(), data[i].end(), all.begin() + i * 512)) << i;
  }
}

TEST_F(AioBackendTest, CallbackMaySubmitTheNextIo) {
  auto backend = MustOpen();
  ASSERT_NE(backend, nullptr);
  std::vector<std::byte> buffer(512);
  Completions done;
  std::atomic<int> chain{0};
  std::function<void(Status)> next = [&](Status) {
    if (++chain < 32) {
      backend->SubmitRead(chain.load(), 1, buffer, next);
    } else {
      done.Callback()(Status::Ok());
    }
  };
  backend->SubmitRead(0, 1, buffer, next);
  ASSERT_TRUE(done.Wait(1));
  EXPECT_EQ(chain.load(), 32);
}

}  // namespace
}  // namespace srp::target::testing
