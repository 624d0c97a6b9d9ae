// Capabilities of the in-memory handlers: both deallocate (LBPME), neither has a volatile
// write cache, and unmapped memory reads back zeros.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "target/backends/memory_backend.h"
#include "target/backends/null_backend.h"

namespace srp::target {
namespace {

TEST(CapabilitiesTest, MemoryBackendUnmapsToZeros) {
  MemoryBackendOptions options;
  options.num_blocks = 4096;
  options.chunk_size = 64 << 10;
  auto backend = MemoryBackend::Create(options);
  ASSERT_TRUE(backend.ok());
  EXPECT_TRUE((*backend)->supports_unmap());
  EXPECT_FALSE((*backend)->write_cache_enabled());
  std::vector<std::byte> data(256 * 512, std::byte{0x5A});
  ASSERT_TRUE((*backend)->Write(0, 256, data, false).ok());
  EXPECT_EQ((*backend)->allocated_bytes(), uint64_t{128} << 10);
  ASSERT_TRUE((*backend)->Unmap(0, 256).ok());
  EXPECT_EQ((*backend)->allocated_bytes(), 0u);
  ASSERT_TRUE((*backend)->Read(0, 256, data).ok());
  EXPECT_TRUE(std::all_of(data.begin(), data.end(), [](std::byte b) { return b == std::byte{0}; }));
}

TEST(CapabilitiesTest, NullBackendUnmapIsANoOpSuccess) {
  auto backend = NullBackend::Create();
  ASSERT_TRUE(backend.ok());
  EXPECT_TRUE((*backend)->supports_unmap());
  EXPECT_TRUE((*backend)->Unmap(0, 1024).ok());
  EXPECT_TRUE((*backend)->SetWriteCacheEnabled(false).ok());
  EXPECT_EQ((*backend)->SetWriteCacheEnabled(true).code(), StatusCode::kNotSupported);
}

}  // namespace
}  // namespace srp::target
