// Socket helpers of the soft fabric: unix-domain (same host, across network
// namespaces via the subnet directory) and TCP (IP-form addresses).
// All returned descriptors are non-blocking and close-on-exec.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "lib/common/status.h"

namespace srp::fabric::soft {

using Deadline = std::chrono::steady_clock::time_point;

// Binds and listens on a unix stream socket at `path` (an existing file is replaced).
Result<int> ListenUnix(const std::string& path);
Result<int> ConnectUnix(const std::string& path, Deadline deadline);

// Binds and listens on TCP `host` ("" = any, IPv6 dual-stack if possible,
// else IPv4; IPv4/IPv6 literal with optional %scope) and `port` (0 = pick).
// `bound_port` receives the actual port.
Result<int> ListenTcp(const std::string& host, uint16_t port, uint16_t* bound_port);
Result<int> ConnectTcp(const std::string& host, uint16_t port, Deadline deadline);

// Accepts one connection (non-blocking); kUnavailable with errno EAGAIN when none.
Result<int> AcceptOne(int listen_fd);

// Text of the remote IP address of a TCP socket ("" for unix sockets).
std::string PeerIpText(int fd);

// Sets buffer sizes (and TCP_NODELAY for TCP).
void TuneStreamSocket(int fd);

// Blocking-with-deadline I/O on a non-blocking fd (used by the connect handshake).
Status WriteAllUntil(int fd, std::span<const std::byte> data, Deadline deadline);
Status ReadExactUntil(int fd, std::span<std::byte> data, Deadline deadline);

}  // namespace srp::fabric::soft
