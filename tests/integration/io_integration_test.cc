// Scenarios 4, 5, 6 and 15 (test-scenarios.md) against a real srp-target.
#include <gtest/gtest.h>

#include <cstring>

#include "initiator_tools/srp_io/io_util.h"
#include "initiator_tools/srp_io/transfer.h"
#include "lib/scsi/constants.h"
#include "tests/integration/integration_fixture.h"

namespace srp::integration {
namespace {

using std::chrono::milliseconds;
constexpr uint64_t kMemLun = 1;
constexpr uint64_t kMemBytes = 64ull << 20;

class IoTest : public TargetTest {
 protected:
  // Writes [offset, offset+size) with pattern `seed`, reads it back and compares.
  void WriteReadCompare(initiator::Session& s, uint64_t offset, uint64_t size, uint32_t bs,
                        uint32_t qd, uint64_t seed) {
    srp_io::TransferSpec spec;
    spec.lun = scsi::PackLun(kMemLun);
    spec.offset = offset;
    spec.size = size;
    spec.bs = bs;
    spec.queue_depth = qd;
    spec.write = true;
    auto w = srp_io::RunTransfer(s, spec, [&](uint64_t off, std::span<std::byte> d) {
      srp_io::FillPattern(seed, off, d);
      return Status::Ok();
    });
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    spec.write = false;
    std::optional<uint64_t> bad;
    auto r = srp_io::RunTransfer(s, spec, [&](uint64_t off, std::span<std::byte> d) {
      if (auto at = srp_io::FindPatternMismatch(seed, off, d); at && !bad) bad = off + *at;
      return Status::Ok();
    });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(bad.has_value()) << "miscompare at " << *bad;
    EXPECT_EQ(r->bytes, size);
  }
};

// Scenario 4: write 1 GiB, read it back and compare, at queue depth 64 with 4 KiB and with
// 1 MiB commands, on a 1 GiB memory LUN. Sanitizer builds run the same traffic pattern over
// 128 MiB: ASan slows the byte-wise pattern checks about tenfold, and CI runs both builds.
#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kScenario4Bytes = 128ull << 20;
#else
constexpr uint64_t kScenario4Bytes = 1ull << 30;
#endif

TEST_P(IoTest, Scenario4WriteReadCompareQd64) {
  StartTarget({"--mem-size", std::to_string(kScenario4Bytes)});
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  WriteReadCompare(*s, 0, kScenario4Bytes, 4096, 64, 11);
  WriteReadCompare(*s, 0, kScenario4Bytes, 1u << 20, 64, 12);
}

// Scenario 5: commands larger than srp_max_rdma_size (64 KiB): 4 MiB and 8 MiB, described
// by one direct descriptor, by an inline indirect table of 12 entries, and by a
// discontiguous buffer (every other piece of a larger allocation).
TEST_P(IoTest, Scenario5LargeTransfersDirectIndirectDiscontiguous) {
  StartTarget({"--srp-max-rdma-size", "65536"});
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  const scsi::LunBytes lun = scsi::PackLun(kMemLun);
  for (uint32_t size : {4u << 20, 8u << 20}) {
    for (int shape = 0; shape < 3; ++shape) {
      SCOPED_TRACE(::testing::Message() << "size " << size << " shape " << shape);
      auto out = s->AllocateBuffer(size_t{size} * 2);
      auto in = s->AllocateBuffer(size_t{size} * 2);
      ASSERT_TRUE(out.ok() && in.ok());
      const uint64_t seed = size + shape;
      auto segments = [&](initiator::IoBuffer& b) {
        std::vector<initiator::DataSegment> v;
        if (shape == 0) return std::vector<initiator::DataSegment>{b.Segment(0, size)};
        const uint32_t piece = size / 12 / 4096 * 4096;
        uint32_t done = 0;
        for (int i = 0; done < size; ++i) {
          const uint32_t len = i == 11 ? size - done : piece;
          // shape 1: contiguous pieces; shape 2: a hole after every piece.
          v.push_back(b.Segment(shape == 1 ? done : size_t{done} * 2 - 0, len));
          done += len;
        }
        return v;
      };
      auto wsegs = segments(**out);
      for (auto& seg : wsegs) {
        auto* p = reinterpret_cast<std::byte*>(seg.addr);
        const uint64_t logical = (seg.addr - reinterpret_cast<uint64_t>((*out)->data()));
        srp_io::FillPattern(seed, shape == 2 ? logical / 2 : logical, {p, seg.length});
      }
      auto w = initiator::ReadWrite(*s, lun, true, 0, size / 512, wsegs);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      EXPECT_EQ(w->format, shape == 0 ? wire::DataFormat::kDirect : wire::DataFormat::kIndirect);
      auto rsegs = segments(**in);
      auto r = initiator::ReadWrite(*s, lun, false, 0, size / 512, rsegs);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (size_t i = 0; i < rsegs.size(); ++i) {
        ASSERT_EQ(std::memcmp(reinterpret_cast<void*>(rsegs[i].addr),
                              reinterpret_cast<void*>(wsegs[i].addr), rsegs[i].length),
                  0)
            << "segment " << i;
      }
    }
  }
}

TEST_P(IoTest, Scenario6ImmediateDataWhenNegotiated) {
  StartTarget();
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->login().immediate_data);
  initiator::ScsiCommand tur;  // takes the power-on unit attention
  tur.cdb = scsi::BuildTestUnitReady();
  tur.lun = scsi::PackLun(kMemLun);
  ASSERT_TRUE(initiator::Execute(*s, tur).ok());
  auto buf = s->AllocateBuffer(8192);
  srp_io::FillPattern(21, 0, (*buf)->bytes());
  auto w =
      initiator::ReadWrite(*s, scsi::PackLun(kMemLun), true, 64, 16, {(*buf)->Segment(0, 8192)});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->format, wire::DataFormat::kImmediate);
  EXPECT_EQ(s->stats().immediate, 1u);
  auto back = s->AllocateBuffer(8192);
  ASSERT_TRUE(
      initiator::ReadWrite(*s, scsi::PackLun(kMemLun), false, 64, 16, {(*back)->Segment(0, 8192)})
          .ok());
  EXPECT_EQ(std::memcmp((*back)->data(), (*buf)->data(), 8192), 0);
}

TEST_P(IoTest, Scenario6NoImmediateWhenTargetRefuses) {
  StartTarget({"--no-immediate-data"});
  auto s = Login(target_.IbTarget());
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->login().immediate_data);
  EXPECT_FALSE(s->login().rsp_flags & wire::kRspFlagImmedSupported);
  auto buf = s->AllocateBuffer(4096);
  srp_io::FillPattern(22, 0, (*buf)->bytes());
  auto w = initiator::ReadWrite(*s, scsi::PackLun(kMemLun), true, 8, 8, {(*buf)->Segment(0, 4096)});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->format, wire::DataFormat::kDirect);
  EXPECT_EQ(s->stats().immediate, 0u);
  auto back = s->AllocateBuffer(4096);
  ASSERT_TRUE(
      initiator::ReadWrite(*s, scsi::PackLun(kMemLun), false, 8, 8, {(*back)->Segment(0, 4096)})
          .ok());
  EXPECT_EQ(std::memcmp((*back)->data(), (*buf)->data(), 4096), 0);
}

// Scenario 15: 256 commands against 8 credits and a LUN queue depth of 4: commands wait
// for credits, the LUN answers TASK SET FULL / BUSY (retried), data stays intact.
TEST_P(IoTest, Scenario15QueueDeeperThanCreditsAndLunDepth) {
  StartTarget({"--ring-size", "8", "--lun-queue-depth", "4"});
  auto s = Login(target_.IbTarget(), [](initiator::SessionOptions& o) { o.queue_size = 64; });
  ASSERT_TRUE(s);
  EXPECT_EQ(s->login().req_lim, 8u);
  srp_io::TransferSpec spec;
  spec.lun = scsi::PackLun(kMemLun);
  spec.size = 256 * 65536;
  spec.bs = 65536;
  spec.queue_depth = 64;
  spec.write = true;
  auto w = srp_io::RunTransfer(*s, spec, [](uint64_t off, std::span<std::byte> d) {
    srp_io::FillPattern(31, off, d);
    return Status::Ok();
  });
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_GT(s->stats().waited_for_credit, 0u);
  spec.write = false;
  std::optional<uint64_t> bad;
  auto r = srp_io::RunTransfer(*s, spec, [&](uint64_t off, std::span<std::byte> d) {
    if (auto at = srp_io::FindPatternMismatch(31, off, d); at && !bad) bad = off + *at;
    return Status::Ok();
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(bad.has_value());
  RecordProperty("busy_retries", static_cast<int>(w->retries + r->retries));
  EXPECT_EQ(s->credits(), 8);
}

INSTANTIATE_TEST_SUITE_P(Threads, IoTest, ::testing::Values(0, 1), ThreadName);

}  // namespace
}  // namespace srp::integration
