// LunIo against a real srp-target memory LUN: unaligned reads and writes (read-modify-write
// of edge blocks) match a shadow copy, transfers larger than one command are split, the
// end of the LUN is enforced, and a dropped connection is re-established transparently.
#include "initiator_tools/attach/lun_io.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "lib/fabric/soft/soft_fabric.h"
#include "tests/integration/target_process.h"

namespace srp::attach_test {
namespace {

constexpr uint64_t kLunBytes = 4u << 20;

class LunIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    subnet_ = std::make_unique<integration::SubnetDir>();
    Status s = target_.Start({"--mem-size", std::to_string(kLunBytes)});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::unique_ptr<attach::LunIo> Open(const std::string& faults = "") {
    fabric::soft::SoftFabricOptions fo;
    fo.port_name = "lun-io-test";
    if (!faults.empty()) setenv("SRP_SOFT_FAULTS", faults.c_str(), 1);
    auto f = fabric::soft::OpenSoftFabric(fo);
    unsetenv("SRP_SOFT_FAULTS");
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    if (!f.ok()) return nullptr;
    fabric_ = std::move(*f);
    auto so = initiator::OptionsFromTargetString(target_.IbTarget());
    EXPECT_TRUE(so.ok());
    attach::LunIoOptions lo;
    lo.engine.lun = 1;
    lo.engine.timeouts.reconnect_delay = std::chrono::milliseconds(100);
    lo.max_transfer = 64 * 1024;  // small, so larger calls are split
    auto io = attach::LunIo::Open(*fabric_, {target_.IbTarget()}, {*so}, lo);
    EXPECT_TRUE(io.ok()) << io.status().ToString();
    return io.ok() ? std::move(*io) : nullptr;
  }

  void TearDown() override {
    fabric_.reset();
    target_.Stop();
  }

  std::unique_ptr<integration::SubnetDir> subnet_;
  integration::TargetProcess target_;
  std::unique_ptr<fabric::Fabric> fabric_;
};

TEST_F(LunIoTest, UnalignedWritesAndReadsMatchShadow) {
  auto io = Open();
  ASSERT_TRUE(io);
  EXPECT_EQ(io->block_size(), 512u);
  EXPECT_EQ(io->size_bytes(), kLunBytes);
  std::vector<std::byte> shadow(kLunBytes);
  std::mt19937 rng(3);
  struct Range {
    uint64_t offset;
    size_t length;
  };
  // Inside one block, across one boundary, unaligned on both ends over several commands,
  // exactly aligned, and touching the last byte.
  const std::vector<Range> ranges = {{10, 20},      {500, 30},      {1000, 200000},
                                     {4096, 65536}, {777, 1},       {kLunBytes - 300, 300},
                                     {511, 513},    {131072, 70000}};
  for (const Range& r : ranges) {
    std::vector<std::byte> data(r.length);
    for (auto& b : data) b = static_cast<std::byte>(rng());
    auto w = io->Write(r.offset, data);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ(*w, r.length);
    std::memcpy(shadow.data() + r.offset, data.data(), r.length);
  }
  std::vector<std::byte> all(kLunBytes);
  auto rd = io->Read(0, all);
  ASSERT_TRUE(rd.ok()) << rd.status().ToString();
  EXPECT_EQ(*rd, kLunBytes);
  EXPECT_TRUE(all == shadow);
  std::vector<std::byte> piece(1000);
  ASSERT_TRUE(io->Read(1003, piece).ok());
  EXPECT_EQ(std::memcmp(piece.data(), shadow.data() + 1003, piece.size()), 0);
  ASSERT_TRUE(io->Flush().ok());
  ASSERT_TRUE(io->Close().ok());
  EXPECT_FALSE(io->Read(0, piece).ok());  // closed
}

TEST_F(LunIoTest, EndOfLunIsEnforced) {
  auto io = Open();
  ASSERT_TRUE(io);
  std::vector<std::byte> buf(1024);
  auto short_read = io->Read(kLunBytes - 100, buf);
  ASSERT_TRUE(short_read.ok());
  EXPECT_EQ(*short_read, 100u);
  auto past = io->Read(kLunBytes, buf);
  ASSERT_TRUE(past.ok());
  EXPECT_EQ(*past, 0u);
  auto w = io->Write(kLunBytes - 100, buf);
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LunIoTest, DroppedConnectionIsReestablished) {
  auto io = Open("drop_after_wrs=8");
  ASSERT_TRUE(io);
  std::vector<std::byte> data(256 * 1024);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 31);
  for (int round = 0; round < 4; ++round) {
    ASSERT_TRUE(io->Write(uint64_t{512} * 1024 * round, data).ok());
  }
  EXPECT_GE(io->engine().Paths()[0].port.reconnects, 1u);
  std::vector<std::byte> back(data.size());
  for (int round = 0; round < 4; ++round) {
    ASSERT_TRUE(io->Read(uint64_t{512} * 1024 * round, back).ok());
    EXPECT_TRUE(back == data) << "round " << round;
  }
}

}  // namespace
}  // namespace srp::attach_test
