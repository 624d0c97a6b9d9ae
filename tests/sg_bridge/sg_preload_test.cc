// The preload library's sg interface, called directly: the test process runs a Broker on a
// logged-in Session and dlopen()s libsrp-sg-preload.so, then uses the library's own open/
// ioctl/read/write/fstat/close on /dev/srp-sgN (sg v3 header fields, iovec buffers, sense
// truncation, residuals, timeouts, reserved size, SCSI id, resets, the write/read interface).
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <scsi/sg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/sg_bridge/broker.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "tests/sg_bridge/sg_target_fixture.h"

namespace srp::sg_bridge_test {
namespace {

using OpenFn = int (*)(const char*, int, ...);
using IoctlFn = int (*)(int, unsigned long, ...);
using CloseFn = int (*)(int);
using FstatFn = int (*)(int, struct stat*);
using StatFn = int (*)(const char*, struct stat*);
using WriteFn = ssize_t (*)(int, const void*, size_t);
using ReadFn = ssize_t (*)(int, void*, size_t);

constexpr uint32_t kUnmappedLun = 7;  // /dev/srp-sg2: a LUN the target does not export

class SgPreloadTest : public SgTargetTest {
 protected:
  void SetUp() override {
    SgTargetTest::SetUp();
    fabric::soft::SoftFabricOptions fo;
    fo.port_name = "preload-test";
    auto f = fabric::soft::OpenSoftFabric(fo);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    fabric_ = std::move(*f);
    auto so = initiator::OptionsFromTargetString(Target());
    ASSERT_TRUE(so.ok());
    auto s = initiator::Session::Login(*fabric_, *so);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
    auto b = sg_bridge::Broker::Create(*session_, {0, 3, kUnmappedLun}, Scratch() + "/p.sock");
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    broker_ = std::move(*b);
    broker_->ScanLuns();
    serving_ = std::thread([this] { (void)broker_->Serve(); });
    setenv(SRP_SG_ENV_SOCKET, broker_->socket_path().c_str(), 1);
    setenv(SRP_SG_ENV_LUNS, "0,3,7", 1);
    lib_ = dlopen((integration::BinDir() + "/libsrp-sg-preload.so").c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib_, nullptr) << dlerror();
    open_ = reinterpret_cast<OpenFn>(dlsym(lib_, "open"));
    ioctl_ = reinterpret_cast<IoctlFn>(dlsym(lib_, "ioctl"));
    close_ = reinterpret_cast<CloseFn>(dlsym(lib_, "close"));
    fstat_ = reinterpret_cast<FstatFn>(dlsym(lib_, "fstat"));
    stat_ = reinterpret_cast<StatFn>(dlsym(lib_, "stat"));
    write_ = reinterpret_cast<WriteFn>(dlsym(lib_, "write"));
    read_ = reinterpret_cast<ReadFn>(dlsym(lib_, "read"));
    ASSERT_TRUE(open_ && ioctl_ && close_ && fstat_ && stat_ && write_ && read_);
  }
  void TearDown() override {
    if (lib_ != nullptr) dlclose(lib_);
    if (broker_) broker_->Stop();
    if (serving_.joinable()) serving_.join();
    broker_.reset();
    if (session_) (void)session_->Logout(false);
    session_.reset();
    fabric_.reset();
    unsetenv(SRP_SG_ENV_SOCKET);
    unsetenv(SRP_SG_ENV_LUNS);
  }

  int OpenDevice(int n) { return open_(("/dev/srp-sg" + std::to_string(n)).c_str(), O_RDWR); }

  // An sg v3 header for `cdb`.
  static sg_io_hdr_t Header(std::vector<uint8_t>& cdb, int direction, void* data, unsigned len,
                            uint8_t* sense, uint8_t sense_len) {
    sg_io_hdr_t h{};
    h.interface_id = 'S';
    h.cmdp = cdb.data();
    h.cmd_len = static_cast<unsigned char>(cdb.size());
    h.dxfer_direction = direction;
    h.dxferp = data;
    h.dxfer_len = len;
    h.sbp = sense;
    h.mx_sb_len = sense_len;
    h.timeout = 10000;
    return h;
  }

  std::unique_ptr<fabric::Fabric> fabric_;
  std::unique_ptr<initiator::Session> session_;
  std::unique_ptr<sg_bridge::Broker> broker_;
  std::thread serving_;
  void* lib_ = nullptr;
  OpenFn open_ = nullptr;
  IoctlFn ioctl_ = nullptr;
  CloseFn close_ = nullptr;
  FstatFn fstat_ = nullptr;
  StatFn stat_ = nullptr;
  WriteFn write_ = nullptr;
  ReadFn read_ = nullptr;
};

TEST_F(SgPreloadTest, StatAndFstatShowSgCharacterDevice) {
  struct stat st {};
  ASSERT_EQ(stat_("/dev/srp-sg1", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 21u);
  EXPECT_EQ(minor(st.st_rdev), 1u);
  EXPECT_NE(stat_("/dev/srp-sg3", &st), 0);  // only three devices
  int fd = OpenDevice(0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fstat_(fd, &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(minor(st.st_rdev), 0u);
  EXPECT_EQ(close_(fd), 0);
  ASSERT_EQ(fstat_(fd, &st), -1);  // closed: no longer bridged, and the fd is gone
}

TEST_F(SgPreloadTest, ControlIoctls) {
  int fd = OpenDevice(1);
  ASSERT_GE(fd, 0);
  int v = 0;
  ASSERT_EQ(ioctl_(fd, SG_GET_VERSION_NUM, &v), 0);
  EXPECT_EQ(v, 30536);
  sg_scsi_id id{};
  ASSERT_EQ(ioctl_(fd, SG_GET_SCSI_ID, &id), 0);
  EXPECT_EQ(id.lun, 3);
  EXPECT_EQ(id.scsi_type, 0);
  ASSERT_EQ(ioctl_(fd, SG_GET_RESERVED_SIZE, &v), 0);
  EXPECT_EQ(v, 32768);
  v = 1 << 20;
  ASSERT_EQ(ioctl_(fd, SG_SET_RESERVED_SIZE, &v), 0);
  ASSERT_EQ(ioctl_(fd, SG_GET_RESERVED_SIZE, &v), 0);
  EXPECT_EQ(v, 1 << 20);
  v = -1;
  EXPECT_EQ(ioctl_(fd, SG_SET_RESERVED_SIZE, &v), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(ioctl_(fd, SG_GET_TIMEOUT, nullptr), 6000);  // 60 s in USER_HZ jiffies
  v = 250;
  ASSERT_EQ(ioctl_(fd, SG_SET_TIMEOUT, &v), 0);
  EXPECT_EQ(ioctl_(fd, SG_GET_TIMEOUT, nullptr), 250);
  EXPECT_EQ(ioctl_(fd, 0x1234, &v), -1);  // unknown ioctls are not the device's
  EXPECT_EQ(errno, ENOTTY);
  close_(fd);
}

TEST_F(SgPreloadTest, SgIoWithIovecWritesAndReadsBack) {
  int fd = OpenDevice(0);
  ASSERT_GE(fd, 0);
  // WRITE(10) of 3 blocks at LBA 50 from three uneven pieces, READ(10) into two pieces.
  std::vector<uint8_t> data(1536);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + 1);
  sg_iovec_t out_iov[3] = {
      {data.data(), 100}, {data.data() + 100, 1000}, {data.data() + 1100, 436}};
  std::vector<uint8_t> wcdb = {0x2a, 0, 0, 0, 0, 50, 0, 0, 3, 0};
  uint8_t sense[32];
  sg_io_hdr_t w = Header(wcdb, SG_DXFER_TO_DEV, out_iov, 1536, sense, sizeof(sense));
  w.iovec_count = 3;
  ASSERT_EQ(ioctl_(fd, SG_IO, &w), 0) << strerror(errno);
  EXPECT_EQ(w.status, 0);
  EXPECT_EQ(w.host_status, 0);
  EXPECT_EQ(w.driver_status, 0);
  EXPECT_EQ(w.resid, 0);
  EXPECT_EQ(w.info & SG_INFO_OK_MASK, SG_INFO_OK);

  std::vector<uint8_t> back(1536, 0);
  sg_iovec_t in_iov[2] = {{back.data(), 512}, {back.data() + 512, 1024}};
  std::vector<uint8_t> rcdb = {0x28, 0, 0, 0, 0, 50, 0, 0, 3, 0};
  sg_io_hdr_t r = Header(rcdb, SG_DXFER_FROM_DEV, in_iov, 1536, sense, sizeof(sense));
  r.iovec_count = 2;
  ASSERT_EQ(ioctl_(fd, SG_IO, &r), 0);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.resid, 0);
  EXPECT_EQ(back, data);
  close_(fd);
}

TEST_F(SgPreloadTest, SgIoShortTransferAndTruncatedSense) {
  int fd = OpenDevice(0);
  ASSERT_GE(fd, 0);
  // INQUIRY allocation 255 into a 255-byte buffer: the target sends fewer -> resid.
  std::vector<uint8_t> inq = {0x12, 0, 0, 0, 0xff, 0};
  uint8_t buf[255] = {};
  sg_io_hdr_t h = Header(inq, SG_DXFER_FROM_DEV, buf, sizeof(buf), nullptr, 0);
  ASSERT_EQ(ioctl_(fd, SG_IO, &h), 0);
  EXPECT_EQ(h.status, 0);
  EXPECT_GT(h.resid, 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf) + 8, 7), kVendor);

  // Unknown opcode: CHECK CONDITION with the target's sense, cut to mx_sb_len.
  std::vector<uint8_t> bad = {0xc0, 0, 0, 0, 0, 0};
  uint8_t sense[8] = {};
  h = Header(bad, SG_DXFER_NONE, nullptr, 0, sense, sizeof(sense));
  ASSERT_EQ(ioctl_(fd, SG_IO, &h), 0);
  EXPECT_EQ(h.status, 0x02);
  EXPECT_EQ(h.masked_status, 0x01);  // CHECK_CONDITION >> 1
  EXPECT_EQ(h.driver_status, 0x08);  // DRIVER_SENSE
  EXPECT_EQ(h.sb_len_wr, 8);
  EXPECT_EQ(sense[0] & 0x7f, 0x70);
  EXPECT_EQ(sense[2] & 0x0f, 0x05);  // ILLEGAL REQUEST
  EXPECT_EQ(h.info & SG_INFO_OK_MASK, SG_INFO_CHECK);

  uint8_t full[64] = {};
  h = Header(bad, SG_DXFER_NONE, nullptr, 0, full, sizeof(full));
  ASSERT_EQ(ioctl_(fd, SG_IO, &h), 0);
  ASSERT_GE(h.sb_len_wr, 14);
  EXPECT_EQ(full[12], 0x20);  // INVALID COMMAND OPERATION CODE
  EXPECT_EQ(full[13], 0x00);
  close_(fd);
}

TEST_F(SgPreloadTest, SgIoRejectsBadHeaders) {
  int fd = OpenDevice(0);
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> tur = {0, 0, 0, 0, 0, 0};
  sg_io_hdr_t h = Header(tur, SG_DXFER_NONE, nullptr, 0, nullptr, 0);
  h.interface_id = 'Q';
  EXPECT_EQ(ioctl_(fd, SG_IO, &h), -1);
  EXPECT_EQ(errno, ENOSYS);
  std::vector<uint8_t> long_cdb(32, 0x7f);
  h = Header(long_cdb, SG_DXFER_NONE, nullptr, 0, nullptr, 0);
  EXPECT_EQ(ioctl_(fd, SG_IO, &h), -1);
  EXPECT_EQ(errno, EINVAL);
  h = Header(tur, SG_DXFER_FROM_DEV, nullptr, 512, nullptr, 0);
  EXPECT_EQ(ioctl_(fd, SG_IO, &h), -1);
  EXPECT_EQ(errno, EFAULT);
  // The connection still works after refused requests.
  h = Header(tur, SG_DXFER_NONE, nullptr, 0, nullptr, 0);
  ASSERT_EQ(ioctl_(fd, SG_IO, &h), 0);
  EXPECT_EQ(h.status, 0);
  close_(fd);
}

TEST_F(SgPreloadTest, WriteReadInterface) {
  int fd = OpenDevice(1);
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> rc10 = {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  uint8_t cap[8] = {};
  sg_io_hdr_t h = Header(rc10, SG_DXFER_FROM_DEV, cap, sizeof(cap), nullptr, 0);
  h.pack_id = 77;
  ASSERT_EQ(write_(fd, &h, sizeof(h)), static_cast<ssize_t>(sizeof(h)));
  EXPECT_EQ(write_(fd, &h, sizeof(h)), -1);  // one outstanding command per fd
  int waiting = 0;
  ASSERT_EQ(ioctl_(fd, SG_GET_NUM_WAITING, &waiting), 0);
  EXPECT_EQ(waiting, 1);
  sg_io_hdr_t done{};
  ASSERT_EQ(read_(fd, &done, sizeof(done)), static_cast<ssize_t>(sizeof(done)));
  EXPECT_EQ(done.pack_id, 77);
  EXPECT_EQ(done.status, 0);
  const uint32_t last_lba = (cap[0] << 24) | (cap[1] << 16) | (cap[2] << 8) | cap[3];
  const uint32_t block = (cap[4] << 24) | (cap[5] << 16) | (cap[6] << 8) | cap[7];
  EXPECT_EQ(last_lba, kLun3Blocks - 1);
  EXPECT_EQ(block, 4096u);
  EXPECT_EQ(read_(fd, &done, sizeof(done)), -1);
  EXPECT_EQ(errno, EAGAIN);
  close_(fd);
}

TEST_F(SgPreloadTest, ResetsBecomeLogicalUnitResets) {
  int fd = OpenDevice(0);
  ASSERT_GE(fd, 0);
  for (int what : {SG_SCSI_RESET_DEVICE, 4 /* SG_SCSI_RESET_TARGET */, SG_SCSI_RESET_BUS,
                   SG_SCSI_RESET_NOTHING}) {
    EXPECT_EQ(ioctl_(fd, SG_SCSI_RESET, &what), 0) << what << ": " << strerror(errno);
  }
  int bogus = 99;
  EXPECT_EQ(ioctl_(fd, SG_SCSI_RESET, &bogus), -1);
  EXPECT_EQ(errno, EINVAL);
  // The device still answers after the resets.
  std::vector<uint8_t> tur = {0, 0, 0, 0, 0, 0};
  uint8_t sense[32];
  sg_io_hdr_t h = Header(tur, SG_DXFER_NONE, nullptr, 0, sense, sizeof(sense));
  ASSERT_EQ(ioctl_(fd, SG_IO, &h), 0);
  EXPECT_TRUE(h.status == 0 || (h.status == 2 && (sense[2] & 0x0f) == 0x06))
      << "status " << int{h.status};
  close_(fd);
}

// Malformed requests on the broker's socket: answered with an errno or the connection is
// closed; the broker keeps serving others.
TEST_F(SgPreloadTest, BrokerRejectsBadRequests) {
  auto connect_broker = [&] {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, broker_->socket_path().c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    return fd;
  };
  auto exchange = [&](int fd, const SrpSgRequest& req) {
    SrpSgResponse rsp{};
    EXPECT_EQ(send(fd, &req, sizeof(req), MSG_NOSIGNAL), static_cast<ssize_t>(sizeof(req)));
    EXPECT_EQ(recv(fd, &rsp, sizeof(rsp), MSG_WAITALL), static_cast<ssize_t>(sizeof(rsp)));
    return rsp;
  };
  int fd = connect_broker();
  SrpSgRequest req{};
  req.magic = SRP_SG_MAGIC;
  req.op = SRP_SG_OP_SCSI;
  req.cdb_len = 6;  // TEST UNIT READY
  req.device = 9;   // beyond the three devices
  EXPECT_EQ(exchange(fd, req).error, ENODEV);
  req.device = 0;
  req.op = 42;
  EXPECT_EQ(exchange(fd, req).error, EINVAL);
  req.op = SRP_SG_OP_SCSI;
  req.cdb_len = 0;
  EXPECT_EQ(exchange(fd, req).error, EINVAL);
  req.cdb_len = 6;
  req.direction = 7;
  EXPECT_EQ(exchange(fd, req).error, EINVAL);
  req.direction = SRP_SG_DIR_NONE;
  SrpSgResponse ok = exchange(fd, req);
  EXPECT_EQ(ok.error, 0);
  EXPECT_EQ(ok.magic, SRP_SG_MAGIC);
  // Bad magic: the broker drops that connection.
  req.magic = 0xdeadbeef;
  ASSERT_EQ(send(fd, &req, sizeof(req), MSG_NOSIGNAL), static_cast<ssize_t>(sizeof(req)));
  char byte = 0;
  EXPECT_EQ(recv(fd, &byte, 1, 0), 0);
  close(fd);
  // An oversized data-out announcement is refused the same way.
  fd = connect_broker();
  req.magic = SRP_SG_MAGIC;
  req.direction = SRP_SG_DIR_OUT;
  req.dxfer_len = SRP_SG_MAX_XFER + 1;
  ASSERT_EQ(send(fd, &req, sizeof(req), MSG_NOSIGNAL), static_cast<ssize_t>(sizeof(req)));
  EXPECT_EQ(recv(fd, &byte, 1, 0), 0);
  close(fd);
  // Other connections are unaffected.
  int dev = OpenDevice(0);
  ASSERT_GE(dev, 0);
  std::vector<uint8_t> tur = {0, 0, 0, 0, 0, 0};
  sg_io_hdr_t h = Header(tur, SG_DXFER_NONE, nullptr, 0, nullptr, 0);
  EXPECT_EQ(ioctl_(dev, SG_IO, &h), 0);
  EXPECT_EQ(h.status, 0);
  close_(dev);
}

}  // namespace
}  // namespace srp::sg_bridge_test
