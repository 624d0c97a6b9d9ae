#include "lib/fabric/fabric.h"

#include <fmt/format.h>

namespace srp::fabric {

const char* WcStatusName(WcStatus status) {
  switch (status) {
    case WcStatus::kSuccess: return "success";
    case WcStatus::kLocalLengthError: return "local length error";
    case WcStatus::kLocalProtectionError: return "local protection error";
    case WcStatus::kRemoteAccessError: return "remote access error";
    case WcStatus::kRemoteOperationError: return "remote operation error";
    case WcStatus::kReceiverNotReady: return "receiver not ready retries exceeded";
    case WcStatus::kTransportRetryExceeded: return "transport retry counter exceeded";
    case WcStatus::kWorkRequestFlushed: return "work request flushed";
    case WcStatus::kGeneralError: return "general error";
  }
  return "unknown";
}

const char* WcOpcodeName(WcOpcode op) {
  switch (op) {
    case WcOpcode::kSend: return "SEND";
    case WcOpcode::kRdmaWrite: return "RDMA_WRITE";
    case WcOpcode::kRdmaRead: return "RDMA_READ";
    case WcOpcode::kRecv: return "RECV";
  }
  return "?";
}

const char* WrOpcodeName(WrOpcode op) {
  switch (op) {
    case WrOpcode::kSend: return "SEND";
    case WrOpcode::kRdmaWrite: return "RDMA_WRITE";
    case WrOpcode::kRdmaRead: return "RDMA_READ";
  }
  return "?";
}

const char* ConnectionStateName(ConnectionState state) {
  switch (state) {
    case ConnectionState::kConnecting: return "connecting";
    case ConnectionState::kEstablished: return "established";
    case ConnectionState::kError: return "error";
    case ConnectionState::kDisconnected: return "disconnected";
  }
  return "?";
}

Address Address::Ib(const Gid& gid, uint64_t service_id, uint16_t pkey) {
  Address a;
  a.kind = Kind::kIb;
  a.gid = gid;
  a.service_id = service_id;
  a.pkey = pkey;
  return a;
}

Address Address::Ip(std::string host, uint16_t port) {
  Address a;
  a.kind = Kind::kIp;
  a.host = std::move(host);
  a.port = port;
  return a;
}

std::string Address::ToString() const {
  if (kind == Kind::kIb)
    return fmt::format("ib:{}/{:016x}/{:04x}", FormatGidHex(gid), service_id, pkey);
  if (host.find(':') != std::string::npos) return fmt::format("ip:[{}]:{}", host, port);
  return fmt::format("ip:{}:{}", host.empty() ? "*" : host, port);
}

Status Connection::PostRdmaRead(uint64_t wr_id, std::span<const Sge> local, uint64_t remote_addr,
                                uint32_t rkey, bool signaled) {
  WorkRequest wr{wr_id, WrOpcode::kRdmaRead, local, remote_addr, rkey, signaled};
  return PostSend(std::span<const WorkRequest>(&wr, 1));
}

Status Connection::PostRdmaWrite(uint64_t wr_id, std::span<const Sge> local, uint64_t remote_addr,
                                 uint32_t rkey, bool signaled) {
  WorkRequest wr{wr_id, WrOpcode::kRdmaWrite, local, remote_addr, rkey, signaled};
  return PostSend(std::span<const WorkRequest>(&wr, 1));
}

Status Connection::PostSendMessage(uint64_t wr_id, std::span<const Sge> local, bool signaled) {
  WorkRequest wr{wr_id, WrOpcode::kSend, local, 0, 0, signaled};
  return PostSend(std::span<const WorkRequest>(&wr, 1));
}

}  // namespace srp::fabric
