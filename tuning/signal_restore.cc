#include "tuning/signal_restore.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "lib/common/log.h"

namespace srp::tuning {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM};
std::atomic<int> g_write_fd{-1};
struct sigaction g_old_actions[2];

void OnSignal(int sig) {
  int saved_errno = errno;
  int fd = g_write_fd.load();
  unsigned char byte = static_cast<unsigned char>(sig);
  if (fd >= 0) (void)!::write(fd, &byte, 1);
  errno = saved_errno;
}

}  // namespace

SignalRestoreGuard::SignalRestoreGuard(KnobSet* set, int read_fd, int write_fd)
    : set_(set), read_fd_(read_fd), write_fd_(write_fd) {
  watcher_ = std::thread([this] { Watch(); });
}

void SignalRestoreGuard::Watch() {
  for (;;) {
    unsigned char byte = 0;
    ssize_t n = ::read(read_fd_, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || byte == 0) return;  // stop request from the destructor
    int sig = byte;
    Status s = set_->RestoreAll();
    if (!s.ok()) SRP_LOG(kError, "tuning: restore on signal {} failed: {}", sig, s.ToString());
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(sig, &dfl, nullptr);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, sig);
    ::pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
    ::raise(sig);
    ::_exit(128 + sig);  // not reached for SIGINT/SIGTERM with SIG_DFL
  }
}

SignalRestoreGuard::~SignalRestoreGuard() {
  for (size_t i = 0; i < std::size(kSignals); ++i)
    ::sigaction(kSignals[i], &g_old_actions[i], nullptr);
  g_write_fd.store(-1);
  unsigned char stop = 0;
  while (::write(write_fd_, &stop, 1) < 0 && errno == EINTR) {
  }
  watcher_.join();
  ::close(read_fd_);
  ::close(write_fd_);
}

Result<std::unique_ptr<SignalRestoreGuard>> InstallRestoreOnSignals(KnobSet* set) {
  if (set == nullptr) return InvalidArgument("null KnobSet");
  if (g_write_fd.load() >= 0) {
    return Status(StatusCode::kAlreadyExists, "restore-on-signal already installed");
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe2");
  std::unique_ptr<SignalRestoreGuard> guard(new SignalRestoreGuard(set, fds[0], fds[1]));
  g_write_fd.store(fds[1]);
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (size_t i = 0; i < std::size(kSignals); ++i) {
    if (::sigaction(kSignals[i], &action, &g_old_actions[i]) != 0)
      return Status::FromErrno(errno, "sigaction");
  }
  return guard;
}

}  // namespace srp::tuning
