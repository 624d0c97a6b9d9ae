#include "target/engine/srp_port.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
  thread_ = std::thread([this] { AcceptLoop(); });
}

void SrpPort::StopAccepting() {
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

  std::unique_lock lock(mu_);
  ctx.total_channels = total_channels_;
  auto pre = wire::DecodeLoginPrivateData(req->private_data(), ctx.transport);
  NexusKey key{};
  if (pre.ok()) {
    key = MakeNexusKey(pre->initiator_port_id, pre->target_port_id);
    auto it = sessions_.find(key);
    if (it != sessions_.end())
      ctx.nexus_channels = static_cast<uint32_t>(it->second.channels.size());
  }
  // ACL: a new I_T nexus is placed in a group (or the default LUN set) now; its later
  // channels share the session and so its LUNs.
  AclResolution acl;
  const bool new_session = pre.ok() && sessions_.find(key) == sessions_.end();
  std::string session_name = rdma_cm ? req->peer().ip : FormatGidColon(req->peer().gid);
  if (new_session) {
    config::SessionIdentity who = MakeSessionIdentity(
        rdma_cm ? nullptr : &req->peer().gid, req->peer().ip, pre->initiator_port_id,
        session_name);
    acl = config_.access->Resolve(who);
    if (!acl.enabled) ctx.accepting = false;
  }
  LoginDecision d = DecideLogin(req->private_data(), ctx);
  if (!d.accepted && new_session && !acl.enabled) d.reason_text = "target disabled (enabled 0)";
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

  auto& entry = sessions_[key];
  if (!entry.session) {
    if (acl.groups_defined > 0 && acl.group.empty()) {
      const std::string port_id = config::FormatInitiatorPortId(pre->initiator_port_id);
      SRP_LOG(kInfo,
              "session {} (initiator port id {}) matches no INITIATOR line of the {} GROUP(s) "
              "and sees the default LUNs; to place it in a group add 'INITIATOR {}' (this "
              "initiator) or 'INITIATOR {}' (every initiator on that port)",
              session_name, port_id, acl.groups_defined, port_id, session_name);
    }
    entry.session = std::make_shared<SrpSession>(key, session_name, next_nexus_id_++, acl.group,
                                                 acl.luns);
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
      c.group->RequestDisconnect(c.id, "single-channel login of the same I_T nexus");
  }
  entry.channels.push_back(ChannelRef{params.id, group});
  ++total_channels_;
  SRP_LOG(kInfo, "login accepted: session {} channel {} ({}), it_iu_len {}, flags {:#04x}",
          entry.session->name(), params.id, rdma_cm ? "RDMA CM" : "IB CM", d.request.req_it_iu_len,
          d.response.rsp_flags);
  lock.unlock();

  PollGroup::NewChannel nc;
  nc.channel = std::move(*ch);
  nc.request = std::move(req);
  nc.listener = &listener;
  nc.login_rsp = d.EncodePrivateData();
  group->Adopt(std::move(nc));
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
  auto it = sessions_.find(channel.session_ptr()->key());
  if (it == sessions_.end()) return;
  std::erase_if(it->second.channels, [&](const ChannelRef& c) { return c.id == channel.id(); });
  if (it->second.channels.empty()) {
    SRP_LOG(kInfo, "session {} closed", it->second.session->name());
    const SrpSession& session = *it->second.session;
    if (session.luns()) session.luns()->ForgetNexus(session.nexus_id());
    sessions_.erase(it);
  }
}

}  // namespace srp::target
