#include "target/backends/aio_backend.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <libaio.h>
#include <linux/fs.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "lib/common/log.h"
#include "target/backends/aligned_buffer.h"
#include "target/backends/backing_file.h"
#include "target/backends/io_worker_pool.h"

namespace srp::target {
namespace {

// One queued or in-flight I/O.
struct AioOp {
  struct iocb cb {};
  BlockBackend::IoDoneFn done;
  size_t length = 0;                      // bytes the iocb must move
  std::unique_ptr<AlignedBuffer> bounce;  // set when the caller's buffer is not aligned
  std::span<std::byte> read_target;       // a bounced read copies here on success
  uint64_t offset = 0;
};

// Everything the reaper thread touches. Owned jointly by the AioBackend facade and, while it
// runs, the reaper thread, so the facade may be destroyed on the reaper thread itself (an
// IoDoneFn dropped the last reference to the unit): the reaper then finishes draining with
// the engine still alive and frees it when it exits.
class AioEngine final : public BlockBackend, public std::enable_shared_from_this<AioEngine> {
 public:
  AioEngine(const AioBackendOptions& options, std::unique_ptr<BackingFile> file, io_context_t ctx,
            int event_fd)
      : options_(options),
        file_(std::move(file)),
        num_blocks_(file_->size_bytes() / options.block_size),
        ctx_(ctx),
        event_fd_(event_fd),
        unmap_supported_(options.thin_provisioned && !options.read_only &&
                         file_->ProbeDeallocate()),
        write_cache_(!options.write_through),
        sync_pool_(std::make_unique<IoWorkerPool>(1, "srp-bio-sync")) {}

  ~AioEngine() override {
    io_destroy(ctx_);
    ::close(event_fd_);
  }

  // Starts the reaper. REQUIRES: called once, on an engine owned by a shared_ptr.
  void Start() {
    reaper_ = std::thread([self = shared_from_this()] { self->ReapLoop(); });
    pthread_setname_np(reaper_.native_handle(), "srp-bio-reap");
  }

  // Runs queued flushes, lets every queued and in-flight I/O complete (each `done` exactly
  // once) and stops the reaper. Joins it, unless called on the reaper itself.
  void Shutdown() {
    sync_pool_.reset();
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    const uint64_t one = 1;
    (void)!::write(event_fd_, &one, sizeof(one));
    if (reaper_.get_id() == std::this_thread::get_id()) {
      reaper_.detach();
    } else {
      reaper_.join();
    }
  }

  uint32_t block_size() const override { return options_.block_size; }
  uint64_t num_blocks() const override { return num_blocks_; }
  bool read_only() const override { return options_.read_only; }
  bool supports_unmap() const override { return unmap_supported_.load(); }
  bool write_cache_enabled() const override { return write_cache_.load(); }

  Status SetWriteCacheEnabled(bool enabled) override {
    if (enabled && options_.write_through) {
      return Status(StatusCode::kNotSupported, "write_through device: write cache stays off");
    }
    write_cache_.store(enabled);
    return Status::Ok();
  }

  Status Read(uint64_t lba, uint32_t blocks, std::span<std::byte> data) override {
    return Wait([&](IoDoneFn done) { SubmitRead(lba, blocks, data, std::move(done)); });
  }
  Status Write(uint64_t lba, uint32_t blocks, std::span<const std::byte> data, bool fua) override {
    return Wait([&](IoDoneFn done) { SubmitWrite(lba, blocks, data, fua, std::move(done)); });
  }
  Status Flush() override {
    if (options_.nv_cache || options_.write_through) return Status::Ok();
    return file_->Sync("blockio SYNCHRONIZE CACHE");
  }

  Status Unmap(uint64_t lba, uint64_t blocks) override {
    return UnmapBlocks(*file_, unmap_supported_, options_.read_only, options_.block_size, lba,
                       blocks, "blockio");
  }

  void SubmitRead(uint64_t lba, uint32_t, std::span<std::byte> data, IoDoneFn done) override {
    auto op = std::make_unique<AioOp>();
    op->offset = lba * options_.block_size;
    op->length = data.size();
    op->done = std::move(done);
    void* target = data.data();
    if (!Aligned(data.data(), data.size())) {
      op->bounce = std::make_unique<AlignedBuffer>(data.size(), file_->direct_alignment());
      if (op->bounce->data() == nullptr) {
        op->done(Status::FromErrno(ENOMEM, "blockio bounce buffer"));
        return;
      }
      op->read_target = data;
      target = op->bounce->data();
    }
    io_prep_pread(&op->cb, file_->fd(), target, op->length, static_cast<long long>(op->offset));
    Enqueue(std::move(op));
  }

  void SubmitWrite(uint64_t lba, uint32_t, std::span<const std::byte> data, bool fua,
                   IoDoneFn done) override {
    if (options_.read_only) {
      done(Status::FromErrno(EROFS, "blockio write to " + file_->path()));
      return;
    }
    auto op = std::make_unique<AioOp>();
    op->offset = lba * options_.block_size;
    op->length = data.size();
    op->done = std::move(done);
    const void* source = data.data();
    if (!Aligned(data.data(), data.size())) {
      op->bounce = std::make_unique<AlignedBuffer>(data.size(), file_->direct_alignment());
      if (op->bounce->data() == nullptr) {
        op->done(Status::FromErrno(ENOMEM, "blockio bounce buffer"));
        return;
      }
      std::memcpy(op->bounce->data(), data.data(), data.size());
      source = op->bounce->data();
    }
    io_prep_pwrite(&op->cb, file_->fd(), const_cast<void*>(source), op->length,
                   static_cast<long long>(op->offset));
    if ((fua || !write_cache_.load()) && !options_.nv_cache && !options_.write_through) {
      op->cb.aio_rw_flags = RWF_DSYNC;
    }
    Enqueue(std::move(op));
  }

  void SubmitFlush(IoDoneFn done) override {
    if (options_.nv_cache || options_.write_through) {
      done(Status::Ok());
      return;
    }
    sync_pool_->Post([this, done = std::move(done)] { done(Flush()); });
  }

 private:
  bool Aligned(const void* p, size_t length) const {
    return AlignedBuffer::IsAligned(p, length, file_->direct_alignment());
  }

  // Runs `submit` with a completion that wakes this thread; returns the I/O's status.
  template <typename SubmitFn>
  static Status Wait(SubmitFn submit) {
    // Shared: the completing thread may still be inside set_value when get() returns.
    auto result = std::make_shared<std::promise<Status>>();
    std::future<Status> future = result->get_future();
    submit([result](Status status) { result->set_value(std::move(status)); });
    return future.get();
  }

  // Queues `op`; the first thread to find no submitter running submits everything queued
  // (its own op and whatever other threads add meanwhile) in io_submit batches.
  void Enqueue(std::unique_ptr<AioOp> op) {
    io_set_eventfd(&op->cb, event_fd_);
    op->cb.data = op.get();
    std::unique_lock lock(mu_);
    pending_.push_back(op.release());
    if (submitting_) return;
    SubmitPending(lock);
  }

  // REQUIRES: lock holds mu_ and no other thread is submitting. Returns with mu_ held.
  void SubmitPending(std::unique_lock<std::mutex>& lock) {
    submitting_ = true;
    std::vector<struct iocb*> batch;
    std::vector<std::pair<AioOp*, int>> failed;
    while (!pending_.empty() && in_flight_ < options_.queue_depth) {
      batch.clear();
      while (!pending_.empty() && in_flight_ + batch.size() < options_.queue_depth) {
        batch.push_back(&pending_.front()->cb);
        pending_.pop_front();
      }
      in_flight_ += batch.size();
      lock.unlock();
      int rc = io_submit(ctx_, static_cast<long>(batch.size()), batch.data());
      lock.lock();
      const size_t submitted = rc > 0 ? static_cast<size_t>(rc) : 0;
      in_flight_ -= batch.size() - submitted;
      if (submitted == batch.size()) continue;
      // The kernel took batch[0, submitted). A hard error (nothing taken) fails batch[0]; the
      // rest goes back to the front of the queue in order. EAGAIN or a partial submission:
      // retry when a completion arrives, or after a short pause when nothing is in flight.
      const bool hard_error = rc < 0 && rc != -EAGAIN;
      const size_t requeue_from = submitted + (hard_error ? 1 : 0);
      for (size_t i = batch.size(); i > requeue_from; --i) {
        pending_.push_front(static_cast<AioOp*>(batch[i - 1]->data));
      }
      if (hard_error) {
        failed.emplace_back(static_cast<AioOp*>(batch[0]->data), -rc);
        continue;
      }
      if (in_flight_ > 0) break;
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      lock.lock();
    }
    submitting_ = false;
    if (!failed.empty()) {
      lock.unlock();
      for (auto& [op, err] : failed) {
        std::unique_ptr<AioOp> owned(op);
        owned->done(Status::FromErrno(err, fmt::format("io_submit to {}", file_->path())));
      }
      lock.lock();
    }
  }

  void ReapLoop() {
    std::vector<struct io_event> events(std::min<uint32_t>(options_.queue_depth, 256));
    for (;;) {
      uint64_t count = 0;
      const ssize_t n = ::read(event_fd_, &count, sizeof(count));
      if (n < 0 && errno != EINTR && errno != EAGAIN) {
        SRP_LOG(kError, "blockio {}: eventfd read failed: {}", file_->path(), strerror(errno));
      }
      for (;;) {
        struct timespec no_wait {};
        const int got =
            io_getevents(ctx_, 0, static_cast<long>(events.size()), events.data(), &no_wait);
        if (got <= 0) break;
        for (int i = 0; i < got; ++i) Complete(events[static_cast<size_t>(i)]);
        std::unique_lock lock(mu_);
        in_flight_ -= static_cast<size_t>(got);
        if (!pending_.empty() && !submitting_) SubmitPending(lock);
      }
      std::lock_guard lock(mu_);
      if (stopping_ && in_flight_ == 0 && pending_.empty() && !submitting_) return;
    }
  }

  void Complete(const struct io_event& event) {
    std::unique_ptr<AioOp> op(static_cast<AioOp*>(event.data));
    const long res = static_cast<long>(event.res);
    const bool is_read = op->cb.aio_lio_opcode == IO_CMD_PREAD;
    Status status;
    if (res < 0) {
      status = Status::FromErrno(static_cast<int>(-res),
                                 fmt::format("blockio {} at {} of {}", is_read ? "read" : "write",
                                             op->offset, file_->path()));
    } else if (static_cast<size_t>(res) != op->length) {
      status = Status::FromErrno(
          EIO, fmt::format("blockio {} at {} of {}: short transfer ({} of {} bytes)",
                           is_read ? "read" : "write", op->offset, file_->path(), res, op->length));
    } else if (is_read && op->bounce != nullptr) {
      std::memcpy(op->read_target.data(), op->bounce->data(), op->length);
    }
    op->done(std::move(status));
  }

  const AioBackendOptions options_;
  const std::unique_ptr<BackingFile> file_;
  const uint64_t num_blocks_;
  const io_context_t ctx_;
  const int event_fd_;
  std::atomic<bool> unmap_supported_;
  std::atomic<bool> write_cache_;
  std::unique_ptr<IoWorkerPool> sync_pool_;

  std::mutex mu_;
  std::deque<AioOp*> pending_;  // GUARDED_BY(mu_); owned
  size_t in_flight_ = 0;        // GUARDED_BY(mu_); submitted, not yet reaped
  bool submitting_ = false;     // GUARDED_BY(mu_)
  bool stopping_ = false;       // GUARDED_BY(mu_)
  std::thread reaper_;
};

// The BlockBackend handed out: forwards to the engine and shuts it down when destroyed.
class AioBackend final : public BlockBackend {
 public:
  explicit AioBackend(std::shared_ptr<AioEngine> engine) : engine_(std::move(engine)) {}
  ~AioBackend() override { engine_->Shutdown(); }
  AioBackend(const AioBackend&) = delete;
  AioBackend& operator=(const AioBackend&) = delete;

  uint32_t block_size() const override { return engine_->block_size(); }
  uint64_t num_blocks() const override { return engine_->num_blocks(); }
  bool read_only() const override { return engine_->read_only(); }
  bool supports_unmap() const override { return engine_->supports_unmap(); }
  bool write_cache_enabled() const override { return engine_->write_cache_enabled(); }
  Status SetWriteCacheEnabled(bool enabled) override {
    return engine_->SetWriteCacheEnabled(enabled);
  }
  Status Read(uint64_t lba, uint32_t blocks, std::span<std::byte> data) override {
    return engine_->Read(lba, blocks, data);
  }
  Status Write(uint64_t lba, uint32_t blocks, std::span<const std::byte> data, bool fua) override {
    return engine_->Write(lba, blocks, data, fua);
  }
  Status Flush() override { return engine_->Flush(); }
  Status Unmap(uint64_t lba, uint64_t blocks) override { return engine_->Unmap(lba, blocks); }
  void SubmitRead(uint64_t lba, uint32_t blocks, std::span<std::byte> data,
                  IoDoneFn done) override {
    engine_->SubmitRead(lba, blocks, data, std::move(done));
  }
  void SubmitWrite(uint64_t lba, uint32_t blocks, std::span<const std::byte> data, bool fua,
                   IoDoneFn done) override {
    engine_->SubmitWrite(lba, blocks, data, fua, std::move(done));
  }
  void SubmitFlush(IoDoneFn done) override { engine_->SubmitFlush(std::move(done)); }

 private:
  const std::shared_ptr<AioEngine> engine_;
};

}  // namespace

Result<std::shared_ptr<BlockBackend>> OpenAioBackend(const AioBackendOptions& options) {
  if (options.queue_depth < 1 || options.queue_depth > 4096) {
    return InvalidArgument(
        fmt::format("{}: queue_depth {} is not in [1, 4096]", options.path, options.queue_depth));
  }
  BackingFileSpec spec;
  spec.path = options.path;
  spec.block_size = options.block_size;
  spec.read_only = options.read_only;
  spec.extra_open_flags = O_DIRECT | (options.write_through ? O_DSYNC : 0);
  SRP_ASSIGN_OR_RETURN(std::unique_ptr<BackingFile> file,
                       BackingFile::Open(spec, options.syscalls));
  const int event_fd = ::eventfd(0, EFD_CLOEXEC);
  if (event_fd < 0) return Status::FromErrno(errno, "eventfd for " + options.path);
  io_context_t ctx = nullptr;
  const int rc = io_setup(static_cast<int>(options.queue_depth), &ctx);
  if (rc < 0) {
    ::close(event_fd);
    return Status::FromErrno(-rc, fmt::format("io_setup({}) for {} (see fs.aio-max-nr)",
                                              options.queue_depth, options.path));
  }
  if (options.nv_cache && !options.write_through) {
    SRP_LOG(kWarning,
            "vdisk_blockio {}: nv_cache is set: FUA and SYNCHRONIZE CACHE do NOT flush the "
            "device cache; its contents are lost on power failure",
            options.path);
  }
  auto engine = std::make_shared<AioEngine>(options, std::move(file), ctx, event_fd);
  engine->Start();
  return std::shared_ptr<BlockBackend>(std::make_shared<AioBackend>(std::move(engine)));
}

}  // namespace srp::target
