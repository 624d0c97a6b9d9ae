// Fixture for session tests: a fresh soft-fabric subnet directory, an initiator port and a
// FakeTarget per test.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/initiator/sync_io.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "tests/initiator/fake_target.h"

namespace srp::initiator::testing {

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/srp-init-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    setenv("SRP_SOFT_FABRIC", dir_.c_str(), 1);
    fabric::soft::SoftFabricOptions o;
    o.port_name = "initiator";
    auto f = fabric::soft::OpenSoftFabric(o);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    fabric_ = std::move(*f);
  }
  void TearDown() override {
    session_.reset();
    target_.reset();
    fabric_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Starts a fake target and logs in; `tweak` adjusts the session options.
  void StartAndLogin(FakeTargetConfig config,
                     const std::function<void(SessionOptions&)>& tweak = nullptr) {
    target_ = std::make_unique<FakeTarget>(config);
    ASSERT_TRUE(target_->Start().ok());
    auto o = OptionsFromTargetString(target_->TargetString());
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    if (tweak) tweak(*o);
    auto s = Session::Login(*fabric_, *o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
  }

  // The SRP_CMD IUs the target received, in order.
  std::vector<std::vector<std::byte>> CmdIus() {
    std::vector<std::vector<std::byte>> out;
    for (auto& iu : target_->ReceivedIus()) {
      if (!iu.empty() && iu[0] == std::byte{0x02}) out.push_back(iu);
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<fabric::Fabric> fabric_;
  std::unique_ptr<FakeTarget> target_;
  std::unique_ptr<Session> session_;
};

}  // namespace srp::initiator::testing
