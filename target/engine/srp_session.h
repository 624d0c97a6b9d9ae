// SrpSession: one I_T nexus (initiator_port_id + target_port_id). Channels of the same nexus
// share it; SrpPort keeps the nexus -> session table and which channels belong to it.
// Thread-safe: the command counter is touched by every poll group that has a channel of it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "lib/srp/login.h"
#include "target/scsi/lun_map.h"

namespace srp::target {

using NexusKey = std::array<uint8_t, 2 * wire::kPortIdSize>;

NexusKey MakeNexusKey(const wire::PortId& initiator, const wire::PortId& target);

class SrpSession {
 public:
  // `name`: initiator GID "fe80:0000:..." (IB CM form) or its IP address (RDMA CM form).
  SrpSession(NexusKey key, std::string name, uint64_t nexus_id)
      : key_(key), name_(std::move(name)), nexus_id_(nexus_id) {}
  // With its ACL decision (access_control.h): `group` empty = the target's default LUNs.
  SrpSession(NexusKey key, std::string name, uint64_t nexus_id, std::string group,
             std::shared_ptr<LunMap> luns)
      : key_(key),
        name_(std::move(name)),
        nexus_id_(nexus_id),
        group_(std::move(group)),
        luns_(std::move(luns)) {}

  const NexusKey& key() const { return key_; }
  const std::string& name() const { return name_; }
  // Identifies the nexus to the SCSI core (unit attentions are per nexus).
  uint64_t nexus_id() const { return nexus_id_; }
  const std::string& group() const { return group_; }
  // The LUNs every channel of this session sees (null for sessions made without ACL).
  const std::shared_ptr<LunMap>& luns() const { return luns_; }

  void AddCommand() { outstanding_.fetch_add(1, std::memory_order_relaxed); }
  void RemoveCommand() { outstanding_.fetch_sub(1, std::memory_order_relaxed); }
  // Commands of this session between decode and completion (TASK SET FULL vs BUSY).
  uint32_t outstanding() const { return outstanding_.load(std::memory_order_relaxed); }

 private:
  const NexusKey key_;
  const std::string name_;
  const uint64_t nexus_id_;
  const std::string group_;
  const std::shared_ptr<LunMap> luns_;
  std::atomic<uint32_t> outstanding_{0};
};

}  // namespace srp::target
