// The MAD seam: send and receive 256-byte MADs on one port's GSI (QP1), in
// libibumad's shape (open port -> send / receive with timeout), plus a
// request helper with TID matching and bounded retries.
//
// Backends: soft (lib/mad/soft/soft_mad_port.h, the soft subnet) and umad
// (lib/mad/umad/umad_mad_port.h, libibumad).
//
// Thread-safety: a MadPort is used from one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>

#include "lib/common/status.h"
#include "lib/fabric/soft/subnet_directory.h"
#include "lib/mad/mad.h"

namespace srp::mad {

inline constexpr uint32_t kGsiQpn = 1;
inline constexpr uint32_t kGsiQkey = 0x80010000;

// Where a MAD goes to or came from, as in umad's ib_mad_addr.
struct MadAddress {
  uint16_t lid = 0;
  uint32_t qpn = kGsiQpn;
  uint32_t qkey = kGsiQkey;
  uint16_t pkey_index = 0;
  uint8_t sl = 0;
  bool operator==(const MadAddress&) const = default;
};

struct ReceivedMad {
  MadAddress from;
  Mad mad;
};

class MadPort {
 public:
  virtual ~MadPort() = default;
  MadPort(const MadPort&) = delete;
  MadPort& operator=(const MadPort&) = delete;

  // The port this MadPort sends from (identity, LID, capability mask, P_Keys).
  virtual fabric::soft::PortRecord local_port() const = 0;
  // The LID SA queries go to.
  virtual uint16_t sm_lid() const = 0;

  // Sends one MAD. Like IB, a MAD to a LID nobody listens on is lost, not an
  // error; errors are local (bad address, socket failure).
  virtual Status Send(const MadAddress& to, std::span<const std::byte, kMadSize> mad) = 0;

  // The next MAD for this port (requests of others and unmatched responses);
  // kTimedOut when none arrives within `timeout`.
  Result<ReceivedMad> Receive(std::chrono::milliseconds timeout);

  // Sends `request` and waits for the response with the same TID and class,
  // `timeout` per attempt, 1 + `retries` attempts. Responses with another TID
  // are discarded (late answers to earlier requests); requests that arrive in
  // the meantime are queued for Receive() (at most kMaxQueued, oldest dropped).
  // A response with a non-zero MAD status is returned as is (it is an answer);
  // kTimedOut when no attempt was answered.
  Result<Mad> Request(const MadAddress& to, const Mad& request, std::chrono::milliseconds timeout,
                      int retries);

  static constexpr size_t kMaxQueued = 64;

 protected:
  MadPort() = default;
  // Backend receive: the next MAD off the wire (or the backend's local queue).
  virtual Result<ReceivedMad> DoReceive(std::chrono::milliseconds timeout) = 0;

 private:
  std::deque<ReceivedMad> queued_;
};

}  // namespace srp::mad
