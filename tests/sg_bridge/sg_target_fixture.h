// One srp-target per test suite for the SG_IO bridge tests: a soft subnet and a config
// with two memory LUNs whose identity and geometry the tests check tool output against.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/target_process.h"

namespace srp::sg_bridge_test {

// LUN 0: 8 MiB of 512-byte blocks with a configured identity; LUN 3: 4 MiB of 4 KiB blocks.
inline constexpr const char* kVendor = "SRPTEST";
inline constexpr const char* kProduct = "SGBRIDGE";
inline constexpr const char* kSerial = "SN4711";
inline constexpr uint64_t kLun0Blocks = 16384;
inline constexpr uint64_t kLun3Blocks = 1024;

inline constexpr const char* kConfig =
    "HANDLER vdisk_memory {\n"
    "\tDEVICE disk1 {\n\t\tsize 8388608\n\t\tblocksize 512\n\t\tt10_vend_id SRPTEST\n"
    "\t\tprod_id SGBRIDGE\n\t\tusn SN4711\n\t}\n"
    "\tDEVICE big4k {\n\t\tsize 4194304\n\t\tblocksize 4096\n\t}\n}\n"
    "TARGET_DRIVER ib_srpt {\n\tTARGET tgt0 {\n\t\tLUN 0 disk1\n\t\tLUN 3 big4k\n\t}\n}\n";

class SgTargetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    subnet_ = new integration::SubnetDir();
    const std::string conf = subnet_->path() + "/sg.conf";
    std::ofstream(conf) << kConfig;
    target_ = new integration::TargetProcess();
    start_status_ = target_->Start({"--config", conf, "--srp-max-message-size", "8260"});
  }
  static void TearDownTestSuite() {
    delete target_;
    target_ = nullptr;
    delete subnet_;
    subnet_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(start_status_.ok()) << start_status_.ToString(); }

  static std::string Target() { return target_->IbTarget(); }
  static std::string SrpSg() { return integration::BinDir() + "/srp-sg"; }
  static std::string Scratch() { return subnet_->path(); }

  // `srp-sg run --target T --lun L... -- argv...`.
  static integration::CommandResult RunBridged(const std::vector<uint32_t>& luns,
                                               const std::vector<std::string>& argv) {
    std::vector<std::string> cmd = {SrpSg(), "run", "--fabric", "soft", "--target", Target()};
    for (uint32_t l : luns) {
      cmd.push_back("--lun");
      cmd.push_back(std::to_string(l));
    }
    cmd.push_back("--");
    cmd.insert(cmd.end(), argv.begin(), argv.end());
    return integration::RunCommand(cmd, std::chrono::milliseconds(30000));
  }

  static bool HaveTool(const std::string& name) {
    for (const char* dir : {"/usr/bin/", "/bin/", "/usr/local/bin/"}) {
      if (access((std::string(dir) + name).c_str(), X_OK) == 0) return true;
    }
    return false;
  }

  static inline integration::SubnetDir* subnet_ = nullptr;
  static inline integration::TargetProcess* target_ = nullptr;
  static inline Status start_status_;
};

// sg3_utils exit status for ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.
inline constexpr int kSgLibInvalidOpcode = 9;

#define SKIP_WITHOUT_SG3_UTILS()                                                    \
  do {                                                                              \
    if (!HaveTool("sg_inq")) GTEST_SKIP() << "sg3_utils not installed (sg3-utils)"; \
  } while (0)

}  // namespace srp::sg_bridge_test
