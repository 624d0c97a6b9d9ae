// Session against the fake target: login forms, data through every descriptor format.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "lib/srp/login.h"
#include "tests/initiator/session_test_util.h"

namespace srp::initiator::testing {
namespace {

using std::chrono::milliseconds;

void Fill(std::span<std::byte> s, uint8_t seed) {
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::byte>((i * 7 + seed) & 0xff);
}

TEST_F(SessionTest, LoginIbFormSends64Bytes) {
  StartAndLogin(FakeTargetConfig{});
  EXPECT_EQ(session_->state(), SessionState::kLoggedIn);
  EXPECT_EQ(session_->credits(), 16);
  EXPECT_TRUE(session_->login().immediate_data);
  EXPECT_EQ(session_->login().max_ti_iu_len, 256u);
  auto pd = target_->LastLoginPrivateData();
  ASSERT_EQ(pd.size(), 64u);
  auto req = wire::DecodeLoginRequest(pd);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->req_it_iu_len, 8260u);
  EXPECT_TRUE(wire::TargetPortIdMatches(req->target_port_id, FakeTarget::kIdExt, FakeTarget::kIdExt,
                                        wire::IoClass::kSrpRev16a));
}

TEST_F(SessionTest, LoginRdmaCmFormSends56Bytes) {
  StartAndLogin(FakeTargetConfig{.listen_ip = true});
  auto pd = target_->LastLoginPrivateData();
  ASSERT_EQ(pd.size(), 56u);
  EXPECT_TRUE(wire::DecodeLoginRequestRdma(pd).ok());
}

TEST_F(SessionTest, RejectIsAClearError) {
  target_ = std::make_unique<FakeTarget>(
      FakeTargetConfig{.reject = wire::LoginRejectReason::kUnableAssociateChannel});
  ASSERT_TRUE(target_->Start().ok());
  auto o = OptionsFromTargetString(target_->TargetString());
  auto s = Session::Login(*fabric_, *o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kRejected);
  EXPECT_NE(s.status().message().find("UNABLE_ASSOCIATE_CHANNEL"), std::string::npos);
}

TEST_F(SessionTest, UnreachableTargetFailsBounded) {
  auto o = OptionsFromTargetString("id_ext=1,ioc_guid=1,dest=127.0.0.1:1");
  o->login_timeout = milliseconds(500);
  auto s = Session::Login(*fabric_, *o);
  EXPECT_FALSE(s.ok());
}

TEST_F(SessionTest, DirectWriteThenRead) {
  StartAndLogin(FakeTargetConfig{});
  auto buf = session_->AllocateBuffer(64 * 1024);
  ASSERT_TRUE(buf.ok());
  Fill((*buf)->bytes(), 3);
  const scsi::LunBytes lun = scsi::PackLun(0);
  auto w = ReadWrite(*session_, lun, true, 8, 128, {(*buf)->Segment(0, 65536)});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->format, wire::DataFormat::kDirect);
  auto disk = target_->Disk();
  EXPECT_TRUE(std::equal(disk.begin() + 4096, disk.begin() + 4096 + 65536, (*buf)->data()));
  auto back = session_->AllocateBuffer(65536);
  auto r = ReadWrite(*session_, lun, false, 8, 128, {(*back)->Segment(0, 65536)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::memcmp((*back)->data(), (*buf)->data(), 65536), 0);
  EXPECT_EQ(session_->credits(), 16);  // every response returned its credit
}

TEST_F(SessionTest, SmallWriteGoesImmediate) {
  StartAndLogin(FakeTargetConfig{});
  auto buf = session_->AllocateBuffer(4096);
  Fill((*buf)->bytes(), 9);
  auto w = ReadWrite(*session_, scsi::PackLun(0), true, 0, 8, {(*buf)->Segment(0, 4096)});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->format, wire::DataFormat::kImmediate);
  EXPECT_EQ(session_->stats().immediate, 1u);
  auto cmds = CmdIus();
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].size(), 68u + 4096u);
  EXPECT_EQ(static_cast<uint8_t>(cmds[0][5]), 0x30);
  auto disk = target_->Disk();
  EXPECT_TRUE(std::equal(disk.begin(), disk.begin() + 4096, (*buf)->data()));
}

TEST_F(SessionTest, NoImmediateWhenTargetDidNotOffer) {
  StartAndLogin(FakeTargetConfig{.rsp_flags = 0});
  EXPECT_FALSE(session_->login().immediate_data);
  auto buf = session_->AllocateBuffer(4096);
  auto w = ReadWrite(*session_, scsi::PackLun(0), true, 0, 8, {(*buf)->Segment(0, 4096)});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->format, wire::DataFormat::kDirect);
  EXPECT_EQ(session_->stats().immediate, 0u);
  EXPECT_EQ(static_cast<uint8_t>(CmdIus()[0][5]), 0x10);
}

TEST_F(SessionTest, NoImmediateWhenNotRequested) {
  StartAndLogin(FakeTargetConfig{}, [](SessionOptions& o) { o.use_imm_data = false; });
  auto pd = target_->LastLoginPrivateData();
  EXPECT_EQ(static_cast<uint8_t>(pd[26]) & 0x80, 0);
  EXPECT_FALSE(session_->login().immediate_data);
}

TEST_F(SessionTest, DiscontiguousBufferUsesIndirectTable) {
  StartAndLogin(FakeTargetConfig{});
  auto buf = session_->AllocateBuffer(1 << 20);
  Fill((*buf)->bytes(), 1);
  // Every other 64 KiB piece: a discontiguous scatter list of 8 segments.
  std::vector<DataSegment> segs;
  for (int i = 0; i < 8; ++i) segs.push_back((*buf)->Segment(size_t(i) * 131072, 65536));
  auto w = ReadWrite(*session_, scsi::PackLun(0), true, 0, 1024, segs);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->format, wire::DataFormat::kIndirect);
  auto disk = target_->Disk();
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(std::memcmp(disk.data() + i * 65536, (*buf)->data() + i * 131072, 65536), 0) << i;
  }
  auto back = session_->AllocateBuffer(1 << 20);
  std::vector<DataSegment> rsegs;
  for (int i = 0; i < 8; ++i) rsegs.push_back((*back)->Segment(size_t(i) * 131072, 65536));
  ASSERT_TRUE(ReadWrite(*session_, scsi::PackLun(0), false, 0, 1024, rsegs).ok());
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(std::memcmp((*back)->data() + i * 131072, (*buf)->data() + i * 131072, 65536), 0);
  }
  auto cmd = CmdIus().back();
  EXPECT_EQ(static_cast<uint8_t>(cmd[5]), 0x02);
  EXPECT_EQ(cmd[7], std::byte{8});
}

TEST_F(SessionTest, ExternalTableWhenAllowed) {
  StartAndLogin(FakeTargetConfig{}, [](SessionOptions& o) { o.allow_ext_sg = true; });
  auto buf = session_->AllocateBuffer(40 * 4096);
  Fill((*buf)->bytes(), 5);
  auto segs = (*buf)->Segments(0, 40 * 4096, 4096);  // 40 segments > 12 inline
  auto w = ReadWrite(*session_, scsi::PackLun(0), true, 16, 320, segs);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(session_->stats().external_tables, 1u);
  auto cmd = CmdIus().back();
  EXPECT_EQ(cmd[6], std::byte{12});
  EXPECT_EQ(cmd.size(), 48u + 20 + 12 * 16);
  auto disk = target_->Disk();
  EXPECT_EQ(std::memcmp(disk.data() + 16 * 512, (*buf)->data(), 40 * 4096), 0);
}

TEST_F(SessionTest, TooManySegmentsWithoutExtSgFailSubmit) {
  StartAndLogin(FakeTargetConfig{});
  auto buf = session_->AllocateBuffer(40 * 4096);
  ScsiCommand cmd;
  cmd.cdb = scsi::BuildRead10(0, 320);
  cmd.direction = wire::DataDirection::kIn;
  cmd.segments = (*buf)->Segments(0, 40 * 4096, 4096);
  auto tag = session_->Submit(cmd, nullptr);
  EXPECT_FALSE(tag.ok());
  EXPECT_EQ(session_->outstanding(), 0u);
}

TEST_F(SessionTest, ReconnectLogsInAgain) {
  StartAndLogin(FakeTargetConfig{});
  ASSERT_TRUE(session_->Logout(true).ok());
  EXPECT_EQ(session_->state(), SessionState::kDisconnected);
  EXPECT_FALSE(session_->Submit(ScsiCommand{}, nullptr).ok());
  ASSERT_TRUE(session_->Reconnect().ok());
  EXPECT_EQ(session_->state(), SessionState::kLoggedIn);
  EXPECT_EQ(target_->logins(), 2u);
  ScsiCommand tur;
  tur.cdb = scsi::BuildTestUnitReady();
  auto r = Execute(*session_, tur);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->good());
}

}  // namespace
}  // namespace srp::initiator::testing
