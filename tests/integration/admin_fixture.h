// Fixture for the configuration/administration integration tests: a TargetTest whose target
// gets a private control-socket directory, plus helpers to write config files, run srp-admin /
// `srp-target reload`, and ask a session what it sees.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"
#include "tests/integration/integration_fixture.h"

namespace srp::integration {

class AdminTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    run_dir_ = subnet_->path() + "/run";
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = subnet_->path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Starts the target with `--run-dir` and `extra`. The soft port name is fixed, so a
  // restarted target has the same GID and target line.
  void StartWithRunDir(std::vector<std::string> extra) {
    extra.insert(extra.end(), {"--run-dir", run_dir_, "--no-dm", "--port-name", "admin-tgt"});
    StartTarget(extra);
  }

  CommandResult Admin(std::vector<std::string> args) {
    args.insert(args.begin(), {BinDir() + "/srp-admin", "--run-dir", run_dir_});
    return RunCommand(args, std::chrono::milliseconds(20000));
  }
  CommandResult Reload() {
    return RunCommand({BinDir() + "/srp-target", "reload", "--run-dir", run_dir_},
                      std::chrono::milliseconds(20000));
  }

  // REPORT LUNS as numbers, ascending.
  static std::vector<uint32_t> Luns(initiator::Session& s) {
    std::vector<uint32_t> out;
    auto luns = initiator::ReportLuns(s);
    EXPECT_TRUE(luns.ok()) << luns.status().ToString();
    if (!luns.ok()) return out;
    for (const auto& l : *luns) out.push_back(scsi::UnpackLun(l).value_or(~0u));
    std::sort(out.begin(), out.end());
    return out;
  }

  // TEST UNIT READY without unit-attention retries: "GOOD" or "key/asc/ascq" (hex).
  static std::string Tur(initiator::Session& s, uint32_t lun) {
    initiator::ScsiCommand tur;
    tur.cdb = scsi::BuildTestUnitReady();
    tur.lun = scsi::PackLun(lun);
    initiator::ExecuteOptions o;
    o.unit_attention_retries = 0;
    auto r = initiator::Execute(s, tur, o);
    if (!r.ok()) return r.status().ToString();
    if (r->status == 0) return "GOOD";
    if (!r->parsed_sense) return "status " + std::to_string(r->status);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%x/%02x/%02x", static_cast<int>(r->parsed_sense->key),
                  r->parsed_sense->asc.asc, r->parsed_sense->asc.ascq);
    return buf;
  }

  std::string run_dir_;
};

}  // namespace srp::integration
