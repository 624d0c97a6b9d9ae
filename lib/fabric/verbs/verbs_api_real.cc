// RealVerbsApi: forwards every VerbsApi call to libibverbs / librdmacm and
// normalises the return conventions described in verbs_api.h.
#include <cerrno>

#include "lib/fabric/verbs/verbs_api.h"

namespace srp::fabric::verbs {
namespace {

// rdma-core calls that return -1 and set errno.
int MinusOneErrno(int rc) { return rc == 0 ? 0 : (errno != 0 ? errno : EIO); }
// rdma-core calls that return the errno value (or, in some providers, -errno).
int ReturnedErrno(int rc) { return rc < 0 ? -rc : rc; }

class RealApi final : public VerbsApi {
 public:
  ibv_device** GetDeviceList(int* num_devices) override { return ibv_get_device_list(num_devices); }
  void FreeDeviceList(ibv_device** list) override { ibv_free_device_list(list); }
  int QueryDevice(ibv_context* context, ibv_device_attr* attr) override {
    return ReturnedErrno(ibv_query_device(context, attr));
  }
  int QueryPort(ibv_context* context, uint8_t port_num, ibv_port_attr* attr) override {
    return ReturnedErrno(ibv_query_port(context, port_num, attr));
  }
  int QueryGid(ibv_context* context, uint8_t port_num, int index, ibv_gid* gid) override {
    errno = 0;
    return MinusOneErrno(ibv_query_gid(context, port_num, index, gid));
  }
  int QueryPkey(ibv_context* context, uint8_t port_num, int index, uint16_t* pkey) override {
    errno = 0;
    return MinusOneErrno(ibv_query_pkey(context, port_num, index, pkey));
  }

  ibv_pd* AllocPd(ibv_context* context) override { return ibv_alloc_pd(context); }
  int DeallocPd(ibv_pd* pd) override { return ReturnedErrno(ibv_dealloc_pd(pd)); }
  ibv_mr* RegMr(ibv_pd* pd, void* addr, size_t length, int access) override {
    return ibv_reg_mr(pd, addr, length, access);
  }
  int DeregMr(ibv_mr* mr) override { return ReturnedErrno(ibv_dereg_mr(mr)); }

  ibv_comp_channel* CreateCompChannel(ibv_context* context) override {
    return ibv_create_comp_channel(context);
  }
  int DestroyCompChannel(ibv_comp_channel* channel) override {
    return ReturnedErrno(ibv_destroy_comp_channel(channel));
  }
  ibv_cq* CreateCq(ibv_context* context, int cqe, void* cq_context, ibv_comp_channel* channel,
                   int comp_vector) override {
    return ibv_create_cq(context, cqe, cq_context, channel, comp_vector);
  }
  int DestroyCq(ibv_cq* cq) override { return ReturnedErrno(ibv_destroy_cq(cq)); }
  int ReqNotifyCq(ibv_cq* cq, int solicited_only) override {
    return ReturnedErrno(ibv_req_notify_cq(cq, solicited_only));
  }
  int GetCqEvent(ibv_comp_channel* channel, ibv_cq** cq, void** cq_context) override {
    errno = 0;
    return MinusOneErrno(ibv_get_cq_event(channel, cq, cq_context));
  }
  void AckCqEvents(ibv_cq* cq, unsigned int nevents) override { ibv_ack_cq_events(cq, nevents); }
  int PollCq(ibv_cq* cq, int num_entries, ibv_wc* wc) override {
    int n = ibv_poll_cq(cq, num_entries, wc);
    return n >= 0 ? n : -EIO;  // providers return -1 or a negative errno; neither is precise
  }

  int PostSend(ibv_qp* qp, ibv_send_wr* wr, ibv_send_wr** bad_wr) override {
    return ReturnedErrno(ibv_post_send(qp, wr, bad_wr));
  }
  int PostRecv(ibv_qp* qp, ibv_recv_wr* wr, ibv_recv_wr** bad_wr) override {
    return ReturnedErrno(ibv_post_recv(qp, wr, bad_wr));
  }
  int QueryQpState(ibv_qp* qp, ibv_qp_state* state) override {
    ibv_qp_attr attr{};
    ibv_qp_init_attr init{};
    int rc = ReturnedErrno(ibv_query_qp(qp, &attr, IBV_QP_STATE, &init));
    if (rc == 0) *state = attr.qp_state;
    return rc;
  }

  ibv_context** GetRdmaDevices(int* num_devices) override { return rdma_get_devices(num_devices); }
  void FreeRdmaDevices(ibv_context** list) override { rdma_free_devices(list); }

  rdma_event_channel* CreateEventChannel() override { return rdma_create_event_channel(); }
  void DestroyEventChannel(rdma_event_channel* channel) override {
    rdma_destroy_event_channel(channel);
  }
  int CreateId(rdma_event_channel* channel, rdma_cm_id** id, void* context,
               rdma_port_space ps) override {
    errno = 0;
    return MinusOneErrno(rdma_create_id(channel, id, context, ps));
  }
  int DestroyId(rdma_cm_id* id) override {
    errno = 0;
    return MinusOneErrno(rdma_destroy_id(id));
  }
  int BindAddr(rdma_cm_id* id, sockaddr* addr) override {
    errno = 0;
    return MinusOneErrno(rdma_bind_addr(id, addr));
  }
  int Listen(rdma_cm_id* id, int backlog) override {
    errno = 0;
    return MinusOneErrno(rdma_listen(id, backlog));
  }
  int GetCmEvent(rdma_event_channel* channel, rdma_cm_event** event) override {
    errno = 0;
    return MinusOneErrno(rdma_get_cm_event(channel, event));
  }
  int AckCmEvent(rdma_cm_event* event) override {
    errno = 0;
    return MinusOneErrno(rdma_ack_cm_event(event));
  }
  int ResolveAddr(rdma_cm_id* id, sockaddr* src_addr, sockaddr* dst_addr, int timeout_ms) override {
    errno = 0;
    return MinusOneErrno(rdma_resolve_addr(id, src_addr, dst_addr, timeout_ms));
  }
  int ResolveRoute(rdma_cm_id* id, int timeout_ms) override {
    errno = 0;
    return MinusOneErrno(rdma_resolve_route(id, timeout_ms));
  }
  int CreateQp(rdma_cm_id* id, ibv_pd* pd, ibv_qp_init_attr* attr) override {
    errno = 0;
    return MinusOneErrno(rdma_create_qp(id, pd, attr));
  }
  void DestroyQp(rdma_cm_id* id) override { rdma_destroy_qp(id); }
  int Connect(rdma_cm_id* id, rdma_conn_param* param) override {
    errno = 0;
    return MinusOneErrno(rdma_connect(id, param));
  }
  int Accept(rdma_cm_id* id, rdma_conn_param* param) override {
    errno = 0;
    return MinusOneErrno(rdma_accept(id, param));
  }
  int Reject(rdma_cm_id* id, const void* private_data, uint8_t private_data_len) override {
    errno = 0;
    return MinusOneErrno(rdma_reject(id, private_data, private_data_len));
  }
  int Disconnect(rdma_cm_id* id) override {
    errno = 0;
    return MinusOneErrno(rdma_disconnect(id));
  }
  int MigrateId(rdma_cm_id* id, rdma_event_channel* channel) override {
    errno = 0;
    return MinusOneErrno(rdma_migrate_id(id, channel));
  }
};

}  // namespace

std::shared_ptr<VerbsApi> RealVerbsApi() {
  static const std::shared_ptr<VerbsApi> api = std::make_shared<RealApi>();
  return api;
}

}  // namespace srp::fabric::verbs
