// SrpTarget: the public entry point of the SRP target engine (see README.md).
//
//   TargetConfig cfg;
//   cfg.luns = my_lun_map;                     // required
//   auto target = SrpTarget::Start(*fabric, cfg);
//   for (auto& line : (*target)->login_lines()) puts(line.c_str());
//   ...
//   (*target)->Stop();                         // or destroy it
//
// Object tree: SrpTarget -> SrpPort (listeners, sessions) -> SrpSession (I_T nexus)
// -> SrpChannel (QP) -> SrpRequest. PollGroups own the channels; a WorkerPool runs SCSI
// execution when config.thread == 1.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "target/engine/engine_config.h"
#include "target/engine/srp_port.h"

namespace srp::target {

class PollGroup;
class ScsiExecutor;

class SrpTarget {
 public:
  // Validates `config`, opens the listeners and starts the threads. `fabric` must outlive
  // the target. Errors: kInvalidArgument for a bad configuration, listener failures.
  static Result<std::unique_ptr<SrpTarget>> Start(fabric::Fabric& fabric, TargetConfig config);
  ~SrpTarget();
  SrpTarget(const SrpTarget&) = delete;
  SrpTarget& operator=(const SrpTarget&) = delete;

  // Stops accepting, sends SRP_T_LOGOUT on every live channel, disconnects and drains every
  // channel, joins all threads. Idempotent.
  void Stop();

  // One ibsrpdm -c style line per listener (IB form with dgid/pkey/service_id, RDMA CM form
  // with dest=).
  std::vector<std::string> login_lines() const;
  uint64_t id_ext() const { return id_ext_; }
  uint64_t ioc_guid() const { return ioc_guid_; }
  const TargetConfig& config() const { return config_; }
  // The bound RDMA CM port (useful when rdma_cm_port was chosen by the fabric); 0 if none.
  uint16_t rdma_cm_port() const;

  size_t session_count() const;
  size_t channel_count() const;
  // Logged-in sessions with their ACL group and LUNs (srp-admin -list_sessions).
  std::vector<SrpPort::SessionInfo> sessions() const;
  // The ACL table; reload and admin commands Replace() its contents.
  AccessControl& access() const { return *config_.access; }

 private:
  SrpTarget(fabric::Fabric& fabric, TargetConfig config);

  fabric::Fabric& fabric_;
  TargetConfig config_;
  uint64_t id_ext_ = 0;
  uint64_t ioc_guid_ = 0;
  std::unique_ptr<ScsiExecutor> executor_;
  std::unique_ptr<SrpPort> port_;
  std::vector<std::unique_ptr<PollGroup>> groups_;
  bool stopped_ = false;
};

// Checks a configuration (ranges of every knob). Used by Start and by the CLI.
Status ValidateTargetConfig(const TargetConfig& config);

}  // namespace srp::target
