// Behaviour every file-based backend shares, run against fileio (buffered, O_DIRECT, on a loop
// device) and blockio (on a file, on a loop device): data round trips through the sync and
// async forms, concurrency, unmap, read-only, draining on destruction.
#include <gtest/gtest.h>

#include <cstring>
#include <future>
#include <memory>
#include <thread>

#include "target/backends/aio_backend.h"
#include "target/backends/file_backend.h"
#include "tests/target/backends/backend_fixtures.h"

namespace srp::target::testing {
namespace {

constexpr uint64_t kFileBytes = 8 << 20;  // 8 MiB

struct Config {
  const char* name;
  bool blockio;
  bool on_loop;
  bool o_direct;
  uint32_t block_size;
};

class ConformanceTest : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    file_ = dir_.MakeFile("disk.img", kFileBytes);
    if (GetParam().on_loop) {
      loop_ = std::make_unique<LoopDevice>(file_);
      if (loop_->device().empty())
        GTEST_SKIP() << "no loop device (needs root and /dev/loop-control)";
    }
  }

  std::string Path() const { return loop_ ? loop_->device() : file_; }

  Result<std::shared_ptr<BlockBackend>> Open(bool read_only = false) {
    const Config& c = GetParam();
    if (c.blockio) {
      AioBackendOptions options;
      options.path = Path();
      options.block_size = c.block_size;
      options.read_only = read_only;
      options.queue_depth = 16;  // small, so the concurrency test also exercises queueing
      return OpenAioBackend(options);
    }
    FileBackendOptions options;
    options.path = Path();
    options.block_size = c.block_size;
    options.o_direct = c.o_direct;
    options.read_only = read_only;
    return OpenFileBackend(options);
  }

  ScratchDir dir_;
  std::string file_;
  std::unique_ptr<LoopDevice> loop_;
};

TEST_P(ConformanceTest, GeometryComesFromTheFile) {
  auto backend = Open();
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  EXPECT_EQ((*backend)->block_size(), GetParam().block_size);
  EXPECT_EQ((*backend)->num_blocks(), kFileBytes / GetParam().block_size);
  EXPECT_FALSE((*backend)->read_only());
  EXPECT_TRUE((*backend)->write_cache_enabled());
  EXPECT_TRUE((*backend)->supports_unmap());
}

TEST_P(ConformanceTest, SyncRoundTripAtSeveralOffsets) {
  auto opened = Open();
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  BlockBackend& backend = **opened;
  const uint32_t bs = backend.block_size();
  const uint64_t last = backend.num_blocks() - 1;
  const std::pair<uint64_t, uint32_t> ranges[] = {
      {0, 1}, {7, 8}, {100, 33}, {last, 1}, {last - 255, 256}};
  uint8_t seed = 1;
  for (auto [lba, blocks] : ranges) {
    const auto data = Pattern(lba, blocks, bs, seed++);
    ASSERT_TRUE(backend.Write(lba, blocks, data, /*fua=*/seed % 2 == 0).ok()) << lba;
  }
  seed = 1;
  for (auto [lba, blocks] : ranges) {
    if (lba == last) {  // overwritten by the last range
      ++seed;
      continue;
    }
    std::vector<std::byte> back(static_cast<size_t>(blocks) * bs);
    ASSERT_TRUE(backend.Read(lba, blocks, back).ok()) << lba;
    EXPECT_EQ(back, Pattern(lba, blocks, bs, seed++)) << "lba " << lba;
  }
  ASSERT_TRUE(backend.Flush().ok());
}

TEST_P(ConformanceTest, UnalignedBuffersAreBounced) {
  auto opened = Open();
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  BlockBackend& backend = **opened;
  const uint32_t bs = backend.block_size();
  const auto data = Pattern(3, 4, bs, 9);
  // One byte past an aligned start: no O_DIRECT transfer could use these addresses directly.
  std::vector<std::byte> storage(data.size() + 64);
  std::span<std::byte> odd(storage.data() + 1, data.size());
  std::memcpy(odd.data(), data.data(), data.size());
  ASSERT_TRUE(backend.Write(3, 4, odd, false).ok());
  std::fill(odd.begin(), odd.end(), std::byte{0});
  ASSERT_TRUE(backend.Read(3, 4, odd).ok());
  EXPECT_TRUE(std::equal(odd.begin(), odd.end(), data.begin()));
}

TEST_P(ConformanceTest, AsyncRoundTrip) {
  auto opened = Open();
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  BlockBackend& backend = **opened;
  const uint32_t bs = backend.block_size();
  constexpr int kOps = 24;
  std::vector<std::vector<std::byte>> writes;
  for (int i = 0; i < kOps; ++i) writes.push_back(Pattern(i * 16, 2, bs, 3));
  Completions wrote;
  for (int i = 0; i < kOps; ++i)
    backend.SubmitWrite(i * 16, 2, writes[i], i == 0, wrote.Callback());
  ASSERT_TRUE(wrote.Wait(kOps));
  Completions flushed;
  backend.SubmitFlush(flushed.Callback());
  ASSERT_TRUE(flushed.Wait(1));
  EXPECT_TRUE(flushed.statuses()[0].ok());
  std::vector<std::vector<std::byte>> reads(kOps, std::vector<std::byte>(2 * bs));
  Completions read;
  for (int i = 0; i < kOps; ++i) backend.SubmitRead(i * 16, 2, reads[i], read.Callback());
  ASSERT_TRUE(read.Wait(kOps));
  for (const Status& s : wrote.statuses()) EXPECT_TRUE(s.ok()) << s.ToString();
  for (const Status& s : read.statuses()) EXPECT_TRUE(s.ok()) << s.ToString();
  for (int i = 0; i < kOps; ++i) EXPECT_EQ(reads[i], writes[i]) << "op " << i;
  EXPECT_EQ(wrote.statuses().size(), size_t{kOps});  // exactly once each
}

TEST_P(ConformanceTest, ConcurrentSubmitsFromSeveralThreads) {
  auto opened = Open();
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  BlockBackend& backend = **opened;
  const uint32_t bs = backend.block_size();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 64;
  std::vector<std::vector<std::byte>> data;
  for (int i = 0; i < kThreads * kPerThread; ++i) data.push_back(Pattern(i, 1, bs, 5));
  Completions wrote;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        const int i = t * kPerThread + k;
        backend.SubmitWrite(i, 1, data[i], false, wrote.Callback());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(wrote.Wait(kThreads * kPerThread));
  for (const Status& s : wrote.statuses()) ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<std::byte> all(static_cast<size_t>(kThreads) * kPerThread * bs);
  ASSERT_TRUE(backend.Read(0, kThreads * kPerThread, all).ok());
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    ASSERT_TRUE(std::equal(data[i].begin(), data[i].end(), all.begin() + i * bs)) << i;
  }
}

TEST_P(ConformanceTest, UnmapReadsZerosAndFreesBlocks) {
  auto opened = Open();
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  BlockBackend& backend = **opened;
  ASSERT_TRUE(backend.supports_unmap());
  const uint32_t blocks = (1 << 20) / backend.block_size();  // 1 MiB
  ASSERT_TRUE(backend.Write(0, blocks, Pattern(0, blocks, backend.block_size(), 7), true).ok());
  ASSERT_TRUE(backend.Flush().ok());
  const uint64_t before = AllocatedBytes(file_);
  ASSERT_GE(before, uint64_t{1} << 20);
  ASSERT_TRUE(backend.Unmap(0, blocks).ok());
  std::vector<std::byte> back(static_cast<size_t>(blocks) * backend.block_size(), std::byte{1});
  ASSERT_TRUE(backend.Read(0, blocks, back).ok());
  EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](std::byte b) { return b == std::byte{0}; }));
  EXPECT_LE(AllocatedBytes(file_), before - (uint64_t{1} << 20));
}

TEST_P(ConformanceTest, ReadOnlyRefusesWritesWithErofs) {
  {
    auto rw = Open();
    ASSERT_TRUE(rw.ok()) << rw.status().ToString();
    ASSERT_TRUE((*rw)->Write(0, 1, Pattern(0, 1, GetParam().block_size, 2), true).ok());
  }
  auto opened = Open(/*read_only=*/true);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  BlockBackend& backend = **opened;
  EXPECT_TRUE(backend.read_only());
  EXPECT_FALSE(backend.supports_unmap());
  const auto data = Pattern(0, 1, backend.block_size(), 4);
  Status sync = backend.Write(0, 1, data, false);
  EXPECT_EQ(sync.sys_errno(), EROFS) << sync.ToString();
  Completions async;
  backend.SubmitWrite(0, 1, data, false, async.Callback());
  ASSERT_TRUE(async.Wait(1));
  EXPECT_EQ(async.statuses()[0].sys_errno(), EROFS);
  EXPECT_EQ(backend.Unmap(0, 1).sys_errno(), EROFS);
  std::vector<std::byte> back(backend.block_size());
  ASSERT_TRUE(backend.Read(0, 1, back).ok());
  EXPECT_EQ(back, Pattern(0, 1, backend.block_size(), 2));  // the earlier data, untouched
}

TEST_P(ConformanceTest, DestructionDrainsEveryCallbackOnce) {
  Completions done;
  constexpr int kOps = 200;
  std::vector<std::byte> buffer(static_cast<size_t>(kOps) * GetParam().block_size);
  {
    auto opened = Open();
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    for (int i = 0; i < kOps; ++i) {
      (*opened)->SubmitRead(
          i, 1,
          std::span(buffer).subspan(static_cast<size_t>(i) * GetParam().block_size,
                                    GetParam().block_size),
          done.Callback());
    }
  }  // the backend is destroyed here, possibly with I/O still queued
  EXPECT_EQ(done.statuses().size(), size_t{kOps});
  for (const Status& s : done.statuses()) EXPECT_TRUE(s.ok()) << s.ToString();
}

// The unit's last reference can die inside a completion (a LUN removed while its I/O ran):
// the backend is then destroyed on its own worker / reaper thread and must neither deadlock
// nor touch freed memory.
TEST_P(ConformanceTest, LastReferenceDroppedInsideACompletion) {
  auto opened = Open();
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  struct Holder {
    std::shared_ptr<BlockBackend> backend;
    std::promise<void> released;  // the test thread dropped its reference
    std::promise<void> destroyed;
  };
  auto holder = std::make_shared<Holder>();
  holder->backend = *opened;
  std::shared_future<void> released = holder->released.get_future().share();
  std::future<void> destroyed = holder->destroyed.get_future();
  std::vector<std::byte> buffer(GetParam().block_size);
  BlockBackend* backend = holder->backend.get();
  opened = Status(StatusCode::kCancelled, "moved to the holder");
  backend->SubmitRead(0, 1, buffer, [holder, released](Status) {
    released.wait();
    holder->backend.reset();  // the last reference: destroys the backend on this thread
    holder->destroyed.set_value();
  });
  holder->released.set_value();
  ASSERT_EQ(destroyed.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConformanceTest,
                         ::testing::Values(Config{"fileio", false, false, false, 512},
                                           Config{"fileio4k", false, false, false, 4096},
                                           Config{"fileio_direct", false, false, true, 512},
                                           Config{"fileio_loop", false, true, false, 512},
                                           Config{"fileio_loop_direct", false, true, true, 4096},
                                           Config{"blockio_file", true, false, true, 512},
                                           Config{"blockio_loop", true, true, true, 512},
                                           Config{"blockio_loop4k", true, true, true, 4096}),
                         [](const ::testing::TestParamInfo<Config>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace srp::target::testing
