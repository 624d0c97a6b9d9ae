#include "perf/engine/libaio_engine.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <libaio.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace srp::perf {
namespace {

class LibaioEngine final : public IoEngine {
 public:
  explicit LibaioEngine(LibaioEngineOptions options) : options_(std::move(options)) {}
  ~LibaioEngine() override { Cleanup(); }

  const char* name() const override { return "libaio"; }

  Result<uint64_t> Setup(const EngineParams& params) override {
    params_ = params;
    if (options_.filename.empty()) return InvalidArgument("libaio engine needs --filename");
    const int flags = O_RDWR | O_CLOEXEC | (options_.direct ? O_DIRECT : 0);
    fd_ = ::open(options_.filename.c_str(), flags);
    // Lay out a missing file, as fio does, but never invent a node under /dev (a typo).
    if (fd_ < 0 && errno == ENOENT && options_.filename.rfind("/dev/", 0) != 0) {
      fd_ = ::open(options_.filename.c_str(), flags | O_CREAT, 0644);
    }
    if (fd_ < 0) {
      const int err = errno;
      Status s = Status::FromErrno(err, "open " + options_.filename);
      if (err == EINVAL && options_.direct) {
        return s.WithContext("the file system does not support O_DIRECT");
      }
      return s;
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return Status::FromErrno(errno, "fstat " + options_.filename);
    uint64_t capacity = 0;
    if (S_ISBLK(st.st_mode)) {
      if (::ioctl(fd_, BLKGETSIZE64, &capacity) != 0) {
        return Status::FromErrno(errno, "BLKGETSIZE64 " + options_.filename);
      }
    } else if (S_ISREG(st.st_mode)) {
      capacity = static_cast<uint64_t>(st.st_size);
      if (params.size > capacity) {
        if (::ftruncate(fd_, static_cast<off_t>(params.size)) != 0) {
          return Status::FromErrno(errno, "extend " + options_.filename);
        }
        capacity = params.size;
      }
    } else {
      return InvalidArgument(options_.filename + " is neither a block device nor a regular file");
    }
    if (capacity == 0) {
      return InvalidArgument(options_.filename + " is empty; give --size to lay the file out");
    }
    const size_t bytes = size_t{params.bs} * params.iodepth;
    void* mem = nullptr;
    if (::posix_memalign(&mem, 4096, bytes) != 0) {
      return Status(StatusCode::kResourceExhausted, "aligned buffer allocation failed");
    }
    buffer_ = static_cast<std::byte*>(mem);
    std::memset(buffer_, 0xa5, bytes);
    iocbs_.resize(params.iodepth);
    const int rc = io_setup(static_cast<int>(params.iodepth), &ctx_);
    if (rc != 0) return Status::FromErrno(-rc, "io_setup");
    has_ctx_ = true;
    return capacity;
  }

  std::span<std::byte> Buffer(uint32_t slot) override {
    return {buffer_ + size_t{slot} * params_.bs, params_.bs};
  }

  Status Queue(const IoUnit& unit) override {
    if (!has_ctx_) return Status(StatusCode::kUnavailable, "libaio engine not set up");
    if (unit.slot >= params_.iodepth || unit.length > params_.bs) {
      return InvalidArgument(fmt::format("bad I/O unit slot {} length {}", unit.slot, unit.length));
    }
    iocb& cb = iocbs_[unit.slot];
    void* data = Buffer(unit.slot).data();
    if (unit.write) {
      io_prep_pwrite(&cb, fd_, data, unit.length, static_cast<long long>(unit.offset));
    } else {
      io_prep_pread(&cb, fd_, data, unit.length, static_cast<long long>(unit.offset));
    }
    cb.data = reinterpret_cast<void*>(static_cast<uintptr_t>(unit.slot));
    pending_.push_back(&cb);
    return Status::Ok();
  }

  Status Commit() override {
    size_t done = 0;
    while (done < pending_.size()) {
      const int rc = io_submit(ctx_, static_cast<long>(pending_.size() - done), &pending_[done]);
      if (rc < 0) {
        if (rc == -EAGAIN) continue;
        pending_.clear();
        return Status::FromErrno(-rc, "io_submit");
      }
      done += static_cast<size_t>(rc);
      in_flight_ += static_cast<size_t>(rc);
    }
    pending_.clear();
    return Status::Ok();
  }

  Status GetEvents(int min, std::chrono::microseconds timeout,
                   std::vector<IoCompletion>* out) override {
    if (in_flight_ == 0) return Status::Ok();
    std::vector<io_event> events(params_.iodepth);
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(timeout.count() / 1000000);
    ts.tv_nsec = static_cast<long>((timeout.count() % 1000000) * 1000);
    const long want = std::min<long>(min, static_cast<long>(in_flight_));
    int rc;
    do {
      rc = io_getevents(ctx_, want, static_cast<long>(events.size()), events.data(), &ts);
    } while (rc == -EINTR);
    if (rc < 0) return Status::FromErrno(-rc, "io_getevents");
    for (int i = 0; i < rc; ++i) {
      const io_event& ev = events[static_cast<size_t>(i)];
      IoCompletion c;
      c.slot = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(ev.data));
      const long res = static_cast<long>(ev.res);
      const iocb* cb = ev.obj;
      if (res < 0) {
        c.status = Status::FromErrno(static_cast<int>(-res), "aio " + options_.filename);
      } else if (static_cast<unsigned long>(res) != cb->u.c.nbytes) {
        c.status = Status(StatusCode::kIoError,
                          fmt::format("short aio on {}: {} of {} bytes at offset {}",
                                      options_.filename, res, cb->u.c.nbytes, cb->u.c.offset));
      } else {
        c.transferred = static_cast<uint32_t>(res);
      }
      --in_flight_;
      out->push_back(std::move(c));
    }
    return Status::Ok();
  }

  void Cleanup() override {
    if (has_ctx_) {
      std::vector<io_event> events(params_.iodepth);
      timespec ts{5, 0};
      while (in_flight_ > 0) {
        const int rc = io_getevents(ctx_, static_cast<long>(in_flight_),
                                    static_cast<long>(events.size()), events.data(), &ts);
        if (rc <= 0 && rc != -EINTR) break;
        if (rc > 0) in_flight_ -= static_cast<size_t>(rc);
      }
      io_destroy(ctx_);
      has_ctx_ = false;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    free(buffer_);
    buffer_ = nullptr;
  }

 private:
  LibaioEngineOptions options_;
  EngineParams params_;
  int fd_ = -1;
  io_context_t ctx_ = nullptr;
  bool has_ctx_ = false;
  std::byte* buffer_ = nullptr;
  std::vector<iocb> iocbs_;
  std::vector<iocb*> pending_;
  size_t in_flight_ = 0;
};

}  // namespace

std::unique_ptr<IoEngine> MakeLibaioEngine(LibaioEngineOptions options) {
  return std::make_unique<LibaioEngine>(std::move(options));
}

}  // namespace srp::perf
