// soft_fabric_peer: the other process in the soft fabric integration tests.
//
// Roles (subcommands):
//   serve    listen (IB service id or IP:port), take ONE connection request,
//            then reject it (--reject) or accept it and serve the command
//            protocol of peer_support.h until the connection ends.
//   connect  connect to a serving peer and run a self-check (RDMA READ/WRITE
//            of several sizes verified with patterns and checksums, ordered
//            echo messages), then disconnect. Used across network namespaces.
//
// Stdout protocol (one line each, flushed at once; the parent test parses it):
//   LISTENING ib <gid 32 hex> <service id hex> | LISTENING ip <host> <port>
//   REQUEST <private data hex, "-" if empty>
//   BADDATA <hex>                   private data differs from --expect-data (exit 2)
//   REJECTED                        serve --reject answered the request
//   READY <addr hex> <rkey hex> <length>   accepted; buffer registered
//   EVENT <disconnected|error> <detail>    the connection ended (serve then exits 0)
//   WC <opcode> <status>            a message WR completed with an error
//   CONNECTED <reply hex> | REJECTED-BY-PEER <reply hex>   (connect)
//   RESULT ok | RESULT fail <reason>                       (connect)
// Exit status: 0 done as scripted; 1 setup failure or timeout (reason on
// stderr); 2 private-data mismatch or a failed self-check. "die" raises SIGKILL.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/status.h"
#include "lib/fabric/fabric.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "tests/fabric/integration/peer_support.h"

namespace srp::fabric::integration {
namespace {

struct CommonOptions {
  std::string subnet_dir;  // "" = $SRP_SOFT_FABRIC
  std::string port_name;
  std::vector<std::string> ips;
  int timeout_ms = 20000;
};

struct ServeOptions {
  std::string service_id;  // hex; IB form when set
  std::string listen_ip;
  bool ip_form = false;
  uint16_t listen_port = 0;
  size_t buffer_size = 1 << 20;
  std::string access = "rw";
  std::string expect_data;
  std::string reply_data;  // "" = echo the request's private data
  bool reject = false;
};

struct ConnectOptions {
  std::string host;
  uint16_t port = 0;
  std::string data = "-";
  int messages = 100;
};

template <typename... Args>
void Say(fmt::format_string<Args...> format, Args&&... args) {
  std::string line = fmt::format(format, std::forward<Args>(args)...);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

int Fail(const Status& status, std::string_view what) {
  std::fprintf(stderr, "soft_fabric_peer: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  return 1;
}

const char* EventTypeName(ConnectionEventType type) {
  switch (type) {
    case ConnectionEventType::kEstablished:
      return "established";
    case ConnectionEventType::kDisconnected:
      return "disconnected";
    case ConnectionEventType::kError:
      return "error";
  }
  return "?";
}

Result<uint32_t> ParseAccess(std::string_view text) {
  if (text == "none") return 0u;
  uint32_t access = kAccessLocalWrite;
  for (char c : text) {
    if (c == 'r') {
      access |= kAccessRemoteRead;
    } else if (c == 'w') {
      access |= kAccessRemoteWrite;
    } else {
      return InvalidArgument(fmt::format("bad --access '{}' (r, w, rw or none)", text));
    }
  }
  return access;
}

Result<std::unique_ptr<Fabric>> OpenPort(const CommonOptions& c) {
  soft::SoftFabricOptions options;
  options.subnet_dir = c.subnet_dir;
  options.port_name = c.port_name;
  options.ip_addresses = c.ips;
  return soft::OpenSoftFabric(options);
}

void ReportMessageErrors(const MessageEndpoint& ep) {
  for (const Completion& wc : ep.message_errors()) {
    Say("WC {} {}", WcOpcodeName(wc.opcode), WcStatusName(wc.status));
  }
}

// Executes one command of the peer_support.h protocol; returns the reply.
std::string Execute(std::string_view command, std::span<std::byte> buffer, const MemoryRegion& mr) {
  const std::vector<std::string> words = SplitWords(command);
  if (words.empty()) return "error empty command";
  const std::string& verb = words[0];
  if (verb == "echo") return std::string(command.substr(std::min<size_t>(5, command.size())));
  if (verb == "info") {
    return fmt::format("info {:x} {:x} {}", reinterpret_cast<uint64_t>(mr.addr()), mr.rkey(),
                       mr.length());
  }
  if (verb == "die") {
    ::raise(SIGKILL);
    return "error still alive";
  }
  if ((verb == "fill" && words.size() == 4) || (verb == "sum" && words.size() == 3)) {
    const uint64_t offset = std::stoull(words[1]);
    const uint64_t length = std::stoull(words[2]);
    if (offset > buffer.size() || length > buffer.size() - offset) return "error out of range";
    const std::span<std::byte> region = buffer.subspan(offset, length);
    if (verb == "sum") return fmt::format("sum {:016x}", Checksum(region));
    FillPattern(region, std::stoull(words[3]));
    return "ok";
  }
  return fmt::format("error unknown command '{}'", command);
}

int RunServe(const CommonOptions& c, const ServeOptions& s) {
  const std::chrono::milliseconds timeout(c.timeout_ms);
  auto access = ParseAccess(s.access);
  if (!access.ok()) return Fail(access.status(), "options");
  auto fabric = OpenPort(c);
  if (!fabric.ok()) return Fail(fabric.status(), "open soft port");

  Address address;
  if (s.ip_form) {
    address = Address::Ip(s.listen_ip, s.listen_port);
  } else {
    auto sid = ParseHexU64(s.service_id);
    if (!sid.ok()) return Fail(sid.status(), "--service-id");
    address = Address::Ib(Gid{}, *sid);
  }
  auto listener = (*fabric)->Listen(address);
  if (!listener.ok()) return Fail(listener.status(), "listen");
  const Address& bound = (*listener)->address();
  if (s.ip_form) {
    Say("LISTENING ip {} {}", bound.host.empty() ? s.listen_ip : bound.host, bound.port);
  } else {
    Say("LISTENING ib {} {:x}", FormatGidHex((*fabric)->port().gid), bound.service_id);
  }

  auto req = (*listener)->NextRequest(timeout);
  if (!req.ok()) return Fail(req.status(), "wait for connection request");
  const std::span<const std::byte> data = (*req)->private_data();
  Say("REQUEST {}", BytesToHex(data));

  std::vector<std::byte> reply(data.begin(), data.end());
  if (!s.reply_data.empty()) {
    auto bytes = HexToBytes(s.reply_data);
    if (!bytes.ok()) return Fail(bytes.status(), "--reply-data");
    reply = std::move(*bytes);
  }
  if (!s.expect_data.empty()) {
    auto expected = HexToBytes(s.expect_data);
    if (!expected.ok()) return Fail(expected.status(), "--expect-data");
    if (!std::equal(data.begin(), data.end(), expected->begin(), expected->end())) {
      Say("BADDATA {}", BytesToHex(data));
      (void)(*listener)->Reject(**req, {});
      return 2;
    }
  }
  if (s.reject) {
    Status st = (*listener)->Reject(**req, reply);
    if (!st.ok()) return Fail(st, "reject");
    Say("REJECTED");
    return 0;
  }

  // Declared before the endpoint so it outlives the connection.
  std::vector<std::byte> buffer(s.buffer_size);
  auto mr = (*fabric)->RegisterMemory(buffer.data(), buffer.size(), *access);
  if (!mr.ok()) return Fail(mr.status(), "register buffer");
  auto ep = MessageEndpoint::Create(**fabric);
  if (!ep.ok()) return Fail(ep.status(), "message endpoint");
  auto conn = (*listener)->CreateConnection(**req, (*ep)->qp_options());
  if (!conn.ok()) return Fail(conn.status(), "create connection");
  Status st = (*ep)->Attach(std::move(*conn));
  if (!st.ok()) return Fail(st, "post receives");
  st = (*listener)->Accept(**req, (*ep)->connection(), reply);
  if (!st.ok()) return Fail(st, "accept");
  Say("READY {:x} {:x} {}", reinterpret_cast<uint64_t>((*mr)->addr()), (*mr)->rkey(),
      (*mr)->length());

  for (;;) {
    auto incoming = (*ep)->ReceiveOrEvent(timeout);
    if (!incoming.ok()) return Fail(incoming.status(), "serve");
    if (auto* ev = std::get_if<ConnectionEvent>(&*incoming)) {
      ReportMessageErrors(**ep);
      Say("EVENT {} {}", EventTypeName(ev->type), ev->detail.ToString());
      return 0;
    }
    const std::string& command = std::get<std::string>(*incoming);
    st = (*ep)->Send(Execute(command, buffer, **mr), timeout);
    if (!st.ok()) {
      // The initiator may be gone already; report how the connection ended.
      auto ev = (*ep)->WaitEvent(timeout);
      if (!ev.ok()) return Fail(st, "send reply");
      ReportMessageErrors(**ep);
      Say("EVENT {} {}", EventTypeName(ev->type), ev->detail.ToString());
      return 0;
    }
  }
}

Status Expect(const Result<std::string>& got, std::string_view want) {
  if (!got.ok()) return got.status();
  if (*got != want) return ProtocolError(fmt::format("reply '{}', expected '{}'", *got, want));
  return Status::Ok();
}

// RDMA READ/WRITE of several sizes, each verified against a pattern, then
// `messages` echoes that must come back in order.
Status SelfTest(MessageEndpoint& ep, Fabric& fabric, int messages,
                std::chrono::milliseconds timeout) {
  SRP_ASSIGN_OR_RETURN(std::string info, ep.Call("info", timeout));
  const std::vector<std::string> words = SplitWords(info);
  if (words.size() != 4 || words[0] != "info") return ProtocolError("bad info reply: " + info);
  RemoteBuffer remote;
  SRP_ASSIGN_OR_RETURN(remote.addr, ParseHexU64(words[1]));
  SRP_ASSIGN_OR_RETURN(uint64_t rkey, ParseHexU64(words[2]));
  remote.rkey = static_cast<uint32_t>(rkey);
  remote.length = std::stoull(words[3]);

  std::vector<std::byte> local(remote.length);
  std::vector<std::byte> expected(remote.length);
  SRP_ASSIGN_OR_RETURN(auto mr,
                       fabric.RegisterMemory(local.data(), local.size(), kAccessLocalWrite));
  uint64_t seed = 7;
  for (size_t size : {size_t{1}, size_t{4096}, size_t{65536}, size_t{1} << 20}) {
    if (size > remote.length) break;
    const std::span<std::byte> region(local.data(), size);
    SRP_RETURN_IF_ERROR(Expect(ep.Call(fmt::format("fill 0 {} {}", size, seed), timeout), "ok"));
    SRP_ASSIGN_OR_RETURN(Completion rd,
                         RdmaTransfer(ep, WrOpcode::kRdmaRead, *mr, region, remote, 0, timeout));
    if (rd.status != WcStatus::kSuccess) {
      return ProtocolError(fmt::format("RDMA READ {}: {}", size, WcStatusName(rd.status)));
    }
    FillPattern(std::span<std::byte>(expected.data(), size), seed);
    if (std::memcmp(local.data(), expected.data(), size) != 0) {
      return ProtocolError(fmt::format("RDMA READ of {} bytes returned wrong data", size));
    }
    FillPattern(region, seed + 1000);
    SRP_ASSIGN_OR_RETURN(Completion wr,
                         RdmaTransfer(ep, WrOpcode::kRdmaWrite, *mr, region, remote, 0, timeout));
    if (wr.status != WcStatus::kSuccess) {
      return ProtocolError(fmt::format("RDMA WRITE {}: {}", size, WcStatusName(wr.status)));
    }
    SRP_RETURN_IF_ERROR(Expect(ep.Call(fmt::format("sum 0 {}", size), timeout),
                               fmt::format("sum {:016x}", Checksum(region))));
    ++seed;
  }
  constexpr int kWindow = 16;
  int received = 0;
  for (int sent = 0; sent < messages || received < messages;) {
    if (sent < messages && sent - received < kWindow) {
      SRP_RETURN_IF_ERROR(ep.Send(fmt::format("echo m{}", sent), timeout));
      ++sent;
      continue;
    }
    SRP_RETURN_IF_ERROR(Expect(ep.Receive(timeout), fmt::format("m{}", received)));
    ++received;
  }
  return Status::Ok();
}

int RunConnect(const CommonOptions& c, const ConnectOptions& o) {
  const std::chrono::milliseconds timeout(c.timeout_ms);
  auto data = HexToBytes(o.data);
  if (!data.ok()) return Fail(data.status(), "--data");
  auto fabric = OpenPort(c);
  if (!fabric.ok()) return Fail(fabric.status(), "open soft port");
  auto ep = MessageEndpoint::Create(**fabric);
  if (!ep.ok()) return Fail(ep.status(), "message endpoint");
  ConnectParams params;
  params.destination = Address::Ip(o.host, o.port);
  params.qp = (*ep)->qp_options();
  params.private_data = std::move(*data);
  params.timeout = timeout;
  auto reply = (*fabric)->Connect(params);
  if (!reply.ok()) return Fail(reply.status(), "connect");
  if (reply->rejected) {
    Say("REJECTED-BY-PEER {}", BytesToHex(reply->private_data));
    return 0;
  }
  Say("CONNECTED {}", BytesToHex(reply->private_data));
  Status st = (*ep)->Attach(std::move(reply->connection));
  if (!st.ok()) return Fail(st, "post receives");
  st = SelfTest(**ep, **fabric, o.messages, timeout);
  if (st.ok()) {
    Say("RESULT ok");
  } else {
    Say("RESULT fail {}", st.ToString());
  }
  if ((*ep)->connection().Disconnect().ok()) {
    auto ev = (*ep)->WaitEvent(timeout);
    if (ev.ok()) Say("EVENT {} {}", EventTypeName(ev->type), ev->detail.ToString());
  }
  return st.ok() ? 0 : 2;
}

int Main(int argc, char** argv) {
  CLI::App app{"soft fabric integration-test peer"};
  app.require_subcommand(1);
  CommonOptions common;
  app.add_option("--subnet", common.subnet_dir, "soft-subnet directory (default $SRP_SOFT_FABRIC)");
  app.add_option("--name", common.port_name, "soft port name");
  app.add_option("--ip", common.ips, "IP address to publish (repeatable)");
  app.add_option("--timeout-ms", common.timeout_ms, "bound on every wait");

  ServeOptions serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "accept or reject one connection");
  serve_cmd->add_option("--service-id", serve.service_id, "IB service id (hex)");
  auto* ip_opt = serve_cmd->add_option("--listen-ip", serve.listen_ip, "IP form: host to bind");
  serve_cmd->add_option("--listen-port", serve.listen_port, "IP form: port (0 = any)");
  serve_cmd->add_option("--buffer-size", serve.buffer_size, "registered buffer bytes");
  serve_cmd->add_option("--access", serve.access, "buffer access: r, w, rw or none");
  serve_cmd->add_option("--expect-data", serve.expect_data, "required private data (hex)");
  serve_cmd->add_option("--reply-data", serve.reply_data, "accept/reject private data (hex)");
  serve_cmd->add_flag("--reject", serve.reject, "reject the request");

  ConnectOptions connect;
  CLI::App* connect_cmd = app.add_subcommand("connect", "connect (IP form) and self-check");
  connect_cmd->add_option("--host", connect.host, "destination IP")->required();
  connect_cmd->add_option("--port", connect.port, "destination port")->required();
  connect_cmd->add_option("--data", connect.data, "private data (hex, '-' = none)");
  connect_cmd->add_option("--messages", connect.messages, "ordered echo messages");

  CLI11_PARSE(app, argc, argv);
  serve.ip_form = ip_opt->count() > 0;
  if (serve_cmd->parsed()) {
    if (!serve.ip_form && serve.service_id.empty()) {
      std::fprintf(stderr, "serve: need --service-id or --listen-ip\n");
      return 1;
    }
    return RunServe(common, serve);
  }
  return RunConnect(common, connect);
}

}  // namespace
}  // namespace srp::fabric::integration

int main(int argc, char** argv) { return srp::fabric::integration::Main(argc, argv); }
