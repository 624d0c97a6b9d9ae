// Fixture: per test a fresh subnet directory and an `srp-target serve` child; the test
// process logs in with the initiator library. Parameter = target --thread mode (0 or 1).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/initiator/sync_io.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "tests/integration/target_process.h"

namespace srp::integration {

class TargetTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { subnet_ = std::make_unique<SubnetDir>(); }
  void TearDown() override {
    target_.Stop();
    fabric_.reset();
    subnet_.reset();
  }

  // Starts the target (ib_srp-sized IUs accepted, RDMA CM on a free port) plus `extra`.
  void StartTarget(std::vector<std::string> extra = {}) {
    rdma_cm_port_ = FreeTcpPort();
    std::vector<std::string> args = {
        "--thread", std::to_string(GetParam()), "--srp-max-message-size",
        "8260",     "--rdma-cm-port",           std::to_string(rdma_cm_port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    Status s = target_.Start(args);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_FALSE(target_.IbTarget().empty());
    if (!fabric_) {
      fabric::soft::SoftFabricOptions o;
      o.port_name = "initiator";
      auto f = fabric::soft::OpenSoftFabric(o);
      ASSERT_TRUE(f.ok()) << f.status().ToString();
      fabric_ = std::move(*f);
    }
  }

  std::unique_ptr<initiator::Session> Login(
      const std::string& target,
      const std::function<void(initiator::SessionOptions&)>& tweak = nullptr) {
    auto o = initiator::OptionsFromTargetString(target);
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    if (!o.ok()) return nullptr;
    if (tweak) tweak(*o);
    auto s = initiator::Session::Login(*fabric_, *o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::string SrpIo() const { return BinDir() + "/srp-io"; }

  std::unique_ptr<SubnetDir> subnet_;
  TargetProcess target_;
  uint16_t rdma_cm_port_ = 0;
  std::unique_ptr<fabric::Fabric> fabric_;
};

inline std::string ThreadName(const ::testing::TestParamInfo<int>& info) {
  return "thread" + std::to_string(info.param);
}

}  // namespace srp::integration
