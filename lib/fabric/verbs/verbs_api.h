// VerbsApi: the call layer between the verbs backend and rdma-core.
//
// One virtual method per libibverbs / librdmacm call the backend makes, so
// the backend can be unit-tested against a gmock (tests/fabric/verbs/) on
// machines without RDMA hardware. RealVerbsApi() forwards to rdma-core.
//
// Return conventions (normalised here so mocks never have to touch errno):
//  - int-returning methods: 0 on success, else a positive errno value
//    (rdma-core's "-1 and errno" and "returns errno" styles both map to this);
//  - pointer-returning methods: nullptr on failure with errno set, as rdma-core;
//  - PollCq: the number of completions (>= 0) or a negative errno value.
// Non-blocking reads (GetCqEvent, GetCmEvent on an O_NONBLOCK fd) return EAGAIN
// when nothing is pending.
//
// This header (and everything else including rdma-core headers) must stay
// inside lib/fabric/verbs/; the rest of the project sees only fabric.h.
#pragma once

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include <cstdint>
#include <memory>

namespace srp::fabric::verbs {

class VerbsApi {
 public:
  virtual ~VerbsApi() = default;

  // ---- libibverbs: devices and attributes
  virtual ibv_device** GetDeviceList(int* num_devices) = 0;
  virtual void FreeDeviceList(ibv_device** list) = 0;
  virtual int QueryDevice(ibv_context* context, ibv_device_attr* attr) = 0;
  virtual int QueryPort(ibv_context* context, uint8_t port_num, ibv_port_attr* attr) = 0;
  virtual int QueryGid(ibv_context* context, uint8_t port_num, int index, ibv_gid* gid) = 0;
  // `pkey` is in network byte order, as ibv_query_pkey returns it.
  virtual int QueryPkey(ibv_context* context, uint8_t port_num, int index, uint16_t* pkey) = 0;

  // ---- libibverbs: protection domain and memory
  virtual ibv_pd* AllocPd(ibv_context* context) = 0;
  virtual int DeallocPd(ibv_pd* pd) = 0;
  virtual ibv_mr* RegMr(ibv_pd* pd, void* addr, size_t length, int access) = 0;
  virtual int DeregMr(ibv_mr* mr) = 0;

  // ---- libibverbs: completion queues
  virtual ibv_comp_channel* CreateCompChannel(ibv_context* context) = 0;
  virtual int DestroyCompChannel(ibv_comp_channel* channel) = 0;
  virtual ibv_cq* CreateCq(ibv_context* context, int cqe, void* cq_context,
                           ibv_comp_channel* channel, int comp_vector) = 0;
  virtual int DestroyCq(ibv_cq* cq) = 0;
  virtual int ReqNotifyCq(ibv_cq* cq, int solicited_only) = 0;
  virtual int GetCqEvent(ibv_comp_channel* channel, ibv_cq** cq, void** cq_context) = 0;
  virtual void AckCqEvents(ibv_cq* cq, unsigned int nevents) = 0;
  virtual int PollCq(ibv_cq* cq, int num_entries, ibv_wc* wc) = 0;

  // ---- libibverbs: queue pairs (data path)
  virtual int PostSend(ibv_qp* qp, ibv_send_wr* wr, ibv_send_wr** bad_wr) = 0;
  virtual int PostRecv(ibv_qp* qp, ibv_recv_wr* wr, ibv_recv_wr** bad_wr) = 0;
  // ibv_query_qp(IBV_QP_STATE) reduced to the state.
  virtual int QueryQpState(ibv_qp* qp, ibv_qp_state* state) = 0;

  // ---- librdmacm: devices (the contexts librdmacm itself uses for cm_ids;
  // a PD/CQ used with rdma_create_qp must belong to the cm_id's context).
  virtual ibv_context** GetRdmaDevices(int* num_devices) = 0;
  virtual void FreeRdmaDevices(ibv_context** list) = 0;

  // ---- librdmacm: connection management
  virtual rdma_event_channel* CreateEventChannel() = 0;
  virtual void DestroyEventChannel(rdma_event_channel* channel) = 0;
  virtual int CreateId(rdma_event_channel* channel, rdma_cm_id** id, void* context,
                       rdma_port_space ps) = 0;
  virtual int DestroyId(rdma_cm_id* id) = 0;
  virtual int BindAddr(rdma_cm_id* id, sockaddr* addr) = 0;
  virtual int Listen(rdma_cm_id* id, int backlog) = 0;
  virtual int GetCmEvent(rdma_event_channel* channel, rdma_cm_event** event) = 0;
  virtual int AckCmEvent(rdma_cm_event* event) = 0;
  virtual int ResolveAddr(rdma_cm_id* id, sockaddr* src_addr, sockaddr* dst_addr,
                          int timeout_ms) = 0;
  virtual int ResolveRoute(rdma_cm_id* id, int timeout_ms) = 0;
  virtual int CreateQp(rdma_cm_id* id, ibv_pd* pd, ibv_qp_init_attr* attr) = 0;
  virtual void DestroyQp(rdma_cm_id* id) = 0;
  virtual int Connect(rdma_cm_id* id, rdma_conn_param* param) = 0;
  virtual int Accept(rdma_cm_id* id, rdma_conn_param* param) = 0;
  virtual int Reject(rdma_cm_id* id, const void* private_data, uint8_t private_data_len) = 0;
  virtual int Disconnect(rdma_cm_id* id) = 0;
  virtual int MigrateId(rdma_cm_id* id, rdma_event_channel* channel) = 0;
};

// The process-wide forwarding implementation (stateless, thread-safe).
std::shared_ptr<VerbsApi> RealVerbsApi();

}  // namespace srp::fabric::verbs
