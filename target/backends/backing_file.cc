#include "target/backends/backing_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace srp::target {

Result<std::unique_ptr<BackingFile>> BackingFile::Open(const BackingFileSpec& spec,
                                                       std::shared_ptr<FileSyscalls> syscalls) {
  if (spec.path.empty()) return InvalidArgument("no backing file path given");
  if (spec.block_size != 512 && spec.block_size != 4096) {
    return InvalidArgument(
        fmt::format("{}: block size {} is not 512 or 4096", spec.path, spec.block_size));
  }
  if (syscalls == nullptr) syscalls = RealFileSyscalls();
  std::unique_ptr<BackingFile> file(new BackingFile());
  file->path_ = spec.path;
  file->syscalls_ = std::move(syscalls);
  const int flags = (spec.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | spec.extra_open_flags;
  file->fd_ = ::open(spec.path.c_str(), flags);
  if (file->fd_ < 0) {
    const int err = errno;
    if (err == EINVAL && (spec.extra_open_flags & O_DIRECT) != 0) {
      return Status(StatusCode::kNotSupported,
                    fmt::format("{}: the file system does not support O_DIRECT", spec.path), err);
    }
    if (err == EISDIR) {
      return InvalidArgument(
          fmt::format("{} is a directory, neither a regular file nor a block device", spec.path));
    }
    return Status::FromErrno(err, fmt::format("opening {}", spec.path));
  }
  struct stat st {};
  if (::fstat(file->fd_, &st) != 0) return Status::FromErrno(errno, "fstat " + spec.path);
  uint64_t available = 0;
  if (S_ISBLK(st.st_mode)) {
    file->is_block_device_ = true;
    int rc = file->syscalls_->Ioctl(file->fd_, BLKGETSIZE64, &available);
    if (rc < 0) return Status::FromErrno(-rc, "BLKGETSIZE64 " + spec.path);
    int logical = 0;
    rc = file->syscalls_->Ioctl(file->fd_, BLKSSZGET, &logical);
    if (rc < 0) return Status::FromErrno(-rc, "BLKSSZGET " + spec.path);
    if (logical <= 0 || static_cast<uint32_t>(logical) > spec.block_size) {
      return InvalidArgument(
          fmt::format("{}: block size {} is smaller than the device's logical block size {}",
                      spec.path, spec.block_size, logical));
    }
    file->direct_alignment_ = static_cast<uint32_t>(logical);
  } else if (S_ISREG(st.st_mode)) {
    available = static_cast<uint64_t>(st.st_size);
  } else {
    return InvalidArgument(
        fmt::format("{} is neither a regular file nor a block device", spec.path));
  }
  const uint64_t size = spec.size_bytes != 0 ? spec.size_bytes : available;
  if (spec.size_bytes > available) {
    return InvalidArgument(fmt::format("{}: size {} exceeds the {} bytes available", spec.path,
                                       spec.size_bytes, available));
  }
  if (size < spec.block_size) {
    return InvalidArgument(
        fmt::format("{}: size {} holds no block of {} bytes", spec.path, size, spec.block_size));
  }
  if (spec.size_bytes != 0 && spec.size_bytes % spec.block_size != 0) {
    return InvalidArgument(fmt::format("{}: size {} is not a multiple of the block size {}",
                                       spec.path, spec.size_bytes, spec.block_size));
  }
  // A file whose size is not a block multiple exports its whole blocks (SCST does the same).
  file->size_bytes_ = size - size % spec.block_size;
  return file;
}

BackingFile::~BackingFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool BackingFile::ProbeDeallocate() {
  if (is_block_device_) return true;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return false;
  // Past the end of the file with KEEP_SIZE: no data is touched, the size stays.
  const int rc =
      syscalls_->Fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st.st_size, 4096);
  return rc == 0;
}

Status BackingFile::Deallocate(uint64_t offset, uint64_t length) {
  const int rc = syscalls_->Fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                      static_cast<off_t>(offset), static_cast<off_t>(length));
  if (rc == 0) return Status::Ok();
  if (rc == -EOPNOTSUPP) {
    return Status(StatusCode::kNotSupported,
                  fmt::format("{}: cannot deallocate (fallocate PUNCH_HOLE unsupported)", path_),
                  EOPNOTSUPP);
  }
  return Status::FromErrno(-rc,
                           fmt::format("deallocating {} bytes at {} of {}", length, offset, path_));
}

Status BackingFile::Sync(const char* what) {
  const int rc = syscalls_->Fdatasync(fd_);
  if (rc == 0) return Status::Ok();
  return Status::FromErrno(-rc, fmt::format("{}: fdatasync of {}", what, path_));
}

Status UnmapBlocks(BackingFile& file, std::atomic<bool>& unmap_supported, bool read_only,
                   uint32_t block_size, uint64_t lba, uint64_t blocks, const char* handler) {
  if (read_only)
    return Status::FromErrno(EROFS, fmt::format("{} unmap of {}", handler, file.path()));
  if (!unmap_supported.load()) {
    return Status(StatusCode::kNotSupported, file.path() + ": unmap not supported");
  }
  Status status = file.Deallocate(lba * block_size, blocks * uint64_t{block_size});
  if (status.code() == StatusCode::kNotSupported) unmap_supported.store(false);
  return status;
}

}  // namespace srp::target
