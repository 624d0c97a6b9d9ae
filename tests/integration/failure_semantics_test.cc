// ib_srp's failure semantics in the user-space initiator (issue 15): RemotePort against a
// real srp-target that stops, restarts, or comes back as another target. Timeouts are
// short and configured; the bounds checked are generous (the machine is loaded), and the
// measured times are printed.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <cstring>

#include "initiator_tools/initiator/io_buffer.h"
#include "initiator_tools/initiator/login.h"
#include "initiator_tools/initiator/remote_port.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"
#include "tests/integration/target_process.h"

namespace srp::integration {
namespace {

using initiator::FailureTimeouts;
using initiator::PortState;
using initiator::RemotePort;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kTargetArgs = {"--port-name", "fs-target", "--mem-size", "1048576"};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

class FailureSemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    subnet_ = std::make_unique<SubnetDir>();
    ASSERT_TRUE(target_.Start(kTargetArgs).ok());
    fabric::soft::SoftFabricOptions o;
    o.port_name = "fs-initiator";
    auto f = fabric::soft::OpenSoftFabric(o);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    fabric_ = std::move(*f);
  }
  void TearDown() override {
    port_.reset();
    target_.Stop();
    fabric_.reset();
  }

  void Connect(FailureTimeouts t) {
    auto so = initiator::OptionsFromTargetString(target_.IbTarget());
    ASSERT_TRUE(so.ok());
    so->login_timeout = milliseconds(2000);
    auto p = RemotePort::Connect(*fabric_, *so, t);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    port_ = std::move(*p);
    auto buf = initiator::IoBuffer::Allocate(*fabric_, 4096);
    ASSERT_TRUE(buf.ok());
    buffer_ = std::move(*buf);
  }

  // Drives the port (as an I/O thread would) until `done()` or `timeout`.
  bool Pump(const std::function<bool()>& done, milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() >= end) return false;
      port_->Progress();
      if (done()) return true;
      std::vector<int> fds;
      Clock::time_point deadline = std::min(end, Clock::now() + milliseconds(100));
      port_->ArmWait(&fds, &deadline);
      port_->Progress();
      if (done()) return true;
      std::vector<pollfd> p;
      for (int fd : fds) p.push_back({fd, POLLIN, 0});
      const auto wait = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      (void)poll(p.data(), p.size(), static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 100)));
      port_->AckWait();
    }
    return true;
  }

  initiator::ScsiCommand Read8Blocks() {
    initiator::ScsiCommand cmd;
    cmd.cdb = scsi::BuildReadWrite(false, 0, 8, false);
    cmd.lun = scsi::PackLun(1);
    cmd.direction = wire::DataDirection::kIn;
    cmd.segments = {buffer_->Segment(0, 4096)};
    return cmd;
  }

  // Submits a READ; `*result` is set when it completes.
  void SubmitRead(std::optional<initiator::ScsiResult>* result) {
    Status s =
        port_->Submit(Read8Blocks(), [result](const initiator::ScsiResult& r) { *result = r; });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::unique_ptr<SubnetDir> subnet_;
  TargetProcess target_;
  std::unique_ptr<fabric::Fabric> fabric_;
  std::unique_ptr<RemotePort> port_;
  std::unique_ptr<initiator::IoBuffer> buffer_;
};

TEST(FailureTimeoutsTest, ParseValidateAndFormat) {
  auto off = initiator::ParseTimeout("off");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->has_value());
  EXPECT_EQ(**initiator::ParseTimeout("15"), milliseconds(15000));
  EXPECT_EQ(**initiator::ParseTimeout("0.25"), milliseconds(250));
  EXPECT_FALSE(initiator::ParseTimeout("-1")->has_value());
  EXPECT_FALSE(initiator::ParseTimeout("soon").ok());
  EXPECT_EQ(initiator::FormatTimeout(milliseconds(600000)), "600");
  EXPECT_EQ(initiator::FormatTimeout(milliseconds(1500)), "1.500");
  FailureTimeouts defaults;  // ib_srp's
  EXPECT_EQ(defaults.reconnect_delay, milliseconds(10000));
  EXPECT_EQ(defaults.fast_io_fail_tmo, milliseconds(15000));
  EXPECT_EQ(defaults.dev_loss_tmo, milliseconds(600000));
  EXPECT_TRUE(defaults.Validate().ok());
  FailureTimeouts bad;
  bad.fast_io_fail_tmo = milliseconds(700000);
  EXPECT_FALSE(bad.Validate().ok());
  FailureTimeouts all_off{std::nullopt, std::nullopt, std::nullopt};
  EXPECT_FALSE(all_off.Validate().ok());
}

TEST(LoginRejectTest, WhichRejectsCannotHeal) {
  auto rejected = [](uint32_t reason) {
    return Status(StatusCode::kRejected, fmt::format("login rejected: X (0x{:08x})", reason));
  };
  EXPECT_TRUE(initiator::RejectCannotHeal(rejected(0x00010003)));   // unable to associate
  EXPECT_TRUE(initiator::RejectCannotHeal(rejected(0x00010002)));   // IU too large
  EXPECT_FALSE(initiator::RejectCannotHeal(rejected(0x00010001)));  // insufficient resources
  EXPECT_FALSE(initiator::RejectCannotHeal(Status(StatusCode::kUnavailable, "(0x00010003)")));
  EXPECT_EQ(initiator::LoginRejectReasonOf(rejected(0x00010006)),
            wire::LoginRejectReason::kChannelLimitReached);
}

// While reconnecting, I/O is held: the READ neither fails nor completes while the target is
// down, and completes GOOD after the target is back (same identity).
TEST_F(FailureSemanticsTest, IoIsHeldWhileReconnectingAndIssuedAgainAfterARestart) {
  Connect({milliseconds(200), milliseconds(60000), milliseconds(120000)});
  std::optional<initiator::ScsiResult> first;
  SubmitRead(&first);
  ASSERT_TRUE(Pump([&] { return first.has_value(); }, milliseconds(10000)));
  ASSERT_TRUE(first->good()) << first->Describe();

  target_.Stop();
  ASSERT_TRUE(Pump([&] { return port_->state() != PortState::kRunning; }, milliseconds(10000)));
  const auto lost = Clock::now();
  EXPECT_EQ(port_->state(), PortState::kBlocked);
  std::optional<initiator::ScsiResult> held;
  SubmitRead(&held);
  EXPECT_FALSE(Pump([&] { return held.has_value(); }, milliseconds(1500)));
  EXPECT_EQ(port_->state(), PortState::kBlocked);
  EXPECT_GE(port_->Snapshot().failed_reconnects, 1u);

  ASSERT_TRUE(target_.Start(kTargetArgs).ok());
  ASSERT_TRUE(Pump([&] { return held.has_value(); }, milliseconds(30000)));
  const double held_s = Seconds(Clock::now() - lost);
  EXPECT_TRUE(held->good()) << held->Describe();
  EXPECT_EQ(port_->state(), PortState::kRunning);
  EXPECT_EQ(port_->Snapshot().reconnects, 1u);
  std::printf("[ measured ] I/O held %.2f s while the target restarted; then GOOD\n", held_s);
}

// After fast_io_fail_tmo queued and new I/O fails fast with EIO; after dev_loss_tmo the port
// is lost (the LUN removed) and I/O fails with kNotFound.
TEST_F(FailureSemanticsTest, FastIoFailThenDevLoss) {
  Connect({milliseconds(200), milliseconds(1000), milliseconds(3000)});
  target_.Stop();
  std::optional<initiator::ScsiResult> queued;
  ASSERT_TRUE(Pump([&] { return port_->state() != PortState::kRunning; }, milliseconds(10000)));
  const auto lost = Clock::now();
  SubmitRead(&queued);
  ASSERT_TRUE(Pump([&] { return queued.has_value(); }, milliseconds(20000)));
  const double fail_s = Seconds(Clock::now() - lost);
  EXPECT_EQ(queued->transport.code(), StatusCode::kIoError) << queued->Describe();
  EXPECT_EQ(queued->transport.sys_errno(), EIO);
  EXPECT_EQ(port_->state(), PortState::kFailFast);
  EXPECT_GE(fail_s, 0.8);
  EXPECT_LT(fail_s, 15.0);
  const auto t0 = Clock::now();
  Status fast = port_->Submit(Read8Blocks(), [](const initiator::ScsiResult&) {});
  EXPECT_EQ(fast.code(), StatusCode::kIoError);
  EXPECT_LT(Seconds(Clock::now() - t0), 0.5);

  ASSERT_TRUE(Pump([&] { return port_->state() == PortState::kLost; }, milliseconds(30000)));
  const double loss_s = Seconds(Clock::now() - lost);
  EXPECT_GE(loss_s, 2.8);
  EXPECT_LT(loss_s, 20.0);
  EXPECT_EQ(port_->Submit(Read8Blocks(), [](const initiator::ScsiResult&) {}).code(),
            StatusCode::kNotFound);
  // Lost is final: a target coming back does not revive the port.
  ASSERT_TRUE(target_.Start(kTargetArgs).ok());
  EXPECT_FALSE(Pump([&] { return port_->state() != PortState::kLost; }, milliseconds(600)));
  std::printf(
      "[ measured ] fast_io_fail_tmo=1 s: queued I/O failed with EIO after %.2f s; "
      "dev_loss_tmo=3 s: port lost after %.2f s\n",
      fail_s, loss_s);
}

// A login reject that cannot heal (the port now belongs to another target: UNABLE TO
// ASSOCIATE CHANNEL) fails held I/O at once, long before fast_io_fail_tmo (ib_srp default).
TEST_F(FailureSemanticsTest, RejectThatCannotHealFailsAtOnce) {
  Connect({milliseconds(200), milliseconds(15000), milliseconds(600000)});
  target_.Stop();
  ASSERT_TRUE(Pump([&] { return port_->state() != PortState::kRunning; }, milliseconds(10000)));
  std::optional<initiator::ScsiResult> held;
  SubmitRead(&held);
  std::vector<std::string> other = kTargetArgs;
  other.insert(other.end(), {"--id-ext", "1122334455667788", "--ioc-guid", "1122334455667788"});
  ASSERT_TRUE(target_.Start(other).ok());
  const auto back = Clock::now();
  ASSERT_TRUE(Pump([&] { return held.has_value(); }, milliseconds(12000)));
  const double s = Seconds(Clock::now() - back);
  EXPECT_EQ(held->transport.code(), StatusCode::kRejected) << held->Describe();
  EXPECT_EQ(port_->state(), PortState::kLost);
  EXPECT_NE(port_->Snapshot().last_error.find("UNABLE_ASSOCIATE"), std::string::npos)
      << port_->Snapshot().last_error;
  EXPECT_LT(s, 10.0);
  std::printf(
      "[ measured ] definitive login reject: held I/O failed %.2f s after the target "
      "came back as another target\n",
      s);
}

}  // namespace
}  // namespace srp::integration
