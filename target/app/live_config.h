// LiveConfig: the running target's configuration — the scst.conf model, the opened devices
// and one AccessControl (ACL table) per TARGET — and the one place that changes it.
//
// Every change (reload of the file, SIGHUP, an admin edit through the control socket) goes
// through Apply(next): validate `next`, open every new or changed device, and only when all of
// that succeeded, change the running objects: LUNs are removed from / added to the existing
// LunMaps in place (REPORTED LUNS DATA HAS CHANGED for their sessions), a changed device is
// swapped in under its LUNs (LunMap::Replace: CAPACITY DATA HAS CHANGED when the size
// changed), groups and `enabled` are swapped in the AccessControl. A session keeps running
// unless the new table revokes its access, as SCST does: the SrpPorts observing the
// AccessControl end every channel that would now resolve to another group (INITIATOR line
// removed, moved or added, GROUP removed) or that the TARGET no longer admits (`enabled 0`,
// TARGET removed); the report lists each session ended.
// What cannot change at run time (driver parameters, TARGETs that are not bound to a port) is
// reported as "needs restart" and left alone. A failed Apply changes nothing.
//
// Thread-safe: one mutex serialises Apply/Edit/queries.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/status.h"
#include "target/app/config_luns.h"
#include "target/config/config_edit.h"
#include "target/config/config_model.h"
#include "target/engine/access_control.h"
#include "target/scsi/logical_unit.h"

namespace srp::target {

struct ReloadReport {
  std::vector<std::string> applied;        // one line per change made
  std::vector<std::string> needs_restart;  // changes left alone
  std::vector<std::string> warnings;       // e.g. INITIATOR lines that can never match
};

struct DeviceInfo {
  std::string name;
  std::string handler;
  std::string filename;  // empty for nullio/memory
  uint32_t block_size = 0;
  uint64_t num_blocks = 0;
  bool read_only = false;
  std::vector<std::string> luns;  // "<target>[/<group>]:<lun>", file order
};

class LiveConfig {
 public:
  // Validates (backing files below "/"), opens every DEVICE and builds the ACL tables.
  // `path`: the file Reload() re-reads; may be empty (then Reload fails).
  static Result<std::unique_ptr<LiveConfig>> Create(config::Configuration model,
                                                    uint32_t queue_depth, std::string path);
  static Result<std::unique_ptr<LiveConfig>> Load(const std::string& path, uint32_t queue_depth);

  // Driver parameters of the configuration the process started with.
  const DriverParameters& startup_parameters() const { return startup_parameters_; }
  const std::string& path() const { return path_; }

  // The TARGET a port serves: the one whose name is the port's GID (any spelling ParseGid
  // accepts) or its soft port name; when the driver has exactly one TARGET, that one whatever
  // its name. kNotFound when no TARGET applies.
  Result<std::string> TargetForPort(const Gid& port_gid, std::string_view port_name) const;
  // The ACL table of a TARGET (to put in TargetConfig::access); null when there is none.
  std::shared_ptr<AccessControl> Access(std::string_view target) const;
  // rel_tgt_id of a TARGET (default 1).
  uint16_t RelativeTargetId(std::string_view target) const;
  // Marks a TARGET as bound to a served port (reload then applies to it).
  void MarkServed(std::string_view target);

  Result<ReloadReport> Apply(config::Configuration next);
  // Re-reads path() and applies it.
  Result<ReloadReport> Reload();
  // Applies an admin edit to a copy of the model, then Apply(copy).
  Result<ReloadReport> Edit(const config::ConfigEdit& edit);

  config::Configuration Model() const;
  std::vector<DeviceInfo> Devices() const;

 private:
  struct TargetState {
    std::shared_ptr<AccessControl> access;
    bool served = false;
  };
  LiveConfig(uint32_t queue_depth, std::string path)
      : queue_depth_(queue_depth), path_(std::move(path)) {}
  Result<ReloadReport> ApplyLocked(config::Configuration next, bool initial);

  const uint32_t queue_depth_;
  const std::string path_;
  DriverParameters startup_parameters_;

  mutable std::mutex mu_;
  config::Configuration model_;                                // GUARDED_BY(mu_)
  std::map<std::string, std::shared_ptr<LogicalUnit>> units_;  // GUARDED_BY(mu_)
  std::map<std::string, TargetState, std::less<>> targets_;    // GUARDED_BY(mu_)
};

}  // namespace srp::target
