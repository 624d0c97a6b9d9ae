// UmadApi: the call layer between the umad MAD backend and libibumad.
//
// One virtual method per libibumad call the backend makes, so the backend is
// unit-tested against a gmock (tests/mad/mock_umad_api.h) on machines without
// umad devices. RealUmadApi() forwards to libibumad.
//
// Return conventions are libibumad's own (no errno handling needed in mocks):
// OpenPort: a port id >= 0 or a negative errno; Register: an agent id >= 0 or
// a negative errno; Send/Unregister/ClosePort/GetPort/GetCa: 0 or a negative
// errno; Recv: the agent id (>= 0) or a negative errno (-ETIMEDOUT when
// nothing arrived, -ENOSPC when `*length` is too small: then `*length` holds
// the size needed). `umad` buffers are ib_user_mad headers followed by the MAD.
//
// This header (and every other file including libibumad headers) stays inside
// lib/mad/umad/.
#pragma once

#include <infiniband/umad.h>

#include <cstdint>

namespace srp::mad::umad {

class UmadApi {
 public:
  virtual ~UmadApi() = default;
  virtual int Init() = 0;
  virtual int GetCa(const char* ca_name, umad_ca_t* ca) = 0;
  virtual int ReleaseCa(umad_ca_t* ca) = 0;
  virtual int GetPort(const char* ca_name, int port_num, umad_port_t* port) = 0;
  virtual int ReleasePort(umad_port_t* port) = 0;
  virtual int OpenPort(const char* ca_name, int port_num) = 0;
  virtual int ClosePort(int port_id) = 0;
  // `method_mask`: 128 bits (UMAD's long[16 / sizeof(long)]); nullptr = none
  // (a client agent: sends requests, receives only their responses).
  virtual int Register(int port_id, int mgmt_class, int mgmt_version, uint8_t rmpp_version,
                       long* method_mask) = 0;
  virtual int Unregister(int port_id, int agent_id) = 0;
  virtual int Send(int port_id, int agent_id, void* umad, int length, int timeout_ms,
                   int retries) = 0;
  virtual int Recv(int port_id, void* umad, int* length, int timeout_ms) = 0;
};

// The process-wide libibumad forwarder.
UmadApi& RealUmadApi();

}  // namespace srp::mad::umad
