#include "target/engine/srp_port.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "lib/common/ids.h"
#include "lib/common/log.h"
#include "lib/srp/target_string.h"
#include "target/engine/access_control.h"
#include "target/engine/login_decision.h"

namespace srp::target {

using namespace std::chrono_literals;

SrpPort::SrpPort(fabric::Fabric& fabric, const TargetConfig& config, uint64_t id_ext,
                 uint64_t ioc_guid)
    : fabric_(fabric), config_(config), id_ext_(id_ext), ioc_guid_(ioc_guid) {
  stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

SrpPort::~SrpPort() {
  StopAccepting();
  listeners_.clear();
  if (stop_fd_ >= 0) close(stop_fd_);
}

Status SrpPort::Listen() {
  if (stop_fd_ < 0) return Status::FromErrno(errno, "eventfd");
  if (config_.ib_listener) {
    auto l = fabric_.Listen(fabric::Address::Ib(fabric_.port().gid, config_.service_id));
    if (!l.ok()) return l.status().WithContext("listen on the IB service id");
    listeners_.push_back(std::move(*l));
  }
  if (config_.rdma_cm_port != 0) {
    auto l = fabric_.Listen(fabric::Address::Ip("", config_.rdma_cm_port));
    if (!l.ok()) return l.status().WithContext("listen on the RDMA CM port");
    listeners_.push_back(std::move(*l));
  }
  if (listeners_.empty()) return InvalidArgument("no listener configured");
  return Status::Ok();
}

void SrpPort::Start() {
  config_.access->AddObserver(this);
  thread_ = std::thread([this] { AcceptLoop(); });
}

void SrpPort::StopAccepting() {
  if (config_.access) config_.access->RemoveObserver(this);
  accepting_.store(false);
  if (thread_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t r = write(stop_fd_, &one, sizeof(one));
    thread_.join();
  }
}

std::vector<std::string> SrpPort::LoginLines() const {
  std::vector<std::string> lines;
  for (const auto& l : listeners_) {
    wire::TargetString t;
    t.id_ext_text = FormatHex64(id_ext_);
    t.id_ext = id_ext_;
    t.ioc_guid = ioc_guid_;
    const fabric::Address& a = l->address();
    if (a.kind == fabric::Address::Kind::kIb) {
      t.dgid = fabric_.port().gid;
      t.pkey = a.pkey;
      t.service_id = a.service_id;
    } else {
      // Listening on every address; the loopback address is what a local srp-io can use.
      wire::DestAddress d;
      d.host = a.host.empty() ? "127.0.0.1" : a.host;
      d.ipv6 = d.host.find(':') != std::string::npos;
      d.port = a.port;
      t.dest = d;
    }
    // As srp_daemon does: tell ib_srp (which asks for 8260 bytes otherwise) our IU limit.
    t.max_it_iu_size = config_.srp_max_message_size;
    t.option_order.push_back("max_it_iu_size");
    lines.push_back(wire::FormatTargetString(t));
  }
  return lines;
}

size_t SrpPort::session_count() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

size_t SrpPort::channel_count() const {
  std::lock_guard lock(mu_);
  return total_channels_;
}

void SrpPort::AcceptLoop() {
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back(pollfd{stop_fd_, POLLIN, 0});
    for (auto& l : listeners_) fds.push_back(pollfd{l->event_fd(), POLLIN, 0});
    int r = poll(fds.data(), fds.size(), 200);
    if (!accepting_.load()) return;
    if (r < 0 && errno != EINTR) {
      SRP_LOG(kError, "acceptor: poll: {}", Status::FromErrno(errno, "poll").ToString());
      return;
    }
    for (auto& l : listeners_) {
      for (;;) {
        auto req = l->NextRequest(0ms);
        if (!req.ok()) break;
        HandleRequest(*l, std::move(*req));
      }
    }
  }
}

void SrpPort::Reject(fabric::Listener& listener, fabric::ConnectRequest& req,
                     wire::LoginRejectReason reason, uint64_t tag, const std::string& why) {
  wire::LoginReject rej;
  rej.reason = reason;
  rej.tag = tag;
  rej.buf_fmt = wire::kBufFmtDirect | wire::kBufFmtIndirect;
  const fabric::PeerInfo& peer = req.peer();
  SRP_LOG(kInfo, "login from {} on {} rejected ({}): {}",
          peer.ip.empty() ? FormatGidColon(peer.gid) : peer.ip, req.local_address().ToString(),
          wire::LoginRejectReasonName(reason), why);
  Status st = listener.Reject(req, wire::EncodeLoginReject(rej));
  if (!st.ok()) SRP_LOG(kWarning, "sending LOGIN_REJ failed: {}", st.ToString());
}

void SrpPort::HandleRequest(fabric::Listener& listener,
                            std::unique_ptr<fabric::ConnectRequest> req) {
  const bool rdma_cm = req->local_address().kind == fabric::Address::Kind::kIp;
  LoginContext ctx;
  ctx.transport = rdma_cm ? wire::LoginTransport::kRdmaCm : wire::LoginTransport::kIbCm;
  ctx.policy.max_it_iu_len = config_.srp_max_message_size;
  ctx.policy.id_ext = id_ext_;
  ctx.policy.ioc_guid = ioc_guid_;
  ctx.policy.accept_rev10_port_id = config_.accept_rev10_port_id;
  ctx.accepting = accepting_.load() && !groups_.empty();
  ctx.ring_size = config_.ring_size;
  ctx.immediate_data = config_.immediate_data;
  ctx.max_channels = config_.max_channels;
  ctx.max_channels_per_initiator = config_.max_channels_per_initiator;
  // The initiator as the fabric reports it: source address (RDMA CM) or source GID (IB CM).
  const std::string source = rdma_cm ? req->peer().ip : FormatGidColon(req->peer().gid);

  std::unique_lock lock(mu_);
  ctx.total_channels = total_channels_;
  auto pre = wire::DecodeLoginPrivateData(req->private_data(), ctx.transport);
  NexusKey key{};
  config::SessionIdentity who;
  AclResolution acl;
  auto existing = sessions_.end();
  if (pre.ok()) {
    key = MakeNexusKey(pre->initiator_port_id, pre->target_port_id);
    // Every login is matched on its own identity, also one naming an existing session.
    who = MakeSessionIdentity(rdma_cm ? nullptr : &req->peer().gid, rdma_cm ? req->peer().ip : "",
                              pre->initiator_port_id, source);
    acl = config_.access->Resolve(who);
    ctx.target_enabled = acl.enabled;
    ctx.login_group = acl.group;
    existing = sessions_.find(key);
    if (existing != sessions_.end()) {
      ctx.nexus_channels = static_cast<uint32_t>(existing->second.channels.size());
      ctx.session_group = existing->second.session->group();
    }
    ctx.initiator_channels = ChannelsFromLocked(source, key, &ctx.initiator_nexus_channels);
  }
  LoginDecision d = DecideLogin(req->private_data(), ctx);
  if (!d.accepted) {
    lock.unlock();
    return Reject(listener, *req, d.reject.reason, d.reject.tag, d.reason_text);
  }

  PollGroup* group = groups_[next_group_++ % groups_.size()];
  fabric::QpOptions qp;
  qp.send_cq = qp.recv_cq = &group->cq();
  qp.max_send_wr = config_.send_queue_size;
  qp.max_recv_wr = config_.ring_size + 1;  // + the drain marker
  qp.max_send_sge = 1;
  qp.max_recv_sge = 1;
  auto conn = listener.CreateConnection(*req, qp);
  if (!conn.ok()) {
    lock.unlock();
    return Reject(listener, *req, wire::LoginRejectReason::kInsufficientResources, d.request.tag,
                  "cannot create queue pair: " + conn.status().ToString());
  }

  SessionEntry& entry = existing != sessions_.end() ? existing->second : sessions_[key];
  if (!entry.session) {
    if (acl.groups_defined > 0 && acl.group.empty()) {
      const std::string port_id = config::FormatInitiatorPortId(pre->initiator_port_id);
      SRP_LOG(kInfo,
              "session {} (initiator port id {}) matches no INITIATOR line of the {} GROUP(s) "
              "and sees the default LUNs; to place it in a group add 'INITIATOR {}' (this "
              "initiator) or 'INITIATOR {}' (every initiator on that port)",
              source, port_id, acl.groups_defined, port_id, source);
    }
    entry.session =
        std::make_shared<SrpSession>(key, source, next_nexus_id_++, acl.group, acl.luns);
  }
  ChannelParams params;
  params.id = next_channel_id_++;
  params.ring_size = config_.ring_size;
  params.send_queue_size = config_.send_queue_size;
  params.max_it_iu_len = config_.srp_max_message_size;
  params.max_ti_iu_len = d.max_ti_iu_len;
  params.immediate_data = d.immediate_data;
  params.imm_data_offset = d.request.imm_data_offset;
  params.session = entry.session;
  params.luns = entry.session->luns();
  auto ch = SrpChannel::Create(fabric_, std::move(*conn), config_, params, group->resources());
  if (!ch.ok()) {
    if (entry.channels.empty()) sessions_.erase(key);
    lock.unlock();
    return Reject(listener, *req, wire::LoginRejectReason::kInsufficientResources, d.request.tag,
                  "cannot set up the channel: " + ch.status().ToString());
  }
  if (d.terminate_existing) {
    for (const ChannelRef& c : entry.channels)
      RetireLocked(c, entry.session, "single-channel login of the same I_T nexus");
    entry.channels.clear();
  }
  entry.channels.push_back(ChannelRef{params.id, group, std::move(who)});
  ++total_channels_;
  SRP_LOG(kInfo, "login accepted: session {} channel {} from {} ({}), it_iu_len {}, flags {:#04x}",
          entry.session->name(), params.id, source, rdma_cm ? "RDMA CM" : "IB CM",
          d.request.req_it_iu_len, d.response.rsp_flags);

  PollGroup::NewChannel nc;
  nc.channel = std::move(*ch);
  nc.request = std::move(req);
  nc.listener = &listener;
  nc.login_rsp = d.EncodePrivateData();
  // Still under mu_: a disconnect asked for this channel later (takeover, reload) reaches the
  // group's mailbox after the adoption.
  group->Adopt(std::move(nc));
}

uint32_t SrpPort::ChannelsFromLocked(const std::string& source, const NexusKey& nexus,
                                     uint32_t* in_nexus) const {
  uint32_t total = 0;
  *in_nexus = 0;
  for (const auto& [key, entry] : sessions_) {
    for (const ChannelRef& c : entry.channels) {
      if (c.who.session_name != source) continue;
      ++total;
      if (key == nexus) ++*in_nexus;
    }
  }
  return total;
}

void SrpPort::RetireLocked(const ChannelRef& c, const std::shared_ptr<SrpSession>& session,
                           const std::string& why) {
  closing_[c.id] = session;
  c.group->RequestDisconnect(c.id, why);
}

void SrpPort::ReleaseIfUnusedLocked(const std::shared_ptr<SrpSession>& session) {
  auto it = sessions_.find(session->key());
  if (it != sessions_.end() && it->second.session == session) return;
  for (const auto& [id, s] : closing_)
    if (s == session) return;
  if (session->luns()) session->luns()->ForgetNexus(session->nexus_id());
}

std::vector<std::string> SrpPort::OnAclReplaced(const AccessControl& acl) {
  std::vector<std::string> lines;
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    SessionEntry& entry = it->second;
    std::array<uint8_t, 16> port_id{};
    std::copy(it->first.begin(), it->first.begin() + 16, port_id.begin());
    const std::string session_text =
        fmt::format("session {} (initiator port id {})", entry.session->name(),
                    config::FormatInitiatorPortId(port_id));
    std::vector<ChannelRef> kept;
    std::string why;
    for (ChannelRef& c : entry.channels) {
      AclResolution now = acl.Resolve(c.who);
      std::string revoked;
      if (!now.enabled) {
        revoked = "the target is disabled";
      } else if (now.group != entry.session->group()) {
        revoked = fmt::format("{} now resolves to {} instead of {}", c.who.session_name,
                              DescribeGroup(now.group), DescribeGroup(entry.session->group()));
      }
      if (revoked.empty()) {
        kept.push_back(std::move(c));
        continue;
      }
      RetireLocked(c, entry.session, "access revoked: " + revoked);
      why = std::move(revoked);
    }
    const size_t ended = entry.channels.size() - kept.size();
    if (ended == 0) {
      ++it;
      continue;
    }
    if (kept.empty()) {
      lines.push_back(fmt::format("{} ended: {}", session_text, why));
      SRP_LOG(kInfo, "{} ended: {}", session_text, why);
      it = sessions_.erase(it);
      continue;
    }
    lines.push_back(fmt::format("{}: {} of {} channel(s) ended: {}", session_text, ended,
                                entry.channels.size(), why));
    SRP_LOG(kInfo, "{}", lines.back());
    entry.channels = std::move(kept);
    ++it;
  }
  return lines;
}

std::vector<SrpPort::SessionInfo> SrpPort::Sessions() const {
  std::lock_guard lock(mu_);
  std::vector<SessionInfo> out;
  for (const auto& [key, entry] : sessions_) {
    SessionInfo info;
    info.name = entry.session->name();
    std::array<uint8_t, 16> initiator{};
    std::copy(key.begin(), key.begin() + 16, initiator.begin());
    info.initiator_port_id = config::FormatInitiatorPortId(initiator);
    info.group = entry.session->group();
    if (entry.session->luns()) info.luns = entry.session->luns()->Luns();
    info.channels = entry.channels.size();
    out.push_back(std::move(info));
  }
  return out;
}

void SrpPort::OnChannelClosed(const SrpChannel& channel) {
  std::lock_guard lock(mu_);
  if (total_channels_ > 0) --total_channels_;
  if (auto c = closing_.find(channel.id()); c != closing_.end()) {
    std::shared_ptr<SrpSession> session = std::move(c->second);
    closing_.erase(c);
    ReleaseIfUnusedLocked(session);
    return;
  }
  auto it = sessions_.find(channel.session_ptr()->key());
  if (it == sessions_.end() || it->second.session != channel.session_ptr()) return;
  std::erase_if(it->second.channels, [&](const ChannelRef& c) { return c.id == channel.id(); });
  if (it->second.channels.empty()) {
    SRP_LOG(kInfo, "session {} closed", it->second.session->name());
    std::shared_ptr<SrpSession> session = std::move(it->second.session);
    sessions_.erase(it);
    ReleaseIfUnusedLocked(session);
  }
}

}  // namespace srp::target
