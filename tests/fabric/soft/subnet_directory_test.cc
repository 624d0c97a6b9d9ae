// The soft-subnet directory and the frame codec.
#include "lib/fabric/soft/subnet_directory.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "lib/fabric/soft/frame.h"
#include "tests/fabric/soft/soft_test_util.h"

namespace srp::fabric::soft::testing {
namespace {

TEST_F(SoftFabricTest, PortsArePublishedWithUniqueLids) {
  auto ports = Take(ListPorts(dir_));
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].name, "porta");
  EXPECT_EQ(ports[1].name, "portb");
  EXPECT_NE(ports[0].lid, ports[1].lid);
  EXPECT_NE(ports[0].lid, 0);
  EXPECT_EQ(ports[0].pid, getpid());
  EXPECT_EQ(ports[0].port_guid, a_->port().port_guid);
  EXPECT_EQ(ports[0].gid, a_->port().gid);
  EXPECT_EQ(ports[0].gid, Gid::FromParts(0xfe80000000000000ull, ports[0].port_guid));
  EXPECT_EQ(ports[0].pkeys, std::vector<uint16_t>{0xffff});
  EXPECT_EQ(a_->port().lid, ports[0].lid);
  EXPECT_EQ(a_->backend_name(), "soft");
  EXPECT_EQ(a_->port().device_name, "porta");
  EXPECT_EQ(Take(FindPortByGid(dir_, b_->port().gid)).name, "portb");
  EXPECT_EQ(Take(FindPortByLid(dir_, b_->port().lid)).name, "portb");
  EXPECT_EQ(Take(SubnetDirectoryOf(*a_)), dir_);
}

TEST_F(SoftFabricTest, GuidsAreDerivedFromTheName) {
  EXPECT_EQ(a_->port().port_guid, DerivePortGuid("porta"));
  EXPECT_EQ(a_->port().node_guid, DeriveNodeGuid("porta"));
  EXPECT_EQ(a_->port().port_guid >> 40, kSoftOui);
  EXPECT_NE(DerivePortGuid("porta"), DerivePortGuid("portb"));
  SoftFabricOptions o;
  o.port_guid = 0x1122334455667788ull;
  o.lid = 0x42;
  o.ip_addresses = {"192.0.2.1", "fe80::1%lo"};
  auto c = Open("portc", o);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->port().port_guid, 0x1122334455667788ull);
  EXPECT_EQ(c->port().lid, 0x42);
  auto rec = Take(ReadPort(dir_, "portc"));
  EXPECT_EQ(rec.ip_addresses, o.ip_addresses);
  EXPECT_EQ(rec.lid, 0x42);
  // Name and LID are unique.
  EXPECT_EQ(OpenSoftFabric({.subnet_dir = dir_, .port_name = "portc"}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_FALSE(OpenSoftFabric({.subnet_dir = dir_, .port_name = "portd", .lid = 0x42}).ok());
}

TEST_F(SoftFabricTest, CloseRemovesPortFile) {
  auto c = Open("portc");
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/ports/portc.port"));
  c.reset();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/ports/portc.port"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/ports/portc.sock"));
  EXPECT_EQ(Take(ListPorts(dir_)).size(), 2u);
  // The name can be reused.
  EXPECT_NE(Open("portc"), nullptr);
}

TEST_F(SoftFabricTest, StaleFilesOfDeadProcessesAreIgnoredAndCleaned) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);
  PortRecord ghost;
  ghost.name = "ghost";
  ghost.pid = child;
  ghost.port_guid = 1;
  ghost.lid = 0x99;
  ghost.socket_path = dir_ + "/ports/ghost.sock";
  {
    std::ofstream(dir_ + "/ports/ghost.port") << FormatPortRecord(ghost);
    std::ofstream(dir_ + "/lids/0099") << child << " ghost";
  }
  EXPECT_FALSE(ReadPort(dir_, "ghost").ok());
  EXPECT_EQ(Take(ListPorts(dir_)).size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/ports/ghost.port"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/lids/0099"));
  // A dead owner's name and LID can be taken over.
  std::ofstream(dir_ + "/ports/ghost.port") << FormatPortRecord(ghost);
  std::ofstream(dir_ + "/lids/0099") << child << " ghost";
  auto g = Open("ghost", SoftFabricOptions{.lid = 0x99});
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->port().lid, 0x99);
}

TEST_F(SoftFabricTest, CapabilityMaskCanBeUpdated) {
  ASSERT_TRUE(SetCapabilityMask(*a_, 1u << 19).ok());
  EXPECT_EQ(a_->port().capability_mask, 1u << 19);
  EXPECT_EQ(Take(ReadPort(dir_, "porta")).capability_mask, 1u << 19);
}

TEST(PortRecordTest, RoundTripsAndRejectsIncompleteFiles) {
  PortRecord r;
  r.name = "x";
  r.pid = 12;
  r.host = "h";
  r.node_guid = 0x10;
  r.port_guid = 0x11;
  r.gid = Gid::FromParts(r.subnet_prefix, r.port_guid);
  r.lid = 7;
  r.sm_lid = 1;
  r.capability_mask = 0x80000;
  r.pkeys = {0xffff, 0x8001};
  r.ip_addresses = {"10.0.0.1", "::1"};
  r.socket_path = "/tmp/x.sock";
  auto back = ParsePortRecord(FormatPortRecord(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->name, r.name);
  EXPECT_EQ(back->gid, r.gid);
  EXPECT_EQ(back->lid, r.lid);
  EXPECT_EQ(back->capability_mask, r.capability_mask);
  EXPECT_EQ(back->pkeys, r.pkeys);
  EXPECT_EQ(back->ip_addresses, r.ip_addresses);
  EXPECT_EQ(back->socket_path, r.socket_path);
  EXPECT_TRUE(ParsePortRecord(FormatPortRecord(r) + "future_key=1\n").ok());
  EXPECT_FALSE(ParsePortRecord("name=x\npid=1\n").ok());
  EXPECT_FALSE(ParsePortRecord("garbage line\n").ok());
  EXPECT_FALSE(ParsePortRecord(FormatPortRecord(r) + "lid=zz\n").ok());
}

TEST(FrameTest, HeaderRoundTripAndValidation) {
  FrameHeader h{.type = FrameType::kRdmaWrite,
                .flags = kFlagLast,
                .payload_len = 100,
                .seq = 0x0102030405060708ull,
                .addr = 0xdeadbeef00ull,
                .key = 0x11223344,
                .length = 9};
  HeaderBytes b = EncodeFrameHeader(h);
  auto d = DecodeFrameHeader(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->type, h.type);
  EXPECT_EQ(d->flags, h.flags);
  EXPECT_EQ(d->payload_len, 100u);
  EXPECT_EQ(d->seq, h.seq);
  EXPECT_EQ(d->addr, h.addr);
  EXPECT_EQ(d->key, h.key);
  EXPECT_EQ(d->length, 9u);
  HeaderBytes bad = b;
  bad[3] = std::byte{0};  // magic
  EXPECT_FALSE(DecodeFrameHeader(bad).ok());
  bad = b;
  bad[1] = std::byte{0x80};  // flags
  EXPECT_FALSE(DecodeFrameHeader(bad).ok());
  h.payload_len = kMaxSegment + 1;
  EXPECT_FALSE(DecodeFrameHeader(EncodeFrameHeader(h)).ok());
  FrameHeader ack{.type = FrameType::kAck, .payload_len = 1};
  EXPECT_FALSE(DecodeFrameHeader(EncodeFrameHeader(ack)).ok());
}

TEST(FrameTest, CmPayload) {
  CmIdentity id;
  id.gid = Gid::FromParts(0xfe80000000000000ull, 5);
  id.node_guid = 4;
  id.port_guid = 5;
  id.qp_num = 0x123;
  id.pkey = 0x8001;
  id.rnr_retry = 3;
  std::vector<std::byte> pd(56, std::byte{0x42});
  auto bytes = EncodeCmPayload(id, pd);
  CmIdentity back;
  std::span<const std::byte> pdata;
  ASSERT_TRUE(DecodeCmPayload(bytes, &back, &pdata).ok());
  EXPECT_EQ(back.gid, id.gid);
  EXPECT_EQ(back.qp_num, 0x123u);
  EXPECT_EQ(back.pkey, 0x8001);
  EXPECT_EQ(back.rnr_retry, 3);
  EXPECT_EQ(pdata.size(), 56u);
  EXPECT_FALSE(DecodeCmPayload(std::span(bytes).first(10), &back, &pdata).ok());
}

}  // namespace
}  // namespace srp::fabric::soft::testing
