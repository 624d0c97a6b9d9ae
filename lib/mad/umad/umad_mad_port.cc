#include "lib/mad/umad/umad_mad_port.h"

#include <endian.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

#include "lib/common/log.h"
#include "lib/mad/umad/umad_api.h"

namespace srp::mad::umad {
namespace {

constexpr size_t kUmadHeader = sizeof(ib_user_mad);
constexpr uint8_t kSaRmppVersion = 1;

Status UmadError(int negative_errno, std::string_view what) {
  return Status::FromErrno(-negative_errno, what);
}

class UmadMadPort final : public MadPort {
 public:
  UmadMadPort(UmadApi& api, int port_id, int sa_agent, int dm_agent, fabric::soft::PortRecord local,
              const UmadPortOptions& options)
      : api_(api),
        port_id_(port_id),
        sa_agent_(sa_agent),
        dm_agent_(dm_agent),
        local_(std::move(local)),
        options_(options) {}

  ~UmadMadPort() override {
    api_.Unregister(port_id_, dm_agent_);
    api_.Unregister(port_id_, sa_agent_);
    api_.ClosePort(port_id_);
  }

  fabric::soft::PortRecord local_port() const override { return local_; }
  uint16_t sm_lid() const override { return local_.sm_lid; }

  Status Send(const MadAddress& to, std::span<const std::byte, kMadSize> mad) override {
    const auto mgmt_class = static_cast<uint8_t>(mad[1]);
    int agent = -1;
    if (mgmt_class == kClassSa) agent = sa_agent_;
    if (mgmt_class == kClassDm) agent = dm_agent_;
    if (agent < 0) {
      return InvalidArgument(
          fmt::format("umad: no agent for management class {:#04x}", mgmt_class));
    }
    std::vector<std::byte> buf(kUmadHeader + kMadSize);
    auto* u = reinterpret_cast<ib_user_mad*>(buf.data());
    u->addr.qpn = htobe32(to.qpn);
    u->addr.qkey = htobe32(to.qkey);
    u->addr.lid = htobe16(to.lid);
    u->addr.sl = to.sl;
    u->addr.pkey_index = to.pkey_index;
    std::memcpy(buf.data() + kUmadHeader, mad.data(), kMadSize);
    const bool request = (static_cast<uint8_t>(mad[3]) & kMethodResponseBit) == 0;
    int timeout_ms = 0;
    if (request) {
      timeout_ms = static_cast<int>(options_.request_timeout.count());
      RememberTid(LoadTid(mad.data()));
    }
    const int rc =
        api_.Send(port_id_, agent, buf.data(), static_cast<int>(kMadSize), timeout_ms, 0);
    if (rc < 0) return UmadError(rc, "umad_send");
    return Status::Ok();
  }

 protected:
  Result<ReceivedMad> DoReceive(std::chrono::milliseconds timeout) override {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    size_t mad_len = kMadSize;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) left = std::chrono::milliseconds(0);
      std::vector<std::byte> buf(kUmadHeader + mad_len);
      int length = static_cast<int>(mad_len);
      const int rc = api_.Recv(port_id_, buf.data(), &length, static_cast<int>(left.count()));
      if (rc == -ETIMEDOUT || rc == -EAGAIN) {
        return Status(StatusCode::kTimedOut, "umad: no MAD within the timeout");
      }
      if (rc == -ENOSPC && length > static_cast<int>(mad_len)) {
        mad_len = static_cast<size_t>(length);  // a reassembled RMPP answer: read it again
        continue;
      }
      if (rc < 0) return UmadError(rc, "umad_recv");
      const auto* u = reinterpret_cast<const ib_user_mad*>(buf.data());
      if (u->status != 0) {
        // One of our sends, returned by the kernel (e.g. ETIMEDOUT: no response).
        SRP_LOG(kDebug, "umad: send to LID {:#x} completed with status {}", be16toh(u->addr.lid),
                u->status);
        continue;
      }
      if (length < static_cast<int>(kMadSize) || static_cast<size_t>(length) > mad_len) {
        SRP_LOG(kDebug, "umad: dropping a {}-byte MAD", length);
        continue;
      }
      auto mad = Mad::FromBytes(
          std::span<const std::byte>(buf.data() + kUmadHeader, static_cast<size_t>(length)));
      if (!mad.ok()) {
        SRP_LOG(kDebug, "umad: dropping a MAD: {}", mad.status().ToString());
        continue;
      }
      ReceivedMad got;
      got.from.lid = be16toh(u->addr.lid);
      got.from.qpn = be32toh(u->addr.qpn);
      got.from.qkey = be32toh(u->addr.qkey);
      got.from.pkey_index = u->addr.pkey_index;
      got.from.sl = u->addr.sl;
      got.mad = std::move(mad).value();
      if (got.mad.is_response()) RestoreTid(got.mad);
      return got;
    }
  }

 private:
  static uint64_t LoadTid(const std::byte* mad) {
    uint64_t v = 0;
    for (int i = 8; i < 16; ++i) v = (v << 8) | static_cast<uint8_t>(mad[i]);
    return v;
  }
  void RememberTid(uint64_t tid) {
    if (sent_tids_.size() >= kTidMemory) sent_tids_.pop_front();
    sent_tids_.push_back(tid);
  }
  // The kernel put its agent id into the upper 32 bits; put ours back.
  void RestoreTid(Mad& mad) const {
    const uint64_t tid = mad.tid();
    for (auto it = sent_tids_.rbegin(); it != sent_tids_.rend(); ++it) {
      if ((*it & 0xffffffffu) == (tid & 0xffffffffu)) {
        MadHeader h = mad.header();
        h.tid = *it;
        mad.set_header(h);
        return;
      }
    }
  }

  UmadApi& api_;
  const int port_id_;
  const int sa_agent_;
  const int dm_agent_;
  const fabric::soft::PortRecord local_;
  const UmadPortOptions options_;
  std::deque<uint64_t> sent_tids_;
};

// The local port's identity from umad_get_port / umad_get_ca.
Result<fabric::soft::PortRecord> QueryLocalPort(UmadApi& api, const std::string& ca_name,
                                                int port_num, std::string* resolved_ca,
                                                int* resolved_port) {
  umad_port_t port{};
  const char* ca = ca_name.empty() ? nullptr : ca_name.c_str();
  if (int rc = api.GetPort(ca, port_num, &port); rc < 0) {
    return UmadError(rc, fmt::format("umad_get_port({}, {})",
                                     ca_name.empty() ? "default CA" : ca_name, port_num));
  }
  fabric::soft::PortRecord r;
  r.name = port.ca_name;
  r.pid = static_cast<int>(getpid());
  r.port_guid = be64toh(port.port_guid);
  r.subnet_prefix = be64toh(port.gid_prefix);
  r.gid = Gid::FromParts(r.subnet_prefix, r.port_guid);
  r.lid = static_cast<uint16_t>(port.base_lid);
  r.sm_lid = static_cast<uint16_t>(port.sm_lid);
  r.capability_mask = be32toh(port.capmask);
  r.pkeys.clear();
  for (unsigned i = 0; port.pkeys != nullptr && i < port.pkeys_size; ++i) {
    if (port.pkeys[i] != 0) r.pkeys.push_back(port.pkeys[i]);
  }
  const std::string link_layer = port.link_layer;
  *resolved_ca = port.ca_name;
  *resolved_port = port.portnum;
  api.ReleasePort(&port);
  if (!link_layer.empty() && link_layer != "InfiniBand") {
    return Status(StatusCode::kNotSupported,
                  fmt::format("{} port {}: link layer {} has no MADs to discover SRP targets with",
                              *resolved_ca, *resolved_port, link_layer));
  }
  umad_ca_t ca_info{};
  if (api.GetCa(resolved_ca->c_str(), &ca_info) == 0) {
    r.node_guid = be64toh(ca_info.node_guid);
    api.ReleaseCa(&ca_info);
  }
  return r;
}

}  // namespace

Result<std::unique_ptr<MadPort>> OpenUmadMadPort(UmadApi& api, const std::string& ca_name,
                                                 int port_num, const UmadPortOptions& options) {
  if (int rc = api.Init(); rc < 0) return UmadError(rc, "umad_init");
  std::string ca;
  int port = 0;
  auto local = QueryLocalPort(api, ca_name, port_num, &ca, &port);
  if (!local.ok()) return local.status();
  const int port_id = api.OpenPort(ca.c_str(), port);
  if (port_id < 0) return UmadError(port_id, fmt::format("umad_open_port({}, {})", ca, port));
  const int sa_agent = api.Register(port_id, kClassSa, kSaClassVersion, kSaRmppVersion, nullptr);
  if (sa_agent < 0) {
    api.ClosePort(port_id);
    return UmadError(sa_agent, "umad_register(SA class 0x03 v2)");
  }
  long method_mask[16 / sizeof(long)] = {};
  method_mask[0] = (1L << kMethodGet) | (1L << kMethodSet);
  const int dm_agent =
      api.Register(port_id, kClassDm, kDmClassVersion, 0, options.serve_dm ? method_mask : nullptr);
  if (dm_agent < 0) {
    api.Unregister(port_id, sa_agent);
    api.ClosePort(port_id);
    return UmadError(dm_agent, options.serve_dm
                                   ? "umad_register(DM class 0x06 v1, GET/SET; is ib_srpt loaded?)"
                                   : "umad_register(DM class 0x06 v1)");
  }
  SRP_LOG(kDebug, "umad: {} port {} open (LID {:#x}, SM LID {:#x})", ca, port, local->lid,
          local->sm_lid);
  return std::unique_ptr<MadPort>(
      new UmadMadPort(api, port_id, sa_agent, dm_agent, std::move(local).value(), options));
}

Result<std::unique_ptr<MadPort>> OpenUmadMadPort(const std::string& ca_name, int port_num,
                                                 const UmadPortOptions& options) {
  return OpenUmadMadPort(RealUmadApi(), ca_name, port_num, options);
}

}  // namespace srp::mad::umad
