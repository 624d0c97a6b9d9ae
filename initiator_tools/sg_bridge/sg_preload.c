/* libsrp-sg-preload.so: loaded into a tool by `srp-sg run` (LD_PRELOAD). Paths
 * /dev/srp-sgN (N < number of LUNs in $SRP_SG_LUNS) behave like Linux sg character devices:
 * open gives a connected socket to the srp-sg broker ($SRP_SG_SOCKET), and ioctl/read/write/
 * stat on them are answered here, every SCSI command being forwarded to the broker
 * (sg_wire.h). Everything else passes through to the next definition (libc).
 *
 * Written in C: it runs inside arbitrary (uninstrumented) programs, so it has no C++ runtime,
 * no exceptions and no sanitizer runtime. Thread-safe: one lock serializes bridged requests. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <scsi/sg.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "initiator_tools/sg_bridge/sg_wire.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_BRIDGED_FD 4096
#define SG_MAJOR 21
#define SG_VERSION 30536 /* what Linux 6.x's sg driver reports */
#define USER_HZ 100
#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_RESERVED 32768
#define SCSI_IOCTL_GET_IDLUN_ 0x5382
#define SCSI_IOCTL_GET_BUS_NUMBER_ 0x5386
/* Newer than glibc's <scsi/sg.h>; values from Linux include/scsi/sg.h. */
#ifndef SG_DXFER_UNKNOWN
#define SG_DXFER_UNKNOWN (-5)
#endif
#ifndef SG_SCSI_RESET_TARGET
#define SG_SCSI_RESET_TARGET 4
#endif
#ifndef SG_SCSI_RESET_NO_ESCALATE
#define SG_SCSI_RESET_NO_ESCALATE 0x100
#endif
#ifndef SG_GET_ACCESS_COUNT
#define SG_GET_ACCESS_COUNT 0x2289
#endif

struct bridged_fd {
  int used;
  int device;
  int timeout_ms;
  int reserved_size;
  int has_pending; /* a completed sg v3 request written with write(), not yet read() */
  sg_io_hdr_t pending;
};

static struct bridged_fd g_fds[MAX_BRIDGED_FD];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static void* next_symbol(const char* name) { return dlsym(RTLD_NEXT, name); }
#define NEXT(type, name)               \
  static __typeof__(type) real_##name; \
  if (real_##name == NULL) real_##name = (type)next_symbol(#name)

/* Number of bridged devices: entries of $SRP_SG_LUNS ("0,1,5"). */
static int device_count(void) {
  const char* luns = getenv(SRP_SG_ENV_LUNS);
  if (luns == NULL || *luns == '\0') return 0;
  int n = 1;
  for (const char* p = luns; *p != '\0'; ++p) n += (*p == ',');
  return n > (int)SRP_SG_MAX_DEVICES ? (int)SRP_SG_MAX_DEVICES : n;
}

/* LUN number of device `index` from $SRP_SG_LUNS, or 0. */
static int device_lun(int index) {
  const char* p = getenv(SRP_SG_ENV_LUNS);
  if (p == NULL) return 0;
  for (int i = 0; i < index && p != NULL; ++i) {
    p = strchr(p, ',');
    if (p != NULL) ++p;
  }
  return p == NULL ? 0 : atoi(p);
}

/* The N of "/dev/srp-sgN", or -1 when `path` is not a bridged device. */
static int device_of_path(const char* path) {
  static const char prefix[] = SRP_SG_DEVICE_PREFIX;
  if (path == NULL || strncmp(path, prefix, sizeof(prefix) - 1) != 0) return -1;
  const char* digits = path + sizeof(prefix) - 1;
  if (*digits < '0' || *digits > '9') return -1;
  char* end = NULL;
  long n = strtol(digits, &end, 10);
  if (*end != '\0' || n < 0 || n >= device_count()) return -1;
  return (int)n;
}

static struct bridged_fd* bridged(int fd) {
  if (fd < 0 || fd >= MAX_BRIDGED_FD || !g_fds[fd].used) return NULL;
  return &g_fds[fd];
}

static int read_full(int fd, void* buf, size_t len) {
  NEXT(ssize_t(*)(int, void*, size_t), read);
  char* p = buf;
  while (len > 0) {
    ssize_t n = real_read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int write_full(int fd, const void* buf, size_t len) {
  const char* p = buf;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int open_bridged(int device, int flags) {
  const char* path = getenv(SRP_SG_ENV_SOCKET);
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (path == NULL || strlen(path) >= sizeof(addr.sun_path)) {
    errno = ENODEV;
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | ((flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0), 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr*)&addr, sizeof(addr)) != 0 || fd >= MAX_BRIDGED_FD) {
    int err = fd >= MAX_BRIDGED_FD ? EMFILE : ENODEV;
    NEXT(int (*)(int), close);
    real_close(fd);
    errno = err;
    return -1;
  }
  pthread_mutex_lock(&g_lock);
  memset(&g_fds[fd], 0, sizeof(g_fds[fd]));
  g_fds[fd].used = 1;
  g_fds[fd].device = device;
  g_fds[fd].timeout_ms = DEFAULT_TIMEOUT_MS;
  g_fds[fd].reserved_size = DEFAULT_RESERVED;
  pthread_mutex_unlock(&g_lock);
  return fd;
}

static void fill_stat(int device, struct stat* st) {
  memset(st, 0, sizeof(*st));
  st->st_dev = makedev(0, 5);
  st->st_ino = 0x5352500000ull + (unsigned)device;
  st->st_mode = S_IFCHR | 0660;
  st->st_nlink = 1;
  st->st_rdev = makedev(SG_MAJOR, (unsigned)device);
  st->st_blksize = 4096;
  clock_gettime(CLOCK_REALTIME, &st->st_mtim);
  st->st_atim = st->st_mtim;
  st->st_ctim = st->st_mtim;
}

/* Total length of the user's scatter list (or flat buffer) for `hdr`. */
static size_t user_buffer_length(const sg_io_hdr_t* hdr) {
  if (hdr->iovec_count == 0) return hdr->dxfer_len;
  const sg_iovec_t* iov = hdr->dxferp;
  size_t total = 0;
  for (unsigned i = 0; i < hdr->iovec_count; ++i) total += iov[i].iov_len;
  return total;
}

/* Copies between the user's buffer(s) and `flat`; to_user selects the direction. */
static void copy_user(const sg_io_hdr_t* hdr, uint8_t* flat, size_t len, int to_user) {
  if (hdr->iovec_count == 0) {
    if (to_user)
      memcpy(hdr->dxferp, flat, len);
    else
      memcpy(flat, hdr->dxferp, len);
    return;
  }
  const sg_iovec_t* iov = hdr->dxferp;
  for (unsigned i = 0; i < hdr->iovec_count && len > 0; ++i) {
    size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;
    if (to_user)
      memcpy(iov[i].iov_base, flat, n);
    else
      memcpy(flat, iov[i].iov_base, n);
    flat += n;
    len -= n;
  }
}

/* One request/response exchange. REQUIRES g_lock held. Returns 0 or -1 with errno. */
static int exchange(int fd, const struct SrpSgRequest* req, const uint8_t* out,
                    struct SrpSgResponse* rsp, uint8_t* in, size_t in_cap) {
  if (write_full(fd, req, sizeof(*req)) != 0) goto io_error;
  if (req->direction == SRP_SG_DIR_OUT && req->dxfer_len > 0 &&
      write_full(fd, out, req->dxfer_len) != 0) {
    goto io_error;
  }
  if (read_full(fd, rsp, sizeof(*rsp)) != 0 || rsp->magic != SRP_SG_MAGIC) goto io_error;
  if (rsp->data_in_len > in_cap || rsp->sense_len > SRP_SG_MAX_SENSE) goto io_error;
  if (rsp->data_in_len > 0 && read_full(fd, in, rsp->data_in_len) != 0) goto io_error;
  if (rsp->error != 0) {
    errno = rsp->error;
    return -1;
  }
  return 0;
io_error:
  errno = EIO;
  return -1;
}

/* ioctl(SG_IO) with an sg v3 header. REQUIRES g_lock held. */
static int do_sg_io(int fd, struct bridged_fd* b, sg_io_hdr_t* hdr) {
  if (hdr == NULL) {
    errno = EFAULT;
    return -1;
  }
  if (hdr->interface_id != 'S') {
    errno = ENOSYS;
    return -1;
  }
  if (hdr->cmd_len == 0 || hdr->cmd_len > SRP_SG_MAX_CDB || hdr->cmdp == NULL) {
    errno = EINVAL;
    return -1;
  }
  struct SrpSgRequest req;
  memset(&req, 0, sizeof(req));
  req.magic = SRP_SG_MAGIC;
  req.op = SRP_SG_OP_SCSI;
  req.device = (uint32_t)b->device;
  req.cdb_len = hdr->cmd_len;
  memcpy(req.cdb, hdr->cmdp, hdr->cmd_len);
  req.timeout_ms = hdr->timeout != 0 ? hdr->timeout : (uint32_t)b->timeout_ms;
  req.dxfer_len = hdr->dxfer_len;
  switch (hdr->dxfer_direction) {
    case SG_DXFER_NONE:
      req.direction = SRP_SG_DIR_NONE;
      req.dxfer_len = 0;
      break;
    case SG_DXFER_TO_DEV:
      req.direction = SRP_SG_DIR_OUT;
      break;
    case SG_DXFER_FROM_DEV:
    case SG_DXFER_TO_FROM_DEV:
    case SG_DXFER_UNKNOWN:
      req.direction = SRP_SG_DIR_IN;
      break;
    default:
      errno = EINVAL;
      return -1;
  }
  if (req.dxfer_len == 0) req.direction = SRP_SG_DIR_NONE;
  if (req.dxfer_len > SRP_SG_MAX_XFER) {
    errno = ENOMEM;
    return -1;
  }
  if (req.dxfer_len > 0 && (hdr->dxferp == NULL || user_buffer_length(hdr) < req.dxfer_len)) {
    errno = EFAULT;
    return -1;
  }
  uint8_t* flat = NULL;
  if (req.dxfer_len > 0) {
    flat = malloc(req.dxfer_len);
    if (flat == NULL) {
      errno = ENOMEM;
      return -1;
    }
    if (req.direction == SRP_SG_DIR_OUT) copy_user(hdr, flat, req.dxfer_len, 0);
  }
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  struct SrpSgResponse rsp;
  int rc = exchange(fd, &req, flat, &rsp, flat, req.direction == SRP_SG_DIR_IN ? req.dxfer_len : 0);
  clock_gettime(CLOCK_MONOTONIC, &end);
  if (rc == 0) {
    if (rsp.data_in_len > 0) copy_user(hdr, flat, rsp.data_in_len, 1);
    hdr->status = rsp.status;
    hdr->masked_status = (unsigned char)((rsp.status >> 1) & 0x7f);
    hdr->msg_status = 0;
    hdr->host_status = rsp.host_status;
    hdr->driver_status = rsp.driver_status;
    hdr->sb_len_wr = 0;
    if (hdr->sbp != NULL && hdr->mx_sb_len > 0 && rsp.sense_len > 0) {
      unsigned n = rsp.sense_len < hdr->mx_sb_len ? rsp.sense_len : hdr->mx_sb_len;
      memcpy(hdr->sbp, rsp.sense, n);
      hdr->sb_len_wr = (unsigned char)n;
    }
    hdr->resid = rsp.resid;
    hdr->duration =
        (unsigned)((end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000);
    hdr->info =
        (rsp.status | rsp.host_status | rsp.driver_status) != 0 ? SG_INFO_CHECK : SG_INFO_OK;
  }
  free(flat);
  return rc;
}

static int do_reset(int fd, struct bridged_fd* b, int what) {
  what &= ~SG_SCSI_RESET_NO_ESCALATE;
  if (what == SG_SCSI_RESET_NOTHING) return 0;
  struct SrpSgRequest req;
  memset(&req, 0, sizeof(req));
  req.magic = SRP_SG_MAGIC;
  req.op = SRP_SG_OP_RESET;
  req.device = (uint32_t)b->device;
  switch (what) {
    case SG_SCSI_RESET_DEVICE:
      req.reset_kind = SRP_SG_RESET_DEVICE;
      break;
    case SG_SCSI_RESET_TARGET:
    case SG_SCSI_RESET_BUS:
    case SG_SCSI_RESET_HOST:
      req.reset_kind = SRP_SG_RESET_TARGET;
      break;
    default:
      errno = EINVAL;
      return -1;
  }
  struct SrpSgResponse rsp;
  return exchange(fd, &req, NULL, &rsp, NULL, 0);
}

static int put_int(void* arg, int value) {
  if (arg == NULL) {
    errno = EFAULT;
    return -1;
  }
  *(int*)arg = value;
  return 0;
}

static int bridged_ioctl(int fd, struct bridged_fd* b, unsigned long request, void* arg) {
  switch (request) {
    case SG_IO:
      return do_sg_io(fd, b, arg);
    case SG_GET_VERSION_NUM:
      return put_int(arg, SG_VERSION);
    case SG_GET_SCSI_ID: {
      if (arg == NULL) break;
      struct sg_scsi_id* id = arg;
      memset(id, 0, sizeof(*id));
      id->lun = device_lun(b->device);
      id->scsi_type = 0; /* direct-access block device */
      id->h_cmd_per_lun = 62;
      id->d_queue_depth = 62;
      return 0;
    }
    case SG_GET_RESERVED_SIZE:
      return put_int(arg, b->reserved_size);
    case SG_SET_RESERVED_SIZE: {
      if (arg == NULL) break;
      int v = *(int*)arg;
      if (v < 0) {
        errno = EINVAL;
        return -1;
      }
      b->reserved_size = v > (int)SRP_SG_MAX_XFER ? (int)SRP_SG_MAX_XFER : v;
      return 0;
    }
    case SG_GET_TIMEOUT:
      return b->timeout_ms / (1000 / USER_HZ); /* jiffies, as the return value */
    case SG_SET_TIMEOUT: {
      if (arg == NULL) break;
      int v = *(int*)arg;
      if (v < 0) {
        errno = EIO;
        return -1;
      }
      b->timeout_ms = v * (1000 / USER_HZ);
      return 0;
    }
    case SG_SCSI_RESET:
      if (arg == NULL) break;
      return do_reset(fd, b, *(int*)arg);
    case SG_EMULATED_HOST:
    case SG_GET_LOW_DMA:
    case SG_GET_COMMAND_Q:
    case SG_GET_KEEP_ORPHAN:
      return put_int(arg, 0);
    case SG_GET_SG_TABLESIZE:
      return put_int(arg, 256);
    case SG_GET_NUM_WAITING:
      return put_int(arg, b->has_pending);
    case SG_GET_PACK_ID:
      return put_int(arg, b->has_pending ? b->pending.pack_id : -1);
    case SG_GET_ACCESS_COUNT:
      return put_int(arg, 1);
    case SG_SET_COMMAND_Q:
    case SG_SET_FORCE_PACK_ID:
    case SG_SET_KEEP_ORPHAN:
    case SG_SET_DEBUG:
    case SG_NEXT_CMD_LEN:
      return 0;
    case SCSI_IOCTL_GET_IDLUN_: {
      if (arg == NULL) break;
      int* idlun = arg; /* dev_id: id | lun << 8 | channel << 16 | host << 24 */
      idlun[0] = (device_lun(b->device) & 0xff) << 8;
      idlun[1] = 0;
      return 0;
    }
    case SCSI_IOCTL_GET_BUS_NUMBER_:
      return put_int(arg, 0);
    default:
      errno = ENOTTY;
      return -1;
  }
  errno = EFAULT;
  return -1;
}

/* ---- interposed entry points ---- */

static int open_common(const char* path, int flags, mode_t mode, int dirfd, int use_at,
                       int (*real_open)(const char*, int, ...),
                       int (*real_openat)(int, const char*, int, ...)) {
  int device = device_of_path(path);
  if (device >= 0) return open_bridged(device, flags);
  if (use_at) return real_openat(dirfd, path, flags, mode);
  return real_open(path, flags, mode);
}

EXPORT int open(const char* path, int flags, ...) {
  NEXT(int (*)(const char*, int, ...), open);
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  return open_common(path, flags, mode, 0, 0, real_open, NULL);
}

EXPORT int open64(const char* path, int flags, ...) {
  NEXT(int (*)(const char*, int, ...), open64);
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  return open_common(path, flags, mode, 0, 0, real_open64, NULL);
}

EXPORT int openat(int dirfd, const char* path, int flags, ...) {
  NEXT(int (*)(int, const char*, int, ...), openat);
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  return open_common(path, flags, mode, dirfd, 1, NULL, real_openat);
}

EXPORT int openat64(int dirfd, const char* path, int flags, ...) {
  NEXT(int (*)(int, const char*, int, ...), openat64);
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  return open_common(path, flags, mode, dirfd, 1, NULL, real_openat64);
}

/* Fortified callers (_FORTIFY_SOURCE) reach open through these. */
EXPORT int __open_2(const char* path, int flags) { return open(path, flags); }
EXPORT int __open64_2(const char* path, int flags) { return open64(path, flags); }
EXPORT int __openat_2(int dirfd, const char* path, int flags) { return openat(dirfd, path, flags); }
EXPORT int __openat64_2(int dirfd, const char* path, int flags) {
  return openat64(dirfd, path, flags);
}

EXPORT int close(int fd) {
  NEXT(int (*)(int), close);
  if (fd >= 0 && fd < MAX_BRIDGED_FD) {
    pthread_mutex_lock(&g_lock);
    g_fds[fd].used = 0;
    pthread_mutex_unlock(&g_lock);
  }
  return real_close(fd);
}

EXPORT int ioctl(int fd, unsigned long request, ...) {
  NEXT(int (*)(int, unsigned long, ...), ioctl);
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  pthread_mutex_lock(&g_lock);
  struct bridged_fd* b = bridged(fd);
  if (b == NULL) {
    pthread_mutex_unlock(&g_lock);
    return real_ioctl(fd, request, arg);
  }
  int rc = bridged_ioctl(fd, b, request, arg);
  int err = errno;
  pthread_mutex_unlock(&g_lock);
  errno = err;
  return rc;
}

/* sg v3 write()/read() interface: write() runs the command (synchronously), read() returns
 * its completed header. One command may be outstanding per fd. */
EXPORT ssize_t write(int fd, const void* buf, size_t count) {
  NEXT(ssize_t(*)(int, const void*, size_t), write);
  pthread_mutex_lock(&g_lock);
  struct bridged_fd* b = bridged(fd);
  if (b == NULL) {
    pthread_mutex_unlock(&g_lock);
    return real_write(fd, buf, count);
  }
  ssize_t rc = -1;
  int err = EINVAL;
  if (count >= sizeof(sg_io_hdr_t) && ((const sg_io_hdr_t*)buf)->interface_id == 'S') {
    if (b->has_pending) {
      err = EDOM;
    } else {
      sg_io_hdr_t hdr;
      memcpy(&hdr, buf, sizeof(hdr));
      if (do_sg_io(fd, b, &hdr) == 0) {
        b->pending = hdr;
        b->has_pending = 1;
        rc = (ssize_t)count;
      } else {
        err = errno;
      }
    }
  }
  pthread_mutex_unlock(&g_lock);
  if (rc < 0) errno = err;
  return rc;
}

EXPORT ssize_t read(int fd, void* buf, size_t count) {
  NEXT(ssize_t(*)(int, void*, size_t), read);
  pthread_mutex_lock(&g_lock);
  struct bridged_fd* b = bridged(fd);
  if (b == NULL) {
    pthread_mutex_unlock(&g_lock);
    return real_read(fd, buf, count);
  }
  ssize_t rc = -1;
  int err = EAGAIN;
  if (count < sizeof(sg_io_hdr_t)) {
    err = EINVAL;
  } else if (b->has_pending) {
    memcpy(buf, &b->pending, sizeof(sg_io_hdr_t));
    b->has_pending = 0;
    rc = (ssize_t)sizeof(sg_io_hdr_t);
  }
  pthread_mutex_unlock(&g_lock);
  if (rc < 0) errno = err;
  return rc;
}

/* stat family: glibc >= 2.33 exports stat/fstat/lstat/fstatat (and *64); older binaries
 * call the __xstat versions. On x86_64 struct stat64 has the layout of struct stat. */
static int fd_device(int fd) {
  pthread_mutex_lock(&g_lock);
  struct bridged_fd* b = bridged(fd);
  int device = b == NULL ? -1 : b->device;
  pthread_mutex_unlock(&g_lock);
  return device;
}

EXPORT int stat(const char* path, struct stat* st) {
  NEXT(int (*)(const char*, struct stat*), stat);
  int device = device_of_path(path);
  if (device < 0) return real_stat(path, st);
  fill_stat(device, st);
  return 0;
}

EXPORT int lstat(const char* path, struct stat* st) {
  NEXT(int (*)(const char*, struct stat*), lstat);
  int device = device_of_path(path);
  if (device < 0) return real_lstat(path, st);
  fill_stat(device, st);
  return 0;
}

EXPORT int fstat(int fd, struct stat* st) {
  NEXT(int (*)(int, struct stat*), fstat);
  int device = fd_device(fd);
  if (device < 0) return real_fstat(fd, st);
  fill_stat(device, st);
  return 0;
}

EXPORT int fstatat(int dirfd, const char* path, struct stat* st, int flags) {
  NEXT(int (*)(int, const char*, struct stat*, int), fstatat);
  int device = (flags & AT_EMPTY_PATH) && *path == '\0' ? fd_device(dirfd) : device_of_path(path);
  if (device < 0) return real_fstatat(dirfd, path, st, flags);
  fill_stat(device, st);
  return 0;
}

EXPORT int stat64(const char* path, struct stat64* st) { return stat(path, (struct stat*)st); }
EXPORT int lstat64(const char* path, struct stat64* st) { return lstat(path, (struct stat*)st); }
EXPORT int fstat64(int fd, struct stat64* st) { return fstat(fd, (struct stat*)st); }
EXPORT int fstatat64(int dirfd, const char* path, struct stat64* st, int flags) {
  return fstatat(dirfd, path, (struct stat*)st, flags);
}

int __xstat(int ver, const char* path, struct stat* st);
int __lxstat(int ver, const char* path, struct stat* st);
int __fxstat(int ver, int fd, struct stat* st);
int __fxstatat(int ver, int dirfd, const char* path, struct stat* st, int flags);

EXPORT int __xstat(int ver, const char* path, struct stat* st) {
  (void)ver;
  return stat(path, st);
}
EXPORT int __lxstat(int ver, const char* path, struct stat* st) {
  (void)ver;
  return lstat(path, st);
}
EXPORT int __fxstat(int ver, int fd, struct stat* st) {
  (void)ver;
  return fstat(fd, st);
}
EXPORT int __fxstatat(int ver, int dirfd, const char* path, struct stat* st, int flags) {
  (void)ver;
  return fstatat(dirfd, path, st, flags);
}
EXPORT int __xstat64(int ver, const char* path, struct stat* st) { return __xstat(ver, path, st); }
EXPORT int __lxstat64(int ver, const char* path, struct stat* st) {
  return __lxstat(ver, path, st);
}
EXPORT int __fxstat64(int ver, int fd, struct stat* st) { return __fxstat(ver, fd, st); }
EXPORT int __fxstatat64(int ver, int dirfd, const char* path, struct stat* st, int flags) {
  return __fxstatat(ver, dirfd, path, st, flags);
}

EXPORT int statx(int dirfd, const char* path, int flags, unsigned int mask, struct statx* stx) {
  NEXT(int (*)(int, const char*, int, unsigned int, struct statx*), statx);
  int device = (flags & AT_EMPTY_PATH) && *path == '\0' ? fd_device(dirfd) : device_of_path(path);
  if (device < 0) return real_statx(dirfd, path, flags, mask, stx);
  struct stat st;
  fill_stat(device, &st);
  memset(stx, 0, sizeof(*stx));
  stx->stx_mask = STATX_BASIC_STATS;
  stx->stx_mode = (uint16_t)st.st_mode;
  stx->stx_nlink = 1;
  stx->stx_ino = st.st_ino;
  stx->stx_blksize = 4096;
  stx->stx_rdev_major = SG_MAJOR;
  stx->stx_rdev_minor = (uint32_t)device;
  stx->stx_dev_minor = 5;
  stx->stx_mtime.tv_sec = st.st_mtim.tv_sec;
  stx->stx_atime = stx->stx_mtime;
  stx->stx_ctime = stx->stx_mtime;
  return 0;
}

EXPORT int access(const char* path, int mode) {
  NEXT(int (*)(const char*, int), access);
  if (device_of_path(path) >= 0) return 0;
  return real_access(path, mode);
}
