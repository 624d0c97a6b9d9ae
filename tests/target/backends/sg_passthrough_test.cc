// dev_disk pass-through against a fake SG_IO: the CDB, direction and length reach the device
// unchanged; its status, sense and residual reach the task unchanged; transport failures map
// to BUSY or HARDWARE ERROR.
#include "target/backends/sg_passthrough.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <scsi/sg.h>

#include <cstring>
#include <functional>
#include <mutex>
#include <vector>

#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"
#include "target/scsi/logical_unit.h"
#include "target/scsi/lun_map.h"
#include "target/scsi/scsi_core.h"

namespace srp::target::testing {
namespace {

constexpr int kFakeFd = 42;

// What the fake device saw for one SG_IO.
struct SeenCommand {
  std::vector<uint8_t> cdb;
  int direction = 0;
  uint32_t length = 0;
  uint32_t timeout = 0;
  std::vector<std::byte> data_out;
};

// A scripted sg device: answers SG_GET_VERSION_NUM and READ CAPACITY itself and passes every
// other SG_IO to `respond`.
class FakeSgIoApi : public SgIoApi {
 public:
  int Open(const std::string& path, int) override {
    opened_path = path;
    return open_error != 0 ? -open_error : kFakeFd;
  }
  int Ioctl(int fd, unsigned long request, void* arg) override {
    EXPECT_EQ(fd, kFakeFd);
    if (request == SG_GET_VERSION_NUM) {
      if (version_error != 0) return -version_error;
      *static_cast<int*>(arg) = 30536;
      return 0;
    }
    EXPECT_EQ(request, static_cast<unsigned long>(SG_IO));
    auto* hdr = static_cast<sg_io_hdr_t*>(arg);
    EXPECT_EQ(hdr->interface_id, 'S');
    SeenCommand seen;
    seen.cdb.assign(hdr->cmdp, hdr->cmdp + hdr->cmd_len);
    seen.direction = hdr->dxfer_direction;
    seen.length = hdr->dxfer_len;
    seen.timeout = hdr->timeout;
    if (hdr->dxfer_direction == SG_DXFER_TO_DEV) {
      auto* p = static_cast<std::byte*>(hdr->dxferp);
      seen.data_out.assign(p, p + hdr->dxfer_len);
    }
    {
      std::lock_guard lock(mu);
      commands.push_back(seen);
    }
    if (seen.cdb[0] == 0x9E && rc16_answer) return rc16_answer(*hdr);
    if (seen.cdb[0] == 0x25 && rc10_answer) return rc10_answer(*hdr);
    return respond ? respond(*hdr) : 0;
  }
  void Close(int fd) override {
    EXPECT_EQ(fd, kFakeFd);
    ++closes;
  }

  // Fills a READ CAPACITY(16) answer: 1000 blocks of 4096 bytes.
  static int GoodRc16(sg_io_hdr_t& hdr) {
    auto* p = static_cast<uint8_t*>(hdr.dxferp);
    std::memset(p, 0, hdr.dxfer_len);
    p[7] = 999 & 0xFF;
    p[6] = 999 >> 8;
    p[10] = 0x10;  // 4096
    hdr.resid = static_cast<int>(hdr.dxfer_len) - 32;
    return 0;
  }
  static void SetCheckCondition(sg_io_hdr_t& hdr, uint8_t key, uint8_t asc, uint8_t ascq) {
    hdr.status = 0x02;
    hdr.driver_status = 0x08;
    const uint8_t sense[18] = {0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0};
    std::memcpy(hdr.sbp, sense, sizeof(sense));
    hdr.sb_len_wr = sizeof(sense);
  }

  std::mutex mu;
  std::vector<SeenCommand> commands;
  std::function<int(sg_io_hdr_t&)> respond;
  std::function<int(sg_io_hdr_t&)> rc16_answer = GoodRc16;
  std::function<int(sg_io_hdr_t&)> rc10_answer;
  std::string opened_path;
  int open_error = 0;
  int version_error = 0;
  int closes = 0;
};

class SgPassThroughTest : public ::testing::Test {
 protected:
  std::shared_ptr<PassThroughDevice> MustOpen() {
    auto device = OpenSgPassThrough("/dev/sg7", fake_);
    EXPECT_TRUE(device.ok()) << device.status().ToString();
    return device.ok() ? *device : nullptr;
  }

  // A task for `cdb` with `direction` and a buffer of `length` bytes.
  void Prepare(std::vector<uint8_t> cdb, DataDirection direction, uint32_t length) {
    std::vector<std::byte> bytes(cdb.size());
    std::memcpy(bytes.data(), cdb.data(), cdb.size());
    ASSERT_TRUE(task_.SetCdb(bytes).ok());
    buffer_.assign(length, std::byte{0xEE});
    task_.buffer = buffer_;
    task_.expected_length = length;
    task_.direction = direction;
  }
  uint8_t SenseKey() const { return static_cast<uint8_t>(task_.sense[2]) & 0x0F; }
  uint8_t Asc() const { return static_cast<uint8_t>(task_.sense[12]); }

  std::shared_ptr<FakeSgIoApi> fake_ = std::make_shared<FakeSgIoApi>();
  ScsiTask task_;
  std::vector<std::byte> buffer_;
};

TEST_F(SgPassThroughTest, OpenReadsCapacityWithReadCapacity16) {
  auto device = MustOpen();
  ASSERT_NE(device, nullptr);
  EXPECT_EQ(fake_->opened_path, "/dev/sg7");
  EXPECT_EQ(device->path(), "/dev/sg7");
  EXPECT_EQ(device->block_size(), 4096u);
  EXPECT_EQ(device->num_blocks(), 1000u);
  ASSERT_EQ(fake_->commands.size(), 1u);
  const SeenCommand& rc = fake_->commands[0];
  ASSERT_EQ(rc.cdb.size(), 16u);
  EXPECT_EQ(rc.cdb[0], 0x9E);
  EXPECT_EQ(rc.cdb[1], 0x10);
  EXPECT_EQ(rc.cdb[13], 32);
  EXPECT_EQ(rc.direction, SG_DXFER_FROM_DEV);
  EXPECT_EQ(rc.timeout, kSgIoTimeoutMs);
  device.reset();
  EXPECT_EQ(fake_->closes, 1);
}

TEST_F(SgPassThroughTest, FallsBackToReadCapacity10) {
  fake_->rc16_answer = [](sg_io_hdr_t& hdr) {
    FakeSgIoApi::SetCheckCondition(hdr, 0x05, 0x20, 0x00);
    return 0;
  };
  fake_->rc10_answer = [](sg_io_hdr_t& hdr) {
    auto* p = static_cast<uint8_t*>(hdr.dxferp);
    const uint8_t answer[8] = {0, 0, 0x0F, 0xFF, 0, 0, 0x02, 0};  // 4096 blocks of 512
    std::memcpy(p, answer, 8);
    return 0;
  };
  auto device = MustOpen();
  ASSERT_NE(device, nullptr);
  EXPECT_EQ(device->block_size(), 512u);
  EXPECT_EQ(device->num_blocks(), 4096u);
}

TEST_F(SgPassThroughTest, OpenFailuresAreClearAndCloseTheFd) {
  fake_->open_error = ENOENT;
  auto missing = OpenSgPassThrough("/dev/sg9", fake_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/dev/sg9"), std::string::npos);
  EXPECT_EQ(fake_->closes, 0);

  fake_->open_error = 0;
  fake_->version_error = ENOTTY;
  auto not_sg = OpenSgPassThrough("/dev/sda", fake_);
  ASSERT_FALSE(not_sg.ok());
  EXPECT_EQ(not_sg.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(not_sg.status().message().find("not a SCSI generic"), std::string::npos);
  EXPECT_EQ(fake_->closes, 1);

  fake_->version_error = 0;
  fake_->rc16_answer = [](sg_io_hdr_t& hdr) {
    FakeSgIoApi::SetCheckCondition(hdr, 0x02, 0x04, 0x00);  // NOT READY
    return 0;
  };
  fake_->rc10_answer = fake_->rc16_answer;
  auto not_ready = OpenSgPassThrough("/dev/sg7", fake_);
  ASSERT_FALSE(not_ready.ok());
  EXPECT_NE(not_ready.status().message().find("sense key 0x2 asc/ascq 04/00"), std::string::npos)
      << not_ready.status().ToString();
  EXPECT_EQ(fake_->closes, 2);
}

TEST_F(SgPassThroughTest, ReadPassesCdbAndResidualThrough) {
  auto device = MustOpen();
  ASSERT_NE(device, nullptr);
  fake_->respond = [](sg_io_hdr_t& hdr) {
    auto* p = static_cast<uint8_t*>(hdr.dxferp);
    for (uint32_t i = 0; i < hdr.dxfer_len - 512; ++i) p[i] = static_cast<uint8_t>(i * 3);
    hdr.resid = 512;  // the device moved one block less than asked
    return 0;
  };
  const std::vector<uint8_t> cdb = {0x88, 0x08, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 2, 0x1F, 0};
  Prepare(cdb, DataDirection::kIn, 1024);
  device->Execute(task_);
  const SeenCommand& seen = fake_->commands.back();
  EXPECT_EQ(seen.cdb, cdb);
  EXPECT_EQ(seen.direction, SG_DXFER_FROM_DEV);
  EXPECT_EQ(seen.length, 1024u);
  EXPECT_EQ(task_.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(task_.sense_length, 0);
  EXPECT_EQ(task_.data_length, 512u);
  EXPECT_EQ(task_.residual, Residual::kUnderflow);
  EXPECT_EQ(task_.residual_count, 512u);
  EXPECT_EQ(static_cast<uint8_t>(buffer_[5]), 15);
}

TEST_F(SgPassThroughTest, WriteSendsTheDataOut) {
  auto device = MustOpen();
  ASSERT_NE(device, nullptr);
  Prepare({0x2A, 0, 0, 0, 0, 1, 0, 0, 1, 0}, DataDirection::kOut, 512);
  for (size_t i = 0; i < buffer_.size(); ++i) buffer_[i] = static_cast<std::byte>(i);
  device->Execute(task_);
  const SeenCommand& seen = fake_->commands.back();
  EXPECT_EQ(seen.direction, SG_DXFER_TO_DEV);
  ASSERT_EQ(seen.data_out.size(), 512u);
  EXPECT_EQ(seen.data_out[200], std::byte{200});
  EXPECT_EQ(task_.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(task_.data_length, 512u);
  EXPECT_EQ(task_.residual, Residual::kNone);
}

TEST_F(SgPassThroughTest, NoDataCommandHasNoBuffer) {
  auto device = MustOpen();
  ASSERT_NE(device, nullptr);
  Prepare({0x00, 0, 0, 0, 0, 0}, DataDirection::kNone, 0);
  device->Execute(task_);
  EXPECT_EQ(fake_->commands.back().direction, SG_DXFER_NONE);
  EXPECT_EQ(fake_->commands.back().length, 0u);
  EXPECT_EQ(task_.status, scsi::ScsiStatus::kGood);
}

TEST_F(SgPassThroughTest, DeviceSenseIsCopiedUnchanged) {
  auto device = MustOpen();
  ASSERT_NE(device, nullptr);
  // Descriptor-format sense (0x72) with a vendor ASC: the core must not rewrite it.
  const std::vector<uint8_t> sense = {0x72, 0x03, 0x11, 0x04, 0, 0, 0, 12,   0x00, 0x0A,
                                      0x80, 0,    0,    0,    0, 0, 0, 0x12, 0x34, 0x56};
  fake_->respond = [&](sg_io_hdr_t& hdr) {
    hdr.status = 0x02;
    hdr.driver_status = 0x08;
    std::memcpy(hdr.sbp, sense.data(), sense.size());
    hdr.sb_len_wr = static_cast<unsigned char>(sense.size());
    hdr.resid = static_cast<int>(hdr.dxfer_len);
    return 0;
  };
  Prepare({0x28, 0, 0, 0, 0, 9, 0, 0, 1, 0}, DataDirection::kIn, 4096);
  device->Execute(task_);
  EXPECT_EQ(task_.status, scsi::ScsiStatus::kCheckCondition);
  ASSERT_EQ(task_.sense_length, sense.size());
  EXPECT_EQ(std::memcmp(task_.sense.data(), sense.data(), sense.size()), 0);
  EXPECT_EQ(task_.data_length, 0u);
  EXPECT_EQ(task_.residual_count, 4096u);
}

TEST_F(SgPassThroughTest, OtherDeviceStatusesPassThrough) {
  auto device = MustOpen();
  ASSERT_NE(device, nullptr);
  for (uint8_t status : {0x18, 0x28, 0x08}) {  // RESERVATION CONFLICT, TASK SET FULL, BUSY
    fake_->respond = [status](sg_io_hdr_t& hdr) {
      hdr.status = status;
      return 0;
    };
    Prepare({0x00, 0, 0, 0, 0, 0}, DataDirection::kNone, 0);
    device->Execute(task_);
    EXPECT_EQ(static_cast<uint8_t>(task_.status), status);
    EXPECT_EQ(task_.sense_length, 0);
  }
}

TEST_F(SgPassThroughTest, CommandsThroughTheCoreReachTheDevice) {
  auto device = MustOpen();
  ASSERT_NE(device, nullptr);
  LogicalUnitOptions options;
  options.name = "sg7";
  auto unit = LogicalUnit::CreatePassThrough(options, device);
  ASSERT_TRUE(unit.ok()) << unit.status().ToString();
  EXPECT_EQ((*unit)->block_size(), 4096u);
  LunMap luns;
  ASSERT_TRUE(luns.Add(0, *unit).ok());
  fake_->respond = [](sg_io_hdr_t& hdr) {
    auto* p = static_cast<uint8_t*>(hdr.dxferp);
    std::memset(p, 0, hdr.dxfer_len);
    std::memcpy(p + 8, "REALDISK", 8);  // the device's own vendor, not ours
    hdr.resid = static_cast<int>(hdr.dxfer_len) - 36;
    return 0;
  };
  const scsi::Cdb inquiry = scsi::BuildInquiry(96);
  ASSERT_TRUE(task_.SetCdb(inquiry.view()).ok());
  buffer_.assign(96, std::byte{0});
  task_.buffer = buffer_;
  task_.expected_length = 96;
  task_.direction = DataDirection::kIn;
  task_.lun_raw = scsi::PackLun(0);
  int calls = 0;
  ExecuteTask(luns, task_, [&calls](ScsiTask&) { ++calls; });
  EXPECT_EQ(calls, 1);
  const SeenCommand& seen = fake_->commands.back();
  EXPECT_EQ(seen.cdb[0], 0x12);
  EXPECT_EQ(task_.status, scsi::ScsiStatus::kGood);
  EXPECT_EQ(task_.data_length, 36u);
  EXPECT_EQ(std::memcmp(buffer_.data() + 8, "REALDISK", 8), 0);
}

struct FailureCase {
  const char* name;
  int ioctl_error;
  uint16_t host_status;
  uint16_t driver_status;
  bool busy;  // else HARDWARE ERROR / INTERNAL TARGET FAILURE
};

class SgFailureTest : public SgPassThroughTest,
                      public ::testing::WithParamInterface<FailureCase> {};

TEST_P(SgFailureTest, MapsTransportFailures) {
  auto device = MustOpen();
  ASSERT_NE(device, nullptr);
  const FailureCase c = GetParam();
  fake_->respond = [c](sg_io_hdr_t& hdr) {
    if (c.ioctl_error != 0) return -c.ioctl_error;
    hdr.host_status = c.host_status;
    hdr.driver_status = c.driver_status;
    return 0;
  };
  Prepare({0x28, 0, 0, 0, 0, 9, 0, 0, 1, 0}, DataDirection::kIn, 4096);
  device->Execute(task_);
  if (c.busy) {
    EXPECT_EQ(task_.status, scsi::ScsiStatus::kBusy);
    EXPECT_EQ(task_.sense_length, 0);
  } else {
    ASSERT_EQ(task_.status, scsi::ScsiStatus::kCheckCondition);
    EXPECT_EQ(SenseKey(), 0x04);  // HARDWARE ERROR
    EXPECT_EQ(Asc(), 0x44);       // INTERNAL TARGET FAILURE
  }
  EXPECT_EQ(task_.data_length, 0u);
}

INSTANTIATE_TEST_SUITE_P(Sg, SgFailureTest,
                         ::testing::Values(FailureCase{"IoctlNomem", ENOMEM, 0, 0, true},
                                           FailureCase{"IoctlBusy", EBUSY, 0, 0, true},
                                           FailureCase{"IoctlEio", EIO, 0, 0, false},
                                           FailureCase{"IoctlNodev", ENODEV, 0, 0, false},
                                           FailureCase{"HostBusBusy", 0, 0x02, 0, true},
                                           FailureCase{"HostRequeue", 0, 0x0d, 0, true},
                                           FailureCase{"HostTimeout", 0, 0x03, 0, false},
                                           FailureCase{"HostNoConnect", 0, 0x01, 0, false},
                                           FailureCase{"DriverTimeout", 0, 0, 0x06, false},
                                           FailureCase{"DriverBusy", 0, 0, 0x01, true}),
                         [](const ::testing::TestParamInfo<FailureCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace srp::target::testing
