// The RDMA fabric seam: a small, verbs-shaped interface that all SRP logic sits on.
//
// Two backends implement it: `verbs` (rdma-core; lib/fabric/verbs/) and `soft`
// (user-space emulation of RC queue pairs between processes; lib/fabric/soft/).
// Nothing above this header includes an rdma-core header.
//
// Model (as in verbs):
//  - A Fabric is an opened device port plus its protection domain.
//  - MemoryRegion registers local memory; its rkey lets the peer RDMA READ/WRITE it.
//  - CompletionQueue collects completions of one or more connections.
//  - Listener receives connection requests; the passive side creates the
//    queue pair first (so receives can be posted), then accepts or rejects.
//  - Connection is one RC queue pair. Work requests are posted in linked
//    batches (one doorbell per batch); only WRs with `signaled` produce a
//    send-side completion (selective signalling), except that any WR that fails
//    always produces an error completion, and after an error every later and
//    outstanding WR completes with kWorkRequestFlushed (the QP is in error).
//
// Threading: a Fabric and its objects may be used from several threads, but a
// Connection's Post* calls and a CompletionQueue's Poll must each be made by
// one thread at a time (the poll-group rule of architecture.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lib/common/ids.h"
#include "lib/common/status.h"

namespace srp::fabric {

// ---------------------------------------------------------------- memory ---

// Access flags for RegisterMemory (bit values match nothing on purpose; the
// verbs backend translates them).
enum Access : uint32_t {
  kAccessLocalWrite = 1u << 0,
  kAccessRemoteRead = 1u << 1,
  kAccessRemoteWrite = 1u << 2,
};

// A registered memory region. Deregisters on destruction.
// REQUIRES: destroyed only after no posted work request references it.
class MemoryRegion {
 public:
  virtual ~MemoryRegion() = default;
  virtual void* addr() const = 0;
  virtual size_t length() const = 0;
  virtual uint32_t lkey() const = 0;
  virtual uint32_t rkey() const = 0;
  virtual uint32_t access() const = 0;
};

// ------------------------------------------------------------ completions ---

enum class WcStatus : uint8_t {
  kSuccess = 0,
  kLocalLengthError,      // a received SEND did not fit the posted receive
  kLocalProtectionError,  // lkey or local bounds check failed
  kRemoteAccessError,     // the peer refused an rkey / bounds / access (QP -> error)
  kRemoteOperationError,
  kReceiverNotReady,      // RNR retries exhausted
  kTransportRetryExceeded,  // the peer is gone (or fault injection)
  kWorkRequestFlushed,    // the QP was in error or disconnected
  kGeneralError,
};
const char* WcStatusName(WcStatus status);

enum class WcOpcode : uint8_t { kSend, kRdmaWrite, kRdmaRead, kRecv };
const char* WcOpcodeName(WcOpcode op);

struct Completion {
  uint64_t wr_id = 0;
  WcStatus status = WcStatus::kSuccess;
  WcOpcode opcode = WcOpcode::kSend;
  uint32_t byte_len = 0;  // kRecv: bytes received. Others: undefined.
  uint32_t qp_num = 0;    // the local queue pair that produced it
};

class CompletionQueue {
 public:
  virtual ~CompletionQueue() = default;
  // Moves up to out.size() completions into `out`; returns how many. Never blocks.
  virtual size_t Poll(std::span<Completion> out) = 0;
  // Event mode: the fd becomes readable after ArmNotify() once a completion
  // is added. Pattern: ArmNotify(); Poll() until empty; wait for the fd;
  // AckEvent(); repeat.
  virtual int event_fd() const = 0;
  virtual Status ArmNotify() = 0;
  // Consumes the pending event(s) on event_fd(). Never blocks.
  virtual void AckEvent() = 0;
  virtual int depth() const = 0;
};

// ---------------------------------------------------------- work requests ---

struct Sge {
  uint64_t addr = 0;  // local virtual address inside a MemoryRegion
  uint32_t length = 0;
  uint32_t lkey = 0;
};

enum class WrOpcode : uint8_t { kSend, kRdmaWrite, kRdmaRead };
const char* WrOpcodeName(WrOpcode op);

// One send-queue work request. `sg_list` is read during the Post call only.
struct WorkRequest {
  uint64_t wr_id = 0;
  WrOpcode opcode = WrOpcode::kSend;
  std::span<const Sge> sg_list;
  uint64_t remote_addr = 0;  // RDMA only
  uint32_t rkey = 0;         // RDMA only
  bool signaled = false;
};

struct RecvRequest {
  uint64_t wr_id = 0;
  std::span<const Sge> sg_list;
};

// ------------------------------------------------------------- addresses ---

// Where a connection goes or a listener listens.
//  kIb: IB-style (RDMA CM AF_IB / IB CM): destination GID + service id (+ P_Key).
//  kIp: RDMA CM over IP: host (IPv4 literal or IPv6 literal, optional %scope) + port.
struct Address {
  enum class Kind : uint8_t { kIb, kIp };
  Kind kind = Kind::kIb;
  Gid gid;                  // kIb: destination GID (listen: ignored, the local port is used)
  uint64_t service_id = 0;  // kIb
  uint16_t pkey = 0xffff;   // kIb
  std::string host;         // kIp: "192.0.2.1", "::1", "fe80::1%eth0"; listen: "" = any
  uint16_t port = 0;        // kIp

  static Address Ib(const Gid& gid, uint64_t service_id, uint16_t pkey = 0xffff);
  static Address Ip(std::string host, uint16_t port);
  // "ib:<gid32hex>/<service_id hex>/<pkey hex>" or "ip:<host>:<port>" ([v6]:port).
  std::string ToString() const;
};

// Who is on the other end of a connection request or connection.
struct PeerInfo {
  Gid gid;              // remote port GID (zero for kIp peers of the verbs backend over IP)
  uint64_t node_guid = 0;
  uint64_t port_guid = 0;
  std::string ip;       // remote IP address text for kIp connections, else ""
  uint16_t pkey = 0xffff;
};

// Local port attributes (what ibstat shows, and what DM/SA answers are built from).
struct PortAttributes {
  std::string device_name;  // "mlx5_0", or the soft port name
  uint8_t port_num = 1;
  uint64_t node_guid = 0;
  uint64_t port_guid = 0;
  Gid gid;                  // GID index 0
  uint16_t lid = 0;
  uint16_t sm_lid = 0;
  uint32_t capability_mask = 0;
  std::vector<uint16_t> pkeys;  // P_Key table (non-zero entries)
  uint32_t max_qp_wr = 0;
  uint32_t max_sge = 0;
  uint32_t vendor_id = 0;
  uint32_t vendor_part_id = 0;
  uint32_t hw_ver = 0;
  std::string link_layer;   // "InfiniBand" / "Ethernet"
};

// ----------------------------------------------------------- connections ---

struct QpOptions {
  CompletionQueue* send_cq = nullptr;  // required; not owned, must outlive the QP
  CompletionQueue* recv_cq = nullptr;  // required; may equal send_cq
  uint32_t max_send_wr = 64;
  uint32_t max_recv_wr = 64;
  uint32_t max_send_sge = 4;
  uint32_t max_recv_sge = 1;
  uint32_t max_inline_data = 0;
  uint8_t responder_resources = 4;  // incoming RDMA READs in flight
  uint8_t initiator_depth = 4;      // outgoing RDMA READs in flight
  uint8_t retry_count = 7;
  uint8_t rnr_retry_count = 7;      // 7 = retry forever, as on IB
};

enum class ConnectionState : uint8_t {
  kConnecting,    // passive side: created, not yet accepted/established
  kEstablished,
  kError,         // a WR failed; QP in error, outstanding WRs flushed
  kDisconnected,  // disconnect requested or observed; resources may be freed
};
const char* ConnectionStateName(ConnectionState state);

enum class ConnectionEventType : uint8_t { kEstablished, kDisconnected, kError };
struct ConnectionEvent {
  ConnectionEventType type;
  Status detail;  // why (for kDisconnected/kError)
};

class Connection {
 public:
  virtual ~Connection() = default;  // disconnects if still connected

  // Posts receive buffers (one doorbell for the batch).
  virtual Status PostRecv(std::span<const RecvRequest> batch) = 0;
  // Posts a linked batch of SEND / RDMA WRITE / RDMA READ work requests, one
  // doorbell. They execute in order; completions are delivered in order.
  // A bad local argument (too many SGEs, queue full) fails the call and posts
  // nothing from the first bad WR onward; `posted` (if given) says how many went.
  virtual Status PostSend(std::span<const WorkRequest> batch, size_t* posted = nullptr) = 0;

  // Convenience single-WR forms.
  Status PostRdmaRead(uint64_t wr_id, std::span<const Sge> local, uint64_t remote_addr,
                      uint32_t rkey, bool signaled = true);
  Status PostRdmaWrite(uint64_t wr_id, std::span<const Sge> local, uint64_t remote_addr,
                       uint32_t rkey, bool signaled = false);
  Status PostSendMessage(uint64_t wr_id, std::span<const Sge> local, bool signaled = true);

  // Starts an orderly disconnect (DREQ). Both sides get kDisconnected events;
  // outstanding WRs are flushed.
  virtual Status Disconnect() = 0;

  // Connection events (established, disconnected, error). event_fd() becomes
  // readable when one is pending; NextEvent never blocks.
  virtual int event_fd() const = 0;
  virtual std::optional<ConnectionEvent> NextEvent() = 0;

  virtual ConnectionState state() const = 0;
  virtual uint32_t qp_num() const = 0;
  virtual const PeerInfo& peer() const = 0;
};

// A connection request seen by a Listener.
class ConnectRequest {
 public:
  virtual ~ConnectRequest() = default;
  // Exactly the private data bytes the initiator sent (length as received).
  virtual std::span<const std::byte> private_data() const = 0;
  virtual const PeerInfo& peer() const = 0;
  // The local address it arrived on (service id or ip:port).
  virtual const Address& local_address() const = 0;
};

class Listener {
 public:
  virtual ~Listener() = default;
  // Readable when a request is pending.
  virtual int event_fd() const = 0;
  // Next pending request, waiting at most `timeout` (0 = poll). kTimedOut if none.
  virtual Result<std::unique_ptr<ConnectRequest>> NextRequest(std::chrono::milliseconds timeout) = 0;
  // Creates the queue pair for `req` without answering it, so the caller can
  // post receives before Accept. The connection is in kConnecting.
  virtual Result<std::unique_ptr<Connection>> CreateConnection(ConnectRequest& req,
                                                               const QpOptions& options) = 0;
  // Accepts with `private_data` (e.g. an SRP_LOGIN_RSP). The connection turns
  // kEstablished (and emits kEstablished) when the initiator has the reply.
  virtual Status Accept(ConnectRequest& req, Connection& conn,
                        std::span<const std::byte> private_data) = 0;
  // Rejects with consumer-defined reason and `private_data` (e.g. SRP_LOGIN_REJ).
  // REQUIRES: no Accept for `req`; a Connection created for it may exist and is dropped.
  virtual Status Reject(ConnectRequest& req, std::span<const std::byte> private_data) = 0;
  // The address actually bound (port filled in when 0 was asked for).
  virtual const Address& address() const = 0;
};

struct ConnectParams {
  Address destination;
  QpOptions qp;
  std::vector<std::byte> private_data;  // e.g. a 64-byte SRP_LOGIN_REQ
  std::chrono::milliseconds timeout{5000};
};

// Result of an active connect: either an established connection plus the
// accept's private data, or a rejection with the reject's private data.
struct ConnectReply {
  std::unique_ptr<Connection> connection;  // null when rejected
  bool rejected = false;
  std::vector<std::byte> private_data;     // REP or REJ private data
};

// --------------------------------------------------------------- fabric ---

class Fabric {
 public:
  virtual ~Fabric() = default;
  // "soft" or "verbs".
  virtual std::string backend_name() const = 0;
  virtual const PortAttributes& port() const = 0;

  virtual Result<std::unique_ptr<MemoryRegion>> RegisterMemory(void* addr, size_t length,
                                                                uint32_t access) = 0;
  virtual Result<std::unique_ptr<CompletionQueue>> CreateCompletionQueue(int depth) = 0;
  virtual Result<std::unique_ptr<Listener>> Listen(const Address& address) = 0;
  // Blocking active connect (resolve, create QP, send request, wait for reply).
  // A transport failure is an error Status; a reject is a ConnectReply with rejected=true.
  virtual Result<ConnectReply> Connect(const ConnectParams& params) = 0;
};

}  // namespace srp::fabric
