#include "initiator_tools/attach/fuse_file.h"

#define FUSE_USE_VERSION 312
#include <fuse.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lib/common/log.h"

namespace srp::attach {
namespace {

constexpr const char* kLunPath = "/lun";

LunIo& Lun() { return *static_cast<LunIo*>(fuse_get_context()->private_data); }

// Status -> negative errno for FUSE replies.
int Errno(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return -EINVAL;
  if (s.sys_errno() != 0) return -s.sys_errno();
  return -EIO;
}

void* Init(fuse_conn_info* conn, fuse_config* cfg) {
  cfg->direct_io = 1;
  cfg->kernel_cache = 0;
  cfg->attr_timeout = 3600;
  cfg->entry_timeout = 3600;
  cfg->use_ino = 1;
  conn->max_write = 1u << 20;
  conn->max_read = 1u << 20;
  // The loop device submits direct I/O asynchronously: let the kernel keep many requests
  // outstanding (its default of 12 would cap the queue depth).
  conn->max_background = 256;
  conn->congestion_threshold = 192;
  return fuse_get_context()->private_data;
}

int GetAttr(const char* path, struct stat* st, fuse_file_info*) {
  std::memset(st, 0, sizeof(*st));
  if (std::strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    st->st_ino = 1;
    return 0;
  }
  if (std::strcmp(path, kLunPath) != 0) return -ENOENT;
  LunIo& lun = Lun();
  st->st_mode = S_IFREG | 0600;
  st->st_nlink = 1;
  st->st_ino = 2;
  st->st_size = static_cast<off_t>(lun.size_bytes());
  st->st_blksize = static_cast<blksize_t>(lun.block_size());
  st->st_blocks = static_cast<blkcnt_t>(lun.size_bytes() / 512);
  return 0;
}

int ReadDir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*,
            fuse_readdir_flags) {
  if (std::strcmp(path, "/") != 0) return -ENOENT;
  fill(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, kLunFileName, nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  return 0;
}

int Open(const char* path, fuse_file_info* fi) {
  if (std::strcmp(path, kLunPath) != 0) return -ENOENT;
  if (fi->flags & O_TRUNC) return -EPERM;
  fi->direct_io = 1;
  fi->keep_cache = 0;
  return 0;
}

int Read(const char* path, char* buf, size_t size, off_t offset, fuse_file_info*) {
  if (std::strcmp(path, kLunPath) != 0 || offset < 0) return -EINVAL;
  auto r = Lun().Read(static_cast<uint64_t>(offset),
                      std::span<std::byte>(reinterpret_cast<std::byte*>(buf), size));
  if (!r.ok()) {
    SRP_LOG(kError, "read {} bytes at {}: {}", size, offset, r.status().ToString());
    return Errno(r.status());
  }
  return static_cast<int>(*r);
}

int Write(const char* path, const char* buf, size_t size, off_t offset, fuse_file_info*) {
  if (std::strcmp(path, kLunPath) != 0 || offset < 0) return -EINVAL;
  if (static_cast<uint64_t>(offset) >= Lun().size_bytes() && size > 0) return -ENOSPC;
  auto r = Lun().Write(static_cast<uint64_t>(offset),
                       std::span<const std::byte>(reinterpret_cast<const std::byte*>(buf), size));
  if (!r.ok()) {
    SRP_LOG(kError, "write {} bytes at {}: {}", size, offset, r.status().ToString());
    return r.status().code() == StatusCode::kInvalidArgument ? -ENOSPC : Errno(r.status());
  }
  return static_cast<int>(*r);
}

int Flush(const char*, fuse_file_info*) {
  Status s = Lun().Flush();
  return s.ok() ? 0 : Errno(s);
}

int Fsync(const char*, int, fuse_file_info*) { return Flush(nullptr, nullptr); }

int Fallocate(const char* path, int mode, off_t offset, off_t length, fuse_file_info*) {
  if (std::strcmp(path, kLunPath) != 0) return -ENOENT;
  if (offset < 0 || length <= 0) return -EINVAL;
  // The loop device always keeps the size; anything but a hole or zero range is unsupported.
  if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && (mode & FALLOC_FL_PUNCH_HOLE) != 0) return -EINVAL;
  const int op = mode & ~FALLOC_FL_KEEP_SIZE;
  Status s;
  if (op == FALLOC_FL_PUNCH_HOLE) {
    s = Lun().Discard(static_cast<uint64_t>(offset), static_cast<uint64_t>(length));
  } else if (op == FALLOC_FL_ZERO_RANGE) {
    s = Lun().ZeroRange(static_cast<uint64_t>(offset), static_cast<uint64_t>(length));
  } else if (op == 0) {
    return static_cast<uint64_t>(offset) + static_cast<uint64_t>(length) <= Lun().size_bytes()
               ? 0
               : -ENOSPC;  // every block of a LUN is allocated
  } else {
    return -EOPNOTSUPP;
  }
  if (!s.ok()) {
    SRP_LOG(kError, "fallocate mode {:#x} {} bytes at {}: {}", mode, length, offset, s.ToString());
    return s.code() == StatusCode::kInvalidArgument ? -EINVAL : Errno(s);
  }
  return 0;
}

int Truncate(const char* path, off_t size, fuse_file_info*) {
  if (std::strcmp(path, kLunPath) != 0) return -ENOENT;
  return static_cast<uint64_t>(size) == Lun().size_bytes() ? 0 : -EPERM;
}

fuse_operations MakeOperations() {
  fuse_operations ops{};
  ops.init = Init;
  ops.getattr = GetAttr;
  ops.readdir = ReadDir;
  ops.open = Open;
  ops.read = Read;
  ops.write = Write;
  ops.flush = Flush;
  ops.fsync = Fsync;
  ops.truncate = Truncate;
  ops.fallocate = Fallocate;
  return ops;
}

}  // namespace

Result<std::unique_ptr<FuseFile>> FuseFile::Mount(const std::string& mountpoint, LunIo& lun,
                                                  unsigned threads) {
  std::unique_ptr<FuseFile> f(new FuseFile(mountpoint, lun));
  f->threads_ = std::max(1u, threads);
  static const fuse_operations kOps = MakeOperations();
  // fuse_new keeps pointers into argv only while parsing.
  std::string fsname = "fsname=srp-attach,subtype=srp,max_read=1048576";
  char arg0[] = "srp-attach";
  char arg1[] = "-o";
  char* argv[] = {arg0, arg1, fsname.data(), nullptr};
  fuse_args args = FUSE_ARGS_INIT(3, argv);
  f->fuse_ = fuse_new(&args, &kOps, sizeof(kOps), &lun);
  fuse_opt_free_args(&args);
  if (f->fuse_ == nullptr) return Status(StatusCode::kUnavailable, "fuse_new failed");
  if (fuse_mount(f->fuse_, mountpoint.c_str()) != 0) {
    return Status(StatusCode::kUnavailable,
                  "cannot mount FUSE on " + mountpoint + " (is /dev/fuse available?)");
  }
  f->mounted_ = true;
  struct fuse* handle = f->fuse_;
  const unsigned workers = f->threads_;
  f->loop_ = std::thread([handle, workers] {
    fuse_loop_config* config = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(config, workers);
    fuse_loop_cfg_set_idle_threads(config, workers);
    int rc = fuse_loop_mt(handle, config);
    fuse_loop_cfg_destroy(config);
    if (rc != 0) SRP_LOG(kDebug, "fuse loop ended with {}", rc);
  });
  // Served from here on (the loop runs), so stat-ing the mount cannot wait on ourselves.
  struct stat st {};
  if (stat(mountpoint.c_str(), &st) == 0) f->connection_ = minor(st.st_dev);
  return f;
}

void FuseFile::Unmount() {
  if (mounted_) {
    fuse_exit(fuse_);
    fuse_unmount(fuse_);  // the loop's read of /dev/fuse fails, so the loop ends
    mounted_ = false;
  }
  if (loop_.joinable()) loop_.join();
}

FuseFile::~FuseFile() {
  Unmount();
  if (fuse_ != nullptr) fuse_destroy(fuse_);
}

}  // namespace srp::attach
