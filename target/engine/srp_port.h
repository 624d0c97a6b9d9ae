// SrpPort: the target's presence on one fabric port: its listeners (IB service id and/or RDMA
// CM IP:port), the login decision for every connect request, and the I_T nexus -> session
// table. Accepted channels are handed to a poll group (round-robin), which posts the
// receive ring and sends the LOGIN_RSP. Rejections carry an SRP_LOGIN_REJ.
//
// Access control: every connect request is resolved on its own identity (fabric source +
// initiator port id, access_control.h), also one that joins or takes over an existing
// session; DecideLogin rejects one that resolves to another group than that session. The
// port observes its AccessControl: after a reload it ends the channels the new table no
// longer admits (target disabled, or the channel's identity now in another group).
//
// Session membership: a session's live channels are listed in its entry; a channel asked to
// disconnect (SINGLE takeover, revoked access) leaves the entry at once and waits in closing_
// until it has closed, so it no longer counts against its initiator or names the session.
// The session's per-nexus SCSI state is dropped when no live or closing channel uses it.
//
// Threading: one acceptor thread runs HandleRequest; OnChannelClosed comes from poll group
// threads; OnAclReplaced from whoever replaces the ACL table; the tables are guarded by mu_.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "target/engine/access_control.h"
#include "target/engine/engine_config.h"
#include "target/engine/poll_group.h"
#include "target/engine/srp_session.h"

namespace srp::target {

class SrpPort final : public ChannelObserver, public AclObserver {
 public:
  SrpPort(fabric::Fabric& fabric, const TargetConfig& config, uint64_t id_ext, uint64_t ioc_guid);
  ~SrpPort() override;

  // Opens the configured listeners.
  Status Listen();
  // Starts the acceptor thread and observes config.access. REQUIRES: Listen() succeeded;
  // SetGroups() called.
  void Start();
  void SetGroups(std::vector<PollGroup*> groups) { groups_ = std::move(groups); }
  // Stops the acceptor thread (later connect requests are rejected by the fabric) and stops
  // observing the ACL table.
  void StopAccepting();

  // One ibsrpdm -c style target line per listener.
  std::vector<std::string> LoginLines() const;
  const std::vector<std::unique_ptr<fabric::Listener>>& listeners() const { return listeners_; }

  size_t session_count() const;
  // The sessions now logged in, by session name.
  struct SessionInfo {
    std::string name;               // GID colon form (IB CM) or IP address (RDMA CM)
    std::string initiator_port_id;  // "0x" + 32 hex, SCST's session name
    std::string group;              // empty = the target's default LUNs
    std::vector<uint32_t> luns;     // what the session sees now
    size_t channels = 0;
  };
  std::vector<SessionInfo> Sessions() const;
  size_t channel_count() const;

  // Decides one connect request (acceptor thread; public for tests).
  void HandleRequest(fabric::Listener& listener, std::unique_ptr<fabric::ConnectRequest> req);
  void OnChannelClosed(const SrpChannel& channel) override;
  std::vector<std::string> OnAclReplaced(const AccessControl& acl) override;

 private:
  struct ChannelRef {
    uint64_t id;
    PollGroup* group;
    config::SessionIdentity who;  // the identity this channel logged in with
  };
  struct SessionEntry {
    std::shared_ptr<SrpSession> session;
    std::vector<ChannelRef> channels;  // live: neither closed nor asked to disconnect
  };
  void AcceptLoop();
  void Reject(fabric::Listener& listener, fabric::ConnectRequest& req,
              wire::LoginRejectReason reason, uint64_t tag, const std::string& why);
  // Asks `c` (of `session`) to disconnect and moves it to closing_. REQUIRES: mu_ held.
  void RetireLocked(const ChannelRef& c, const std::shared_ptr<SrpSession>& session,
                    const std::string& why);
  // Drops the session's per-nexus state (unit attentions) once no live or closing channel
  // uses it. REQUIRES: mu_ held.
  void ReleaseIfUnusedLocked(const std::shared_ptr<SrpSession>& session);
  // Live channels whose fabric source is `source`; *in_nexus gets those in `nexus`.
  // REQUIRES: mu_ held.
  uint32_t ChannelsFromLocked(const std::string& source, const NexusKey& nexus,
                              uint32_t* in_nexus) const;

  fabric::Fabric& fabric_;
  const TargetConfig& config_;
  const uint64_t id_ext_;
  const uint64_t ioc_guid_;
  std::vector<std::unique_ptr<fabric::Listener>> listeners_;
  std::vector<PollGroup*> groups_;
  std::thread thread_;
  int stop_fd_ = -1;
  std::atomic<bool> accepting_{true};

  mutable std::mutex mu_;
  std::map<NexusKey, SessionEntry> sessions_;                // GUARDED_BY(mu_)
  std::map<uint64_t, std::shared_ptr<SrpSession>> closing_;  // GUARDED_BY(mu_), by channel id
  uint32_t total_channels_ = 0;                              // GUARDED_BY(mu_), live + closing
  uint64_t next_channel_id_ = 1;                             // GUARDED_BY(mu_)
  uint64_t next_nexus_id_ = 1;                               // GUARDED_BY(mu_)
  size_t next_group_ = 0;                                    // GUARDED_BY(mu_)
};

}  // namespace srp::target
