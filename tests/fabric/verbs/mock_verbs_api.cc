#include "tests/fabric/verbs/mock_verbs_api.h"

#include <endian.h>

#include <algorithm>
#include <cerrno>

namespace srp::fabric::verbs::testing {

using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;

VerbsTest::VerbsTest() : api_(std::make_shared<::testing::NiceMock<MockVerbsApi>>()) {
  std::strcpy(device_.name, "mlx5_0");
  context_.device = &device_;
  std::strcpy(other_device_.name, "mlx5_1");
  other_context_.device = &other_device_;
  pd_.context = &context_;
  cq_.context = &context_;
  qp_.qp_num = kQpNum;
  EXPECT_EQ(pipe(comp_pipe_), 0);
  comp_channel_.fd = comp_pipe_[0];
  comp_channel_.context = &context_;

  auto& m = *api_;
  ON_CALL(m, GetRdmaDevices(_)).WillByDefault(Invoke([this](int* n) {
    *n = 1;
    return device_list_;
  }));
  ON_CALL(m, QueryDevice(_, _)).WillByDefault(Invoke([](ibv_context*, ibv_device_attr* a) {
    a->node_guid = htobe64(kNodeGuid);
    a->vendor_id = 0x02c9;
    a->vendor_part_id = 4119;
    a->hw_ver = 3;
    a->max_qp_wr = 32768;
    a->max_sge = 30;
    return 0;
  }));
  ON_CALL(m, QueryPort(_, _, _)).WillByDefault(Invoke([](ibv_context*, uint8_t, ibv_port_attr* a) {
    a->state = IBV_PORT_ACTIVE;
    a->lid = 7;
    a->sm_lid = 1;
    a->port_cap_flags = 0x2651e848;
    a->link_layer = IBV_LINK_LAYER_INFINIBAND;
    a->pkey_tbl_len = 3;
    return 0;
  }));
  ON_CALL(m, QueryGid(_, _, _, _)).WillByDefault(Invoke([](ibv_context*, uint8_t, int, ibv_gid* g) {
    g->global.subnet_prefix = htobe64(kSubnetPrefix);
    g->global.interface_id = htobe64(kPortGuid);
    return 0;
  }));
  ON_CALL(m, QueryPkey(_, _, _, _))
      .WillByDefault(Invoke([](ibv_context*, uint8_t, int i, uint16_t* p) {
        static const uint16_t kTable[] = {0xffff, 0x0000, 0x8001};
        *p = htobe16(kTable[i]);
        return 0;
      }));
  ON_CALL(m, AllocPd(_)).WillByDefault(Return(&pd_));
  ON_CALL(m, CreateCompChannel(_)).WillByDefault(Return(&comp_channel_));
  ON_CALL(m, CreateCq(_, _, _, _, _)).WillByDefault(Return(&cq_));
  ON_CALL(m, GetCqEvent(_, _, _)).WillByDefault(Return(EAGAIN));
  ON_CALL(m, QueryQpState(_, _)).WillByDefault(Invoke([](ibv_qp*, ibv_qp_state* s) {
    *s = IBV_QPS_RTS;
    return 0;
  }));

  ON_CALL(m, CreateEventChannel()).WillByDefault(Invoke([this]() {
    auto fake = std::make_unique<FakeChannel>();
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    fake->channel.fd = fds[0];
    fake->write_fd = fds[1];
    rdma_event_channel* raw = &fake->channel;
    fake_channels_.push_back(std::move(fake));
    channel_order_.push_back(raw);
    return raw;
  }));
  ON_CALL(m, DestroyEventChannel(_)).WillByDefault(Invoke([this](rdma_event_channel* c) {
    destroyed_channels_.push_back(c);
  }));
  ON_CALL(m, CreateId(_, _, _, _))
      .WillByDefault(
          Invoke([this](rdma_event_channel* c, rdma_cm_id** id, void*, rdma_port_space ps) {
            *id = NewCmId(c);
            (*id)->ps = ps;
            return 0;
          }));
  ON_CALL(m, DestroyId(_)).WillByDefault(Invoke([this](rdma_cm_id* id) {
    destroyed_ids_.push_back(id);
    call_log_.push_back("DestroyId");
    return 0;
  }));
  ON_CALL(m, GetCmEvent(_, _))
      .WillByDefault(Invoke([this](rdma_event_channel* c, rdma_cm_event** e) {
        FakeChannel* fake = Find(c);
        if (fake == nullptr || fake->queue.empty()) return EAGAIN;
        *e = fake->queue.front();
        fake->queue.pop_front();
        return 0;
      }));
  ON_CALL(m, AckCmEvent(_)).WillByDefault(Invoke([this](rdma_cm_event* e) {
    acked_events_.push_back(e);
    return 0;
  }));
  ON_CALL(m, MigrateId(_, _)).WillByDefault(Invoke([](rdma_cm_id* id, rdma_event_channel* c) {
    id->channel = c;
    return 0;
  }));
  ON_CALL(m, CreateQp(_, _, _))
      .WillByDefault(Invoke([this](rdma_cm_id* id, ibv_pd*, ibv_qp_init_attr*) {
        id->qp = &qp_;
        return 0;
      }));
  ON_CALL(m, DestroyQp(_)).WillByDefault(Invoke([this](rdma_cm_id* id) {
    id->qp = nullptr;
    call_log_.push_back("DestroyQp");
  }));
  ON_CALL(m, Disconnect(_)).WillByDefault(Invoke([this](rdma_cm_id*) {
    call_log_.push_back("Disconnect");
    return 0;
  }));
}

VerbsTest::~VerbsTest() {
  for (auto& fake : fake_channels_) {
    close(fake->channel.fd);
    close(fake->write_fd);
  }
  close(comp_pipe_[0]);
  close(comp_pipe_[1]);
}

std::unique_ptr<Fabric> VerbsTest::OpenFabric() {
  auto fabric = OpenVerbsFabricWithApi(api_, VerbsFabricOptions{});
  EXPECT_TRUE(fabric.ok()) << fabric.status().ToString();
  return fabric.ok() ? std::move(fabric).value() : nullptr;
}

std::unique_ptr<CompletionQueue> VerbsTest::MakeCq(Fabric& fabric, int depth) {
  auto cq = fabric.CreateCompletionQueue(depth);
  EXPECT_TRUE(cq.ok()) << cq.status().ToString();
  return cq.ok() ? std::move(cq).value() : nullptr;
}

rdma_cm_id* VerbsTest::NewCmId(rdma_event_channel* channel) {
  rdma_cm_id& id = ids_.emplace_back();
  std::memset(&id, 0, sizeof(id));
  id.channel = channel;
  return &id;
}

rdma_cm_event* VerbsTest::PushEvent(rdma_event_channel* channel, rdma_cm_id* id,
                                    rdma_cm_event_type type, int status,
                                    const std::vector<std::byte>& private_data) {
  rdma_cm_event& e = events_.emplace_back();
  std::memset(&e, 0, sizeof(e));
  e.id = id;
  e.event = type;
  e.status = status;
  if (!private_data.empty()) {
    const auto& copy = event_data_.emplace_back(private_data);
    e.param.conn.private_data = copy.data();
    e.param.conn.private_data_len = static_cast<uint8_t>(copy.size());
  }
  FakeChannel* fake = Find(channel);
  EXPECT_NE(fake, nullptr);
  if (fake != nullptr) {
    fake->queue.push_back(&e);
    EXPECT_EQ(write(fake->write_fd, "x", 1), 1);  // readable, like a real channel
  }
  return &e;
}

size_t VerbsTest::PendingEvents(rdma_event_channel* channel) const {
  FakeChannel* fake = Find(channel);
  return fake == nullptr ? 0 : fake->queue.size();
}

VerbsTest::FakeChannel* VerbsTest::Find(rdma_event_channel* channel) const {
  for (const auto& fake : fake_channels_)
    if (&fake->channel == channel) return fake.get();
  return nullptr;
}

}  // namespace srp::fabric::verbs::testing
