// Device selection, port attributes and the no-device paths.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "tests/fabric/verbs/mock_verbs_api.h"

namespace srp::fabric::verbs::testing {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SetArgPointee;

TEST_F(VerbsTest, PortAttributesFromQueries) {
  EXPECT_CALL(*api_, QueryPkey(&context_, 1, _, _)).Times(3);
  auto fabric = OpenFabric();
  ASSERT_NE(fabric, nullptr);
  EXPECT_EQ(fabric->backend_name(), "verbs");
  const PortAttributes& p = fabric->port();
  EXPECT_EQ(p.device_name, "mlx5_0");
  EXPECT_EQ(p.port_num, 1);
  EXPECT_EQ(p.node_guid, kNodeGuid);
  EXPECT_EQ(p.port_guid, kPortGuid);
  EXPECT_EQ(p.gid, Gid::FromParts(kSubnetPrefix, kPortGuid));
  EXPECT_EQ(p.lid, 7);
  EXPECT_EQ(p.sm_lid, 1);
  EXPECT_EQ(p.capability_mask, 0x2651e848u);
  EXPECT_EQ(p.pkeys, (std::vector<uint16_t>{0xffff, 0x8001}));  // zero entries dropped
  EXPECT_EQ(p.max_qp_wr, 32768u);
  EXPECT_EQ(p.max_sge, 30u);
  EXPECT_EQ(p.vendor_id, 0x02c9u);
  EXPECT_EQ(p.vendor_part_id, 4119u);
  EXPECT_EQ(p.hw_ver, 3u);
  EXPECT_EQ(p.link_layer, "InfiniBand");
}

TEST_F(VerbsTest, EthernetLinkLayer) {
  ON_CALL(*api_, QueryPort(_, _, _))
      .WillByDefault(Invoke([](ibv_context*, uint8_t, ibv_port_attr* a) {
        a->state = IBV_PORT_ACTIVE;
        a->link_layer = IBV_LINK_LAYER_ETHERNET;
        return 0;
      }));
  auto fabric = OpenFabric();
  ASSERT_NE(fabric, nullptr);
  EXPECT_EQ(fabric->port().link_layer, "Ethernet");
  EXPECT_TRUE(fabric->port().pkeys.empty());
}

TEST_F(VerbsTest, PdAndDeviceListReleasedWithTheFabric) {
  auto fabric = OpenFabric();
  EXPECT_CALL(*api_, DeallocPd(&pd_)).Times(1);
  EXPECT_CALL(*api_, FreeRdmaDevices(device_list_)).Times(1);
  fabric.reset();
}

TEST_F(VerbsTest, NoDeviceAtAll) {
  EXPECT_CALL(*api_, GetRdmaDevices(_)).WillOnce(Invoke([](int* n) -> ibv_context** {
    *n = 0;
    errno = ENODEV;
    return nullptr;
  }));
  auto fabric = OpenVerbsFabricWithApi(api_, {});
  EXPECT_EQ(fabric.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(fabric.status().message().find("no RDMA device found; use --fabric soft"),
            std::string::npos);
}

TEST_F(VerbsTest, EmptyDeviceList) {
  static ibv_context* empty[] = {nullptr};
  EXPECT_CALL(*api_, GetRdmaDevices(_)).WillOnce(DoAll(SetArgPointee<0>(0), Return(empty)));
  EXPECT_CALL(*api_, FreeRdmaDevices(empty)).Times(1);
  auto fabric = OpenVerbsFabricWithApi(api_, {});
  EXPECT_EQ(fabric.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(fabric.status().message(), "no RDMA device found; use --fabric soft");
}

TEST_F(VerbsTest, NamedDeviceSelection) {
  ibv_context* two[] = {&context_, &other_context_, nullptr};
  ON_CALL(*api_, GetRdmaDevices(_)).WillByDefault(DoAll(SetArgPointee<0>(2), Return(two)));
  VerbsFabricOptions options;
  options.device = "mlx5_1";
  options.port = 2;
  EXPECT_CALL(*api_, QueryPort(&other_context_, 2, _)).Times(::testing::AtLeast(1));
  auto fabric = OpenVerbsFabricWithApi(api_, options);
  ASSERT_TRUE(fabric.ok()) << fabric.status().ToString();
  EXPECT_EQ((*fabric)->port().device_name, "mlx5_1");
  EXPECT_EQ((*fabric)->port().port_num, 2);

  options.device = "mlx4_0";
  auto missing = OpenVerbsFabricWithApi(api_, options);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("mlx5_0, mlx5_1"), std::string::npos);
}

TEST_F(VerbsTest, DefaultPicksFirstActivePort) {
  ibv_context* two[] = {&context_, &other_context_, nullptr};
  ON_CALL(*api_, GetRdmaDevices(_)).WillByDefault(DoAll(SetArgPointee<0>(2), Return(two)));
  ON_CALL(*api_, QueryPort(_, _, _))
      .WillByDefault(Invoke([this](ibv_context* c, uint8_t, ibv_port_attr* a) {
        a->state = c == &context_ ? IBV_PORT_DOWN : IBV_PORT_ACTIVE;
        return 0;
      }));
  auto fabric = OpenVerbsFabricWithApi(api_, {});
  ASSERT_TRUE(fabric.ok()) << fabric.status().ToString();
  EXPECT_EQ((*fabric)->port().device_name, "mlx5_1");

  ON_CALL(*api_, QueryPort(_, _, _))
      .WillByDefault(Invoke([](ibv_context*, uint8_t, ibv_port_attr* a) {
        a->state = IBV_PORT_DOWN;
        return 0;
      }));
  auto none = OpenVerbsFabricWithApi(api_, {});
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(none.status().message().find("active port 1"), std::string::npos);
}

TEST_F(VerbsTest, OpenErrorsCarryErrnoAndCall) {
  EXPECT_CALL(*api_, QueryDevice(_, _))
      .WillOnce(Return(EIO))
      .WillRepeatedly(::testing::DoDefault());
  auto a = OpenVerbsFabricWithApi(api_, {});
  EXPECT_EQ(a.status().sys_errno(), EIO);
  EXPECT_NE(a.status().message().find("ibv_query_device"), std::string::npos);

  EXPECT_CALL(*api_, AllocPd(_)).WillOnce(Invoke([](ibv_context*) -> ibv_pd* {
    errno = ENOMEM;
    return nullptr;
  }));
  auto b = OpenVerbsFabricWithApi(api_, {});
  EXPECT_EQ(b.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(b.status().sys_errno(), ENOMEM);
  EXPECT_NE(b.status().message().find("ibv_alloc_pd"), std::string::npos);
}

TEST_F(VerbsTest, AnyDevicePresentUsesIbvDeviceList) {
  ibv_device* one[] = {&device_, nullptr};
  EXPECT_CALL(*api_, GetDeviceList(_)).WillOnce(DoAll(SetArgPointee<0>(1), Return(one)));
  EXPECT_CALL(*api_, FreeDeviceList(one)).Times(1);
  EXPECT_TRUE(AnyRdmaDevicePresentWithApi(*api_));

  ibv_device* none[] = {nullptr};
  EXPECT_CALL(*api_, GetDeviceList(_)).WillOnce(DoAll(SetArgPointee<0>(0), Return(none)));
  EXPECT_CALL(*api_, FreeDeviceList(none)).Times(1);
  EXPECT_FALSE(AnyRdmaDevicePresentWithApi(*api_));

  EXPECT_CALL(*api_, GetDeviceList(_)).WillOnce(Return(nullptr));
  EXPECT_FALSE(AnyRdmaDevicePresentWithApi(*api_));
}

// The real rdma-core on this host. Without RDMA hardware both must fail
// cleanly; with hardware they only have to agree.
TEST(RealVerbs, AgreeOnThisHost) {
  bool present = AnyRdmaDevicePresent();
  auto fabric = OpenVerbsFabric({});
  ::testing::Test::RecordProperty("open_status", fabric.status().ToString());
  if (!present) {
    ASSERT_FALSE(fabric.ok());
    EXPECT_NE(fabric.status().message().find("use --fabric soft"), std::string::npos)
        << fabric.status().ToString();
  }
}

}  // namespace
}  // namespace srp::fabric::verbs::testing
