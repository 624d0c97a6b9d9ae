#include "target/config/config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "target/config/scst_config_writer.h"

namespace srp::target::config {

Status WriteTextFileAtomically(const std::string& path, const std::string& text) {
  if (path.empty()) return InvalidArgument("empty file name");
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  if (fd < 0) return Status::FromErrno(errno, "create a temporary file next to " + path);
  const std::string tmp(name.data());
  auto fail = [&](const std::string& what) {
    Status st = Status::FromErrno(errno, what);
    close(fd);
    unlink(tmp.c_str());
    return st;
  };
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write " + tmp);
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd, 0644) != 0) return fail("chmod " + tmp);
  if (fsync(fd) != 0) return fail("fsync " + tmp);
  if (close(fd) != 0) {
    Status st = Status::FromErrno(errno, "close " + tmp);
    unlink(tmp.c_str());
    return st;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::FromErrno(errno, "rename to " + path);
    unlink(tmp.c_str());
    return st;
  }
  return Status::Ok();
}

Status WriteConfigFile(const std::string& path, const Configuration& config) {
  return WriteTextFileAtomically(path, WriteScstConfig(config));
}

}  // namespace srp::target::config
