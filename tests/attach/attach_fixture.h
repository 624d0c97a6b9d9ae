// The srp-attach test fixture: a soft subnet with an srp-target (memory LUNs), the srp-attach
// binary with a per-test run directory, fio verify, and checks on loop devices.
// Needs root, /dev/fuse and loop devices (the fixture skips otherwise).
#pragma once

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "tests/integration/target_process.h"

namespace srp::attach_test {

using integration::CommandResult;
using integration::RunCommand;
using ::testing::HasSubstr;

// LUN 1: 64 MiB of 512-byte blocks; LUN 2: 16 MiB of 4 KiB blocks.
inline constexpr const char* kConfig =
    "HANDLER vdisk_memory {\n"
    "\tDEVICE mem1 {\n\t\tsize 67108864\n\t\tblocksize 512\n\t}\n"
    "\tDEVICE mem4k {\n\t\tsize 16777216\n\t\tblocksize 4096\n\t}\n}\n"
    "TARGET_DRIVER ib_srpt {\n\tTARGET tgt0 {\n\t\tLUN 1 mem1\n\t\tLUN 2 mem4k\n\t}\n}\n";

// Full path of an installed tool (RunCommand execs without a PATH search), or "".
inline std::string ToolPath(const std::string& name) {
  for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/", "/usr/local/bin/"}) {
    const std::string path = std::string(dir) + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

inline std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class AttachTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "srp-attach needs root (loop devices, FUSE mounts)";
    if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "/dev/fuse is not available";
    if (access("/dev/loop-control", R_OK | W_OK) != 0) GTEST_SKIP() << "no loop devices";
    subnet_ = std::make_unique<integration::SubnetDir>();
    run_dir_ = subnet_->path() + "/run";
    conf_ = subnet_->path() + "/attach.conf";
    std::ofstream(conf_) << kConfig;
    StartTarget({"--config", conf_});
  }
  void TearDown() override {
    if (!subnet_) return;
    // Detach whatever a failed test left behind, then stop the target.
    auto list = RunCommand({Bin(), "--list", "--json", "--run-dir", run_dir_});
    auto j = nlohmann::json::parse(list.out, nullptr, false);
    if (j.is_array()) {
      for (const auto& e : j) {
        (void)RunCommand({ToolPath("umount"), "-l", e["device"].get<std::string>()});
        (void)Detach(e["device"].get<std::string>());
      }
    }
    target_.Stop();
    subnet_.reset();
  }

  void StartTarget(std::vector<std::string> args) {
    Status s = target_.Start(args);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  static std::string Bin() { return integration::BinDir() + "/srp-attach"; }

  // Attaches `lun` over `targets` (default: the target's IB line) with `extra` options;
  // returns /dev/loopN (empty on failure, with a test failure recorded).
  std::string Attach(uint32_t lun, std::string target = "",
                     const std::vector<std::string>& extra = {},
                     std::vector<std::string> more_targets = {}) {
    if (target.empty()) target = target_.IbTarget();
    std::vector<std::string> args = {Bin(), target};
    args.insert(args.end(), more_targets.begin(), more_targets.end());
    for (const std::string& a : {std::string("--lun"), std::to_string(lun), std::string("--fabric"),
                                 std::string("soft"), std::string("--run-dir"), run_dir_,
                                 std::string("--reconnect-delay"), std::string("0.2")}) {
      args.push_back(a);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = RunCommand(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const std::string dev = Trim(r.out);
    EXPECT_THAT(dev, ::testing::StartsWith("/dev/loop"));
    return r.exit_code == 0 ? dev : "";
  }

  // A 16 MiB sparse file `name` and a config serving it as LUN 1 of TARGET tgt0 through
  // vdisk_fileio with the device attribute lines `attrs` ("\t\tkey value\n"); the config's
  // path. `*backing` receives the file's path.
  std::string FileioConfig(const std::string& name, const std::string& attrs,
                           std::string* backing) {
    *backing = subnet_->path() + "/" + name + ".img";
    {
      std::ofstream f(*backing, std::ios::binary);
      f.seekp((16 << 20) - 1);
      f.put('\0');
    }
    const std::string conf = subnet_->path() + "/" + name + ".conf";
    std::ofstream(conf) << "HANDLER vdisk_fileio {\n\tDEVICE " << name << " {\n\t\tfilename "
                        << *backing << "\n"
                        << attrs << "\t}\n}\n"
                        << "TARGET_DRIVER ib_srpt {\n\tTARGET tgt0 {\n\t\tLUN 1 " << name
                        << "\n\t}\n}\n";
    return conf;
  }

  nlohmann::json List() {
    auto list = RunCommand({Bin(), "--list", "--json", "--run-dir", run_dir_});
    auto j = nlohmann::json::parse(list.out, nullptr, false);
    return j.is_discarded() ? nlohmann::json::array() : j;
  }

  CommandResult Detach(const std::string& dev) {
    return RunCommand({Bin(), "--detach", dev, "--run-dir", run_dir_});
  }

  // fio (libaio, direct, QD 32) writing `bytes` with md5 verify, checked through its JSON.
  void RunFioVerify(const std::string& dev, const std::string& bs, uint64_t bytes) {
    SCOPED_TRACE("fio bs=" + bs);
    const std::string size = std::to_string(bytes);
    auto r =
        RunCommand({ToolPath("fio"), "--name=verify", "--filename=" + dev, "--ioengine=libaio",
                    "--direct=1", "--rw=randwrite", "--bs=" + bs, "--iodepth=32", "--size=" + size,
                    "--verify=md5", "--do_verify=1", "--verify_fatal=1", "--output-format=json"},
                   std::chrono::milliseconds(60000));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    const auto& job = j["jobs"][0];
    EXPECT_EQ(job["error"], 0);
    EXPECT_EQ(job["write"]["io_bytes"].get<uint64_t>(), bytes);
    EXPECT_GT(job["read"]["io_bytes"].get<uint64_t>(), 0u);  // the verify pass
  }

  std::string DaemonLogs() {
    std::string all;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(run_dir_, ec)) {
      if (e.path().extension() == ".log") all += ReadFile(e.path());
    }
    return all;
  }

  // After a detach, `dev` no longer serves our FUSE file. Another test running in parallel may
  // already have taken the freed /dev/loopN for its own file, so "unbound" alone is not a
  // reliable check: look at what backs it, if anything.
  void ExpectNotBackedByUs(const std::string& dev) {
    const std::string backing =
        "/sys/block/" + dev.substr(dev.rfind('/') + 1) + "/loop/backing_file";
    if (access(backing.c_str(), F_OK) != 0) return;  // unbound
    EXPECT_EQ(ReadFile(backing).find(run_dir_), std::string::npos)
        << dev << " still backed by " << ReadFile(backing);
  }

  std::unique_ptr<integration::SubnetDir> subnet_;
  integration::TargetProcess target_;
  std::string run_dir_;
  std::string conf_;
};

}  // namespace srp::attach_test
