#include "lib/mad/umad/umad_api.h"

namespace srp::mad::umad {
namespace {

class Real final : public UmadApi {
 public:
  int Init() override { return umad_init(); }
  int GetCa(const char* ca_name, umad_ca_t* ca) override { return umad_get_ca(ca_name, ca); }
  int ReleaseCa(umad_ca_t* ca) override { return umad_release_ca(ca); }
  int GetPort(const char* ca_name, int port_num, umad_port_t* port) override {
    return umad_get_port(ca_name, port_num, port);
  }
  int ReleasePort(umad_port_t* port) override { return umad_release_port(port); }
  int OpenPort(const char* ca_name, int port_num) override {
    return umad_open_port(ca_name, port_num);
  }
  int ClosePort(int port_id) override { return umad_close_port(port_id); }
  int Register(int port_id, int mgmt_class, int mgmt_version, uint8_t rmpp_version,
               long* method_mask) override {
    return umad_register(port_id, mgmt_class, mgmt_version, rmpp_version, method_mask);
  }
  int Unregister(int port_id, int agent_id) override { return umad_unregister(port_id, agent_id); }
  int Send(int port_id, int agent_id, void* umad, int length, int timeout_ms,
           int retries) override {
    return umad_send(port_id, agent_id, umad, length, timeout_ms, retries);
  }
  int Recv(int port_id, void* umad, int* length, int timeout_ms) override {
    return umad_recv(port_id, umad, length, timeout_ms);
  }
};

}  // namespace

UmadApi& RealUmadApi() {
  static Real real;
  return real;
}

}  // namespace srp::mad::umad
