#include <gtest/gtest.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "target/backends/memory_backend.h"
#include "target/backends/null_backend.h"

namespace srp::target {
namespace {

std::vector<std::byte> Pattern(size_t n, uint32_t seed) {
  std::vector<std::byte> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::byte>(x >> 16);
  }
  return v;
}

TEST(NullBackendTest, DefaultsAndZeroReads) {
  auto nb = NullBackend::Create();
  ASSERT_TRUE(nb.ok());
  EXPECT_EQ((*nb)->block_size(), 512u);
  EXPECT_EQ((*nb)->num_blocks() * 512, uint64_t{1} << 40);
  EXPECT_FALSE((*nb)->read_only());
  std::vector<std::byte> buf(4096, std::byte{0xAB});
  ASSERT_TRUE((*nb)->Write(0, 8, Pattern(4096, 1), true).ok());
  ASSERT_TRUE((*nb)->Read(0, 8, buf).ok());
  for (std::byte b : buf) ASSERT_EQ(b, std::byte{0});
  EXPECT_TRUE((*nb)->Flush().ok());
  EXPECT_TRUE((*nb)->Unmap(0, 8).ok());
}

TEST(NullBackendTest, FillByteAndReadOnly) {
  NullBackendOptions o;
  o.fill_byte = 0x5A;
  o.read_only = true;
  o.block_size = 4096;
  o.num_blocks = 10;
  auto nb = NullBackend::Create(o);
  ASSERT_TRUE(nb.ok());
  std::vector<std::byte> buf(4096);
  ASSERT_TRUE((*nb)->Read(9, 1, buf).ok());
  for (std::byte b : buf) ASSERT_EQ(b, std::byte{0x5A});
  Status st = (*nb)->Write(0, 1, buf, false);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.sys_errno(), EROFS);
}

TEST(BackendGeometryTest, RejectsBadGeometry) {
  NullBackendOptions o;
  o.block_size = 1000;
  EXPECT_FALSE(NullBackend::Create(o).ok());
  o.block_size = 256;
  EXPECT_FALSE(NullBackend::Create(o).ok());
  o.block_size = 512;
  o.num_blocks = 0;
  EXPECT_FALSE(NullBackend::Create(o).ok());
  o.num_blocks = UINT64_MAX / 256;
  EXPECT_FALSE(NullBackend::Create(o).ok());
  MemoryBackendOptions m;
  m.chunk_size = 256;  // smaller than a block
  EXPECT_FALSE(MemoryBackend::Create(m).ok());
  m.chunk_size = 3 * 4096;  // not a power of two
  EXPECT_FALSE(MemoryBackend::Create(m).ok());
}

TEST(MemoryBackendTest, DefaultSizeAndUnwrittenReadsZero) {
  auto mb = MemoryBackend::Create();
  ASSERT_TRUE(mb.ok());
  EXPECT_EQ((*mb)->num_blocks() * (*mb)->block_size(), uint64_t{64} << 20);
  std::vector<std::byte> buf(8192, std::byte{0xFF});
  ASSERT_TRUE((*mb)->Read(100, 16, buf).ok());
  for (std::byte b : buf) ASSERT_EQ(b, std::byte{0});
  EXPECT_EQ((*mb)->allocated_bytes(), 0u);
}

TEST(MemoryBackendTest, WriteThenReadAcrossChunksAndSparseAllocation) {
  MemoryBackendOptions o;
  o.num_blocks = (uint64_t{1} << 40) / 512;  // 1 TiB virtual: only written chunks cost memory
  o.chunk_size = 64 * 1024;
  auto mb = MemoryBackend::Create(o);
  ASSERT_TRUE(mb.ok());
  // 96 KiB starting 8 KiB before a chunk boundary at the far end of the device: 3 chunks.
  const uint64_t lba = o.num_blocks - 1024;
  const auto data = Pattern(96 * 1024, 7);
  ASSERT_TRUE((*mb)->Write(lba - 16, 192, data, false).ok());
  EXPECT_EQ((*mb)->allocated_bytes(), 3u * 64 * 1024);
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE((*mb)->Read(lba - 16, 192, back).ok());
  EXPECT_EQ(back, data);
  // Neighbours in the same chunks are still zero.
  std::vector<std::byte> before(512);
  ASSERT_TRUE((*mb)->Read(lba - 17, 1, before).ok());
  for (std::byte b : before) ASSERT_EQ(b, std::byte{0});
}

TEST(MemoryBackendTest, UnmapZeroesAndFreesWholeChunks) {
  MemoryBackendOptions o;
  o.num_blocks = 1024;  // 512 KiB
  o.chunk_size = 64 * 1024;
  auto mb = MemoryBackend::Create(o);
  ASSERT_TRUE(mb.ok());
  const auto data = Pattern(256 * 1024, 3);
  ASSERT_TRUE((*mb)->Write(0, 512, data, false).ok());
  EXPECT_EQ((*mb)->allocated_bytes(), 256u * 1024);
  // Blocks 64..255: half of chunk 0, chunk 1 fully.
  ASSERT_TRUE((*mb)->Unmap(64, 192).ok());
  EXPECT_EQ((*mb)->allocated_bytes(), 192u * 1024);
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE((*mb)->Read(0, 512, back).ok());
  for (size_t i = 0; i < back.size(); ++i) {
    const bool unmapped = i >= 64 * 512 && i < 256 * 512;
    ASSERT_EQ(back[i], unmapped ? std::byte{0} : data[i]) << i;
  }
}

TEST(MemoryBackendTest, ReadOnlyRefusesWrites) {
  MemoryBackendOptions o;
  o.read_only = true;
  auto mb = MemoryBackend::Create(o);
  ASSERT_TRUE(mb.ok());
  Status st = (*mb)->Write(0, 1, Pattern(512, 1), false);
  EXPECT_EQ(st.sys_errno(), EROFS);
}

TEST(MemoryBackendTest, ConcurrentWritersToDistinctRangesThenCompare) {
  MemoryBackendOptions o;
  o.num_blocks = 8192;  // 4 MiB
  o.chunk_size = 64 * 1024;
  auto created = MemoryBackend::Create(o);
  ASSERT_TRUE(created.ok());
  MemoryBackend& mb = **created;
  constexpr int kThreads = 8;
  constexpr uint32_t kBlocksPerIo = 24;  // 12 KiB: I/Os straddle chunk boundaries
  constexpr int kIosPerThread = 40;      // thread t owns I/O slots t, t+8, t+16, ...
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&mb, t] {
      for (int round = 0; round < 3; ++round) {  // rewrite: last round must win
        for (int i = 0; i < kIosPerThread; ++i) {
          const uint64_t slot = static_cast<uint64_t>(i) * kThreads + t;
          const auto data = Pattern(kBlocksPerIo * 512, static_cast<uint32_t>(slot * 10 + round));
          ASSERT_TRUE(mb.Write(slot * kBlocksPerIo, kBlocksPerIo, data, false).ok());
          std::vector<std::byte> back(data.size());
          ASSERT_TRUE(mb.Read(slot * kBlocksPerIo, kBlocksPerIo, back).ok());
          ASSERT_EQ(back, data);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (uint64_t slot = 0; slot < uint64_t{kThreads} * kIosPerThread; ++slot) {
    std::vector<std::byte> back(kBlocksPerIo * 512);
    ASSERT_TRUE(mb.Read(slot * kBlocksPerIo, kBlocksPerIo, back).ok());
    ASSERT_EQ(back, Pattern(back.size(), static_cast<uint32_t>(slot * 10 + 2))) << slot;
  }
}

}  // namespace
}  // namespace srp::target
