#include "target/backends/file_backend.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "lib/common/log.h"
#include "target/backends/aligned_buffer.h"
#include "target/backends/backing_file.h"
#include "target/backends/io_worker_pool.h"

namespace srp::target {
namespace {

class FileBackend final : public BlockBackend {
 public:
  FileBackend(const FileBackendOptions& options, std::unique_ptr<BackingFile> file)
      : options_(options),
        file_(std::move(file)),
        num_blocks_(file_->size_bytes() / options.block_size),
        unmap_supported_(options.thin_provisioned && !options.read_only &&
                         file_->ProbeDeallocate()),
        write_cache_(!options.write_through),
        pool_(options.worker_threads, "srp-fileio") {}

  uint32_t block_size() const override { return options_.block_size; }
  uint64_t num_blocks() const override { return num_blocks_; }
  bool read_only() const override { return options_.read_only; }
  bool supports_unmap() const override { return unmap_supported_.load(); }
  bool write_cache_enabled() const override { return write_cache_.load(); }

  Status SetWriteCacheEnabled(bool enabled) override {
    // With O_DSYNC the cache cannot be turned back on; without it, WCE=0 makes every write
    // FUA (durable before completion).
    if (enabled && options_.write_through) {
      return Status(StatusCode::kNotSupported, "write_through device: write cache stays off");
    }
    write_cache_.store(enabled);
    return Status::Ok();
  }

  Status Read(uint64_t lba, uint32_t, std::span<std::byte> data) override {
    const uint64_t offset = lba * options_.block_size;
    if (options_.o_direct && !Aligned(data.data(), data.size())) {
      AlignedBuffer bounce(data.size(), file_->direct_alignment());
      if (bounce.data() == nullptr) return Status::FromErrno(ENOMEM, "fileio bounce buffer");
      SRP_RETURN_IF_ERROR(ReadFully(bounce.span().first(data.size()), offset));
      std::memcpy(data.data(), bounce.data(), data.size());
      return Status::Ok();
    }
    return ReadFully(data, offset);
  }

  Status Write(uint64_t lba, uint32_t, std::span<const std::byte> data, bool fua) override {
    if (options_.read_only) return Status::FromErrno(EROFS, "fileio write to " + file_->path());
    const uint64_t offset = lba * options_.block_size;
    if (options_.o_direct && !Aligned(data.data(), data.size())) {
      AlignedBuffer bounce(data.size(), file_->direct_alignment());
      if (bounce.data() == nullptr) return Status::FromErrno(ENOMEM, "fileio bounce buffer");
      std::memcpy(bounce.data(), data.data(), data.size());
      SRP_RETURN_IF_ERROR(WriteFully(bounce.span().first(data.size()), offset));
    } else {
      SRP_RETURN_IF_ERROR(WriteFully(data, offset));
    }
    // O_DSYNC already made the write durable; the page cache needs fdatasync unless the
    // administrator declared it non-volatile.
    if ((fua || !write_cache_.load()) && !options_.write_through && !options_.nv_cache) {
      return file_->Sync("fileio FUA write");
    }
    return Status::Ok();
  }

  Status Flush() override {
    if (options_.nv_cache || options_.write_through) return Status::Ok();
    return file_->Sync("fileio SYNCHRONIZE CACHE");
  }

  Status Unmap(uint64_t lba, uint64_t blocks) override {
    return UnmapBlocks(*file_, unmap_supported_, options_.read_only, options_.block_size, lba,
                       blocks, "fileio");
  }

  void SubmitRead(uint64_t lba, uint32_t blocks, std::span<std::byte> data,
                  IoDoneFn done) override {
    pool_.Post(
        [this, lba, blocks, data, done = std::move(done)] { done(Read(lba, blocks, data)); });
  }
  void SubmitWrite(uint64_t lba, uint32_t blocks, std::span<const std::byte> data, bool fua,
                   IoDoneFn done) override {
    pool_.Post([this, lba, blocks, data, fua, done = std::move(done)] {
      done(Write(lba, blocks, data, fua));
    });
  }
  void SubmitFlush(IoDoneFn done) override {
    pool_.Post([this, done = std::move(done)] { done(Flush()); });
  }

 private:
  bool Aligned(const void* p, size_t length) const {
    return AlignedBuffer::IsAligned(p, length, file_->direct_alignment());
  }

  // pread until `data` is full; end of file before that is EIO (the file shrank under us).
  Status ReadFully(std::span<std::byte> data, uint64_t offset) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = file_->syscalls().Pread(file_->fd(), data.data() + done, data.size() - done,
                                                static_cast<off_t>(offset + done));
      if (n < 0) {
        return Status::FromErrno(static_cast<int>(-n),
                                 fmt::format("fileio read at {} of {}", offset, file_->path()));
      }
      if (n == 0) {
        return Status::FromErrno(EIO, fmt::format("fileio read at {} of {}: unexpected end of file",
                                                  offset + done, file_->path()));
      }
      done += static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  Status WriteFully(std::span<const std::byte> data, uint64_t offset) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = file_->syscalls().Pwrite(
          file_->fd(), data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        return Status::FromErrno(static_cast<int>(-n),
                                 fmt::format("fileio write at {} of {}", offset, file_->path()));
      }
      if (n == 0) {
        return Status::FromErrno(ENOSPC, fmt::format("fileio write at {} of {}: no progress",
                                                     offset + done, file_->path()));
      }
      done += static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  const FileBackendOptions options_;
  const std::unique_ptr<BackingFile> file_;
  const uint64_t num_blocks_;
  std::atomic<bool> unmap_supported_;
  std::atomic<bool> write_cache_;
  // Last member: destroyed first, so queued jobs drain while everything they use still lives.
  IoWorkerPool pool_;
};

}  // namespace

Result<std::shared_ptr<BlockBackend>> OpenFileBackend(const FileBackendOptions& options) {
  if (options.worker_threads < 1 || options.worker_threads > 256) {
    return InvalidArgument(fmt::format("{}: worker_threads {} is not in [1, 256]", options.path,
                                       options.worker_threads));
  }
  BackingFileSpec spec;
  spec.path = options.path;
  spec.block_size = options.block_size;
  spec.size_bytes = options.size_bytes;
  spec.read_only = options.read_only;
  spec.extra_open_flags = (options.o_direct ? O_DIRECT : 0) | (options.write_through ? O_DSYNC : 0);
  SRP_ASSIGN_OR_RETURN(std::unique_ptr<BackingFile> file,
                       BackingFile::Open(spec, options.syscalls));
  if (options.nv_cache && !options.write_through) {
    SRP_LOG(kWarning,
            "vdisk_fileio {}: nv_cache is set: FUA and SYNCHRONIZE CACHE do NOT flush; data in "
            "the page cache is lost on power failure or crash",
            options.path);
  }
  return std::shared_ptr<BlockBackend>(std::make_shared<FileBackend>(options, std::move(file)));
}

}  // namespace srp::target
