// gmock of the verbs call layer, plus a fixture that fakes just enough of
// rdma-core (a device, PD, CQs, CM ids, event channels with real pipe fds and
// scripted CM events) for the backend to run without hardware.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "lib/fabric/fabric.h"
#include "lib/fabric/verbs/verbs_api.h"
#include "lib/fabric/verbs/verbs_fabric_internal.h"

namespace srp::fabric::verbs::testing {

class MockVerbsApi : public VerbsApi {
 public:
  MOCK_METHOD(ibv_device**, GetDeviceList, (int*), (override));
  MOCK_METHOD(void, FreeDeviceList, (ibv_device**), (override));
  MOCK_METHOD(int, QueryDevice, (ibv_context*, ibv_device_attr*), (override));
  MOCK_METHOD(int, QueryPort, (ibv_context*, uint8_t, ibv_port_attr*), (override));
  MOCK_METHOD(int, QueryGid, (ibv_context*, uint8_t, int, ibv_gid*), (override));
  MOCK_METHOD(int, QueryPkey, (ibv_context*, uint8_t, int, uint16_t*), (override));
  MOCK_METHOD(ibv_pd*, AllocPd, (ibv_context*), (override));
  MOCK_METHOD(int, DeallocPd, (ibv_pd*), (override));
  MOCK_METHOD(ibv_mr*, RegMr, (ibv_pd*, void*, size_t, int), (override));
  MOCK_METHOD(int, DeregMr, (ibv_mr*), (override));
  MOCK_METHOD(ibv_comp_channel*, CreateCompChannel, (ibv_context*), (override));
  MOCK_METHOD(int, DestroyCompChannel, (ibv_comp_channel*), (override));
  MOCK_METHOD(ibv_cq*, CreateCq, (ibv_context*, int, void*, ibv_comp_channel*, int), (override));
  MOCK_METHOD(int, DestroyCq, (ibv_cq*), (override));
  MOCK_METHOD(int, ReqNotifyCq, (ibv_cq*, int), (override));
  MOCK_METHOD(int, GetCqEvent, (ibv_comp_channel*, ibv_cq**, void**), (override));
  MOCK_METHOD(void, AckCqEvents, (ibv_cq*, unsigned int), (override));
  MOCK_METHOD(int, PollCq, (ibv_cq*, int, ibv_wc*), (override));
  MOCK_METHOD(int, PostSend, (ibv_qp*, ibv_send_wr*, ibv_send_wr**), (override));
  MOCK_METHOD(int, PostRecv, (ibv_qp*, ibv_recv_wr*, ibv_recv_wr**), (override));
  MOCK_METHOD(int, QueryQpState, (ibv_qp*, ibv_qp_state*), (override));
  MOCK_METHOD(ibv_context**, GetRdmaDevices, (int*), (override));
  MOCK_METHOD(void, FreeRdmaDevices, (ibv_context**), (override));
  MOCK_METHOD(rdma_event_channel*, CreateEventChannel, (), (override));
  MOCK_METHOD(void, DestroyEventChannel, (rdma_event_channel*), (override));
  MOCK_METHOD(int, CreateId, (rdma_event_channel*, rdma_cm_id**, void*, rdma_port_space),
              (override));
  MOCK_METHOD(int, DestroyId, (rdma_cm_id*), (override));
  MOCK_METHOD(int, BindAddr, (rdma_cm_id*, sockaddr*), (override));
  MOCK_METHOD(int, Listen, (rdma_cm_id*, int), (override));
  MOCK_METHOD(int, GetCmEvent, (rdma_event_channel*, rdma_cm_event**), (override));
  MOCK_METHOD(int, AckCmEvent, (rdma_cm_event*), (override));
  MOCK_METHOD(int, ResolveAddr, (rdma_cm_id*, sockaddr*, sockaddr*, int), (override));
  MOCK_METHOD(int, ResolveRoute, (rdma_cm_id*, int), (override));
  MOCK_METHOD(int, CreateQp, (rdma_cm_id*, ibv_pd*, ibv_qp_init_attr*), (override));
  MOCK_METHOD(void, DestroyQp, (rdma_cm_id*), (override));
  MOCK_METHOD(int, Connect, (rdma_cm_id*, rdma_conn_param*), (override));
  MOCK_METHOD(int, Accept, (rdma_cm_id*, rdma_conn_param*), (override));
  MOCK_METHOD(int, Reject, (rdma_cm_id*, const void*, uint8_t), (override));
  MOCK_METHOD(int, Disconnect, (rdma_cm_id*), (override));
  MOCK_METHOD(int, MigrateId, (rdma_cm_id*, rdma_event_channel*), (override));
};

inline std::vector<std::byte> Bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

inline std::vector<std::byte> Pattern(size_t n, int seed) {
  std::vector<std::byte> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((seed + i * 7) & 0xff);
  return out;
}

// The fixture: one fake device "mlx5_0" (port 1 active) and the fake CM.
class VerbsTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kNodeGuid = 0x0002c90300a1b2c3ull;
  static constexpr uint64_t kPortGuid = 0x0002c90300a1b2c4ull;
  static constexpr uint64_t kSubnetPrefix = 0xfe80000000000000ull;
  static constexpr uint32_t kQpNum = 0x1234;

  VerbsTest();
  ~VerbsTest() override;

  // Opens the fabric on the mock (expects success).
  std::unique_ptr<Fabric> OpenFabric();
  std::unique_ptr<CompletionQueue> MakeCq(Fabric& fabric, int depth = 128);

  // A CM id owned by the fixture (as librdmacm would own it).
  rdma_cm_id* NewCmId(rdma_event_channel* channel);
  // Queues an event on `channel`; GetCmEvent hands them out in order.
  rdma_cm_event* PushEvent(rdma_event_channel* channel, rdma_cm_id* id, rdma_cm_event_type type,
                           int status = 0, const std::vector<std::byte>& private_data = {});
  size_t PendingEvents(rdma_event_channel* channel) const;
  // Channels created so far (in order).
  const std::vector<rdma_event_channel*>& channels() const { return channel_order_; }

  std::shared_ptr<::testing::NiceMock<MockVerbsApi>> api_;
  ibv_device device_{};
  ibv_context context_{};
  ibv_device other_device_{};
  ibv_context other_context_{};
  ibv_context* device_list_[2] = {&context_, nullptr};
  ibv_pd pd_{};
  ibv_comp_channel comp_channel_{};
  ibv_cq cq_{};
  ibv_qp qp_{};
  std::vector<rdma_cm_id*> destroyed_ids_;
  std::vector<rdma_event_channel*> destroyed_channels_;
  std::vector<rdma_cm_event*> acked_events_;
  std::vector<std::string> call_log_;  // DestroyQp / DestroyId / Disconnect order

 private:
  struct FakeChannel {
    rdma_event_channel channel{};
    int write_fd = -1;
    std::deque<rdma_cm_event*> queue;
  };
  FakeChannel* Find(rdma_event_channel* channel) const;

  std::vector<std::unique_ptr<FakeChannel>> fake_channels_;
  std::vector<rdma_event_channel*> channel_order_;
  std::deque<rdma_cm_id> ids_;
  std::deque<rdma_cm_event> events_;
  std::deque<std::vector<std::byte>> event_data_;
  int comp_pipe_[2] = {-1, -1};
};

}  // namespace srp::fabric::verbs::testing
