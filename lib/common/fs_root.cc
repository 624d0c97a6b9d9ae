#include "lib/common/fs_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace srp {

FsRoot::FsRoot(std::string root) : root_(std::move(root)) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

std::string FsRoot::Resolve(std::string_view path) const {
  std::string out = root_;
  out += path;
  return out;
}

Result<std::string> FsRoot::ReadFile(std::string_view path) const {
  std::string full = Resolve(path);
  int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("open {}", full));
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, fmt::format("read {}", full));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

Result<std::string> FsRoot::ReadTrimmed(std::string_view path) const {
  SRP_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  while (!data.empty() && (data.back() == '\n' || data.back() == ' ' || data.back() == '\t' ||
                           data.back() == '\r'))
    data.pop_back();
  return data;
}

Status FsRoot::WriteFile(std::string_view path, std::string_view data) const {
  std::string full = Resolve(path);
  int fd = ::open(full.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("open {}", full));
  ssize_t n;
  do {
    n = ::write(fd, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  int err = errno;
  ::close(fd);
  if (n < 0) return Status::FromErrno(err, fmt::format("write {}", full));
  if (static_cast<size_t>(n) != data.size())
    return Status(StatusCode::kIoError, fmt::format("short write to {}", full));
  return Status::Ok();
}

Status FsRoot::CreateFile(std::string_view path, std::string_view data) const {
  std::string full = Resolve(path);
  int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("create {}", full));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, fmt::format("write {}", full));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return Status::FromErrno(errno, fmt::format("close {}", full));
  return Status::Ok();
}

Status FsRoot::MakeDirs(std::string_view path) const {
  std::string full = Resolve(path);
  for (size_t pos = 1; pos <= full.size(); ++pos) {
    if (pos != full.size() && full[pos] != '/') continue;
    std::string prefix = full.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::FromErrno(errno, fmt::format("mkdir {}", prefix));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> FsRoot::ListDir(std::string_view path) const {
  std::string full = Resolve(path);
  DIR* dir = ::opendir(full.c_str());
  if (dir == nullptr) return Status::FromErrno(errno, fmt::format("opendir {}", full));
  std::vector<std::string> names;
  while (dirent* ent = ::readdir(dir)) {
    std::string_view name = ent->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

bool FsRoot::Exists(std::string_view path) const {
  struct stat st {};
  return ::stat(Resolve(path).c_str(), &st) == 0;
}

Result<std::string> FsRoot::ReadLink(std::string_view path) const {
  std::string full = Resolve(path);
  char buf[4096];
  ssize_t n = ::readlink(full.c_str(), buf, sizeof(buf) - 1);
  if (n < 0) return Status::FromErrno(errno, fmt::format("readlink {}", full));
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace srp
