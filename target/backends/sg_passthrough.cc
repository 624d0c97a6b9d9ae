#include "target/backends/sg_passthrough.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <scsi/sg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "lib/common/log.h"

namespace srp::target {
namespace {

// Linux SCSI midlayer "host byte" values reported in sg_io_hdr_t::host_status.
constexpr uint16_t kHostOk = 0x00;
constexpr uint16_t kHostBusBusy = 0x02;
constexpr uint16_t kHostSoftError = 0x0b;
constexpr uint16_t kHostImmRetry = 0x0c;
constexpr uint16_t kHostRequeue = 0x0d;
constexpr uint16_t kHostTransportDisrupted = 0x0e;
// "Driver byte" values in sg_io_hdr_t::driver_status (low nibble); 0x08 only says sense is
// present.
constexpr uint16_t kDriverBusy = 0x01;
constexpr uint16_t kDriverSoft = 0x02;
constexpr uint16_t kDriverSense = 0x08;

class PosixSgIoApi final : public SgIoApi {
 public:
  int Open(const std::string& path, int flags) override {
    const int fd = ::open(path.c_str(), flags);
    return fd >= 0 ? fd : -errno;
  }
  int Ioctl(int fd, unsigned long request, void* arg) override {
    for (;;) {
      if (::ioctl(fd, request, arg) == 0) return 0;
      if (errno != EINTR) return -errno;
    }
  }
  void Close(int fd) override { ::close(fd); }
};

const scsi::SenseReason kInternalTargetFailure{
    scsi::SenseKey::kHardwareError, scsi::kAscInternalTargetFailure, {}};

// What one SG_IO produced, before it is applied to a task.
struct SgResult {
  int ioctl_rc = 0;  // 0 or -errno of the ioctl itself
  sg_io_hdr_t hdr{};
  std::array<unsigned char, scsi::kMaxSenseLength> sense{};
};

class SgPassThrough final : public PassThroughDevice {
 public:
  SgPassThrough(std::string path, std::shared_ptr<SgIoApi> api, int fd)
      : path_(std::move(path)), api_(std::move(api)), fd_(fd) {}
  ~SgPassThrough() override { api_->Close(fd_); }
  SgPassThrough(const SgPassThrough&) = delete;
  SgPassThrough& operator=(const SgPassThrough&) = delete;

  uint32_t block_size() const override { return block_size_; }
  uint64_t num_blocks() const override { return num_blocks_; }
  const std::string& path() const override { return path_; }

  void Execute(ScsiTask& task) override {
    task.ResetOutputs();
    int direction = SG_DXFER_NONE;
    uint32_t length = 0;
    if (task.direction == DataDirection::kIn) direction = SG_DXFER_FROM_DEV;
    if (task.direction == DataDirection::kOut) direction = SG_DXFER_TO_DEV;
    if (direction != SG_DXFER_NONE) {
      length = std::min<uint64_t>(task.expected_length, task.buffer.size());
    }
    const SgResult result = Run(task.cdb(), direction, task.buffer.data(), length);
    Apply(result, length, task);
  }

  // Reads the capacity with READ CAPACITY(16), or (10) when (16) is refused.
  Status ReadCapacity() {
    std::array<std::byte, 16> rc16{};
    rc16[0] = std::byte{0x9E};
    rc16[1] = std::byte{0x10};  // SERVICE ACTION: READ CAPACITY(16)
    rc16[13] = std::byte{32};   // ALLOCATION LENGTH
    std::array<std::byte, 32> data{};
    SgResult result = Run(rc16, SG_DXFER_FROM_DEV, data.data(), data.size());
    if (Succeeded(result) && Transferred(result, data.size()) >= 12) {
      const uint64_t last_lba = BigEndian(data.data(), 8);
      block_size_ = static_cast<uint32_t>(BigEndian(data.data() + 8, 4));
      num_blocks_ = last_lba + 1;
      return CheckGeometry();
    }
    std::array<std::byte, 10> rc10{};
    rc10[0] = std::byte{0x25};
    data.fill(std::byte{0});
    SgResult result10 = Run(rc10, SG_DXFER_FROM_DEV, data.data(), 8);
    if (Succeeded(result10) && Transferred(result10, 8) >= 8) {
      const uint64_t last_lba = BigEndian(data.data(), 4);
      block_size_ = static_cast<uint32_t>(BigEndian(data.data() + 4, 4));
      num_blocks_ = last_lba + 1;
      return CheckGeometry();
    }
    return Status(StatusCode::kIoError,
                  fmt::format("{}: READ CAPACITY failed ({})", path_, Describe(result10)));
  }

 private:
  SgResult Run(std::span<const std::byte> cdb, int direction, std::byte* buffer, uint32_t length) {
    SgResult result;
    std::array<unsigned char, 32> cdb_bytes{};
    const size_t cdb_length = std::min(cdb.size(), cdb_bytes.size());
    std::memcpy(cdb_bytes.data(), cdb.data(), cdb_length);
    sg_io_hdr_t& hdr = result.hdr;
    hdr.interface_id = 'S';
    hdr.dxfer_direction = direction;
    hdr.cmd_len = static_cast<unsigned char>(cdb_length);
    hdr.mx_sb_len = static_cast<unsigned char>(result.sense.size());
    hdr.dxfer_len = length;
    hdr.dxferp = length != 0 ? buffer : nullptr;
    hdr.cmdp = cdb_bytes.data();
    hdr.sbp = result.sense.data();
    hdr.timeout = kSgIoTimeoutMs;
    result.ioctl_rc = api_->Ioctl(fd_, SG_IO, &hdr);
    hdr.cmdp = nullptr;  // points into this frame
    hdr.sbp = nullptr;   // the copy in `result` moves with it
    return result;
  }

  static bool Succeeded(const SgResult& r) {
    return r.ioctl_rc == 0 && r.hdr.host_status == kHostOk &&
           ((r.hdr.driver_status & 0x0f) == 0 || (r.hdr.driver_status & 0x0f) == kDriverSense) &&
           r.hdr.status == 0;
  }
  static uint32_t Transferred(const SgResult& r, uint32_t length) {
    return r.hdr.resid > 0 ? length - std::min<uint32_t>(length, static_cast<uint32_t>(r.hdr.resid))
                           : length;
  }
  static uint64_t BigEndian(const std::byte* p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
    return v;
  }
  static std::string Describe(const SgResult& r) {
    if (r.ioctl_rc != 0) return fmt::format("SG_IO: {}", std::strerror(-r.ioctl_rc));
    std::string text = fmt::format("status 0x{:02x} host 0x{:02x} driver 0x{:02x}", r.hdr.status,
                                   r.hdr.host_status, r.hdr.driver_status);
    if (r.hdr.sb_len_wr >= 14 && (r.sense[0] & 0x7f) <= 0x71) {
      text += fmt::format(" sense key 0x{:x} asc/ascq {:02x}/{:02x}", r.sense[2] & 0x0f,
                          r.sense[12], r.sense[13]);
    } else if (r.hdr.sb_len_wr >= 4) {
      text += fmt::format(" sense key 0x{:x} asc/ascq {:02x}/{:02x}", r.sense[1] & 0x0f, r.sense[2],
                          r.sense[3]);
    }
    return text;
  }

  Status CheckGeometry() const {
    if (block_size_ < 512 || block_size_ > 65536 || (block_size_ & (block_size_ - 1)) != 0 ||
        num_blocks_ == 0) {
      return Status(StatusCode::kIoError,
                    fmt::format("{}: READ CAPACITY returned {} blocks of {} bytes", path_,
                                num_blocks_, block_size_));
    }
    return Status::Ok();
  }

  // Copies the device's answer to `task`, or maps a pass-through failure.
  void Apply(const SgResult& r, uint32_t length, ScsiTask& task) const {
    if (r.ioctl_rc != 0) {
      const int err = -r.ioctl_rc;
      SRP_LOG(kWarning, "dev_disk {}: SG_IO failed: {}", path_, std::strerror(err));
      if (err == EAGAIN || err == ENOMEM || err == EBUSY || err == EINTR) {
        task.SetStatus(scsi::ScsiStatus::kBusy);
      } else {
        task.SetCheckCondition(kInternalTargetFailure);
      }
      return;
    }
    const sg_io_hdr_t& hdr = r.hdr;
    if (hdr.host_status != kHostOk) {
      SRP_LOG(kWarning, "dev_disk {}: host status 0x{:02x}", path_, hdr.host_status);
      switch (hdr.host_status) {
        case kHostBusBusy:
        case kHostSoftError:
        case kHostImmRetry:
        case kHostRequeue:
        case kHostTransportDisrupted:
          task.SetStatus(scsi::ScsiStatus::kBusy);
          break;
        default:  // no connect, timeout, bad target, abort, parity, error, reset...
          task.SetCheckCondition(kInternalTargetFailure);
      }
      return;
    }
    const uint16_t driver = hdr.driver_status & 0x0f;
    if (driver != 0 && driver != kDriverSense && hdr.status == 0 && hdr.sb_len_wr == 0) {
      SRP_LOG(kWarning, "dev_disk {}: driver status 0x{:02x}", path_, hdr.driver_status);
      if (driver == kDriverBusy || driver == kDriverSoft) {
        task.SetStatus(scsi::ScsiStatus::kBusy);
      } else {
        task.SetCheckCondition(kInternalTargetFailure);
      }
      return;
    }
    // The device's answer, unchanged.
    task.status = static_cast<scsi::ScsiStatus>(hdr.status);
    const size_t sense_length =
        std::min<size_t>({hdr.sb_len_wr, r.sense.size(), task.sense.size()});
    std::memcpy(task.sense.data(), r.sense.data(), sense_length);
    task.sense_length = static_cast<uint8_t>(sense_length);
    task.data_length = Transferred(r, length);
    if (task.expected_length > task.data_length) {
      task.residual = Residual::kUnderflow;
      task.residual_count = task.expected_length - task.data_length;
    }
  }

  const std::string path_;
  const std::shared_ptr<SgIoApi> api_;
  const int fd_;
  uint32_t block_size_ = 0;
  uint64_t num_blocks_ = 0;
};

}  // namespace

std::shared_ptr<SgIoApi> RealSgIoApi() { return std::make_shared<PosixSgIoApi>(); }

Result<std::shared_ptr<PassThroughDevice>> OpenSgPassThrough(const std::string& path) {
  return OpenSgPassThrough(path, RealSgIoApi());
}

Result<std::shared_ptr<PassThroughDevice>> OpenSgPassThrough(const std::string& path,
                                                             std::shared_ptr<SgIoApi> api) {
  if (api == nullptr) return InvalidArgument("no SG_IO implementation given");
  const int fd = api->Open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(-fd, fmt::format("opening {}", path));
  auto device = std::make_shared<SgPassThrough>(path, api, fd);  // owns fd from here
  int version = 0;
  const int rc = api->Ioctl(fd, SG_GET_VERSION_NUM, &version);
  if (rc != 0 || version < 30000) {
    return Status(StatusCode::kNotSupported,
                  fmt::format("{} is not a SCSI generic (sg v3) device", path), rc != 0 ? -rc : 0);
  }
  SRP_RETURN_IF_ERROR(device->ReadCapacity());
  return std::shared_ptr<PassThroughDevice>(std::move(device));
}

}  // namespace srp::target
