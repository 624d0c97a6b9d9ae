// srp-login's kernel path: find the ib_srp host, skip targets already
// connected, write add_target, explain the kernel's errno. Every access goes
// through an FsRoot standing in for /sys (`--sysfs-root`); tests inject write
// errors by overriding FsRoot::WriteFile.
//
//   /class/infiniband_srp/srp-<hca>-<port>/add_target     (write-only)
//   /class/scsi_host/host<N>/{id_ext,ioc_guid,service_id,pkey,orig_dgid|dgid,
//                             local_ib_device,local_ib_port}   (the §6 match)
#pragma once

#include <string>
#include <vector>

#include "lib/common/fs_root.h"
#include "lib/common/status.h"
#include "lib/srp/target_string.h"

namespace srp::login {

struct SrpHost {
  std::string hca;
  int port = 0;
  std::string dir() const;              // "/class/infiniband_srp/srp-<hca>-<port>"
  std::string add_target_path() const;  // dir() + "/add_target"
};

// "srp-mlx5_0-1" -> {mlx5_0, 1}; kInvalidArgument otherwise.
Result<SrpHost> ParseSrpHostName(const std::string& name);

// The srp host to use: `hca`/`port` when given (hca "" = auto; port 0 = auto),
// else the single srp-* entry. kNotFound when none exists ("is ib_srp
// loaded?"), kInvalidArgument naming the candidates when several match.
Result<SrpHost> FindSrpHost(const FsRoot& sys, const std::string& hca, int port);

// The srp host srp_daemon would write `target` to when it discovered it: srp-<ca>-<port> of the
// local CA port it ran on, i.e. libibumad's default (the first CA, in name order, with an
// ACTIVE InfiniBand port) -- preferring the port whose GID subnet prefix is the target's
// (<sys>/class/infiniband/<ca>/ports/<n>/{state,link_layer,gids/0}). kNotFound without RDMA
// devices. The host need not exist (ib_srp not loaded): --dry-run names it all the same.
Result<SrpHost> DeriveSrpHost(const FsRoot& sys, const wire::TargetString& target);

// True if a SCSI host of `host` already serves `target` (IB form: id_ext,
// ioc_guid, service_id, pkey and dgid (orig_dgid if present) equal; dest=
// lines: id_ext and ioc_guid). Unreadable hosts are skipped.
bool AlreadyConnected(const FsRoot& sys, const SrpHost& host, const wire::TargetString& target);

enum class WriteOutcome { kConnected, kAlreadyConnected, kFailed };

struct WriteResult {
  WriteOutcome outcome = WriteOutcome::kFailed;
  std::string message;  // for kFailed: names the cause
};

// Writes `line` (no newline) to the host's add_target in one write.
WriteResult WriteAddTarget(const FsRoot& sys, const SrpHost& host, const std::string& line);

// The cause of an add_target errno, as srp-login prints it.
std::string ExplainAddTargetErrno(int err);

// `echo '<line>' > <sysfs>/class/infiniband_srp/srp-<hca>-<port>/add_target`,
// `sysfs_root` being the directory that stands in for /sys.
std::string DryRunCommand(const std::string& sysfs_root, const SrpHost& host,
                          const std::string& line);

}  // namespace srp::login
