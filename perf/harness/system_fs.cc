#include "perf/harness/system_fs.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>

namespace srp::perf {

SplitFsRoot::SplitFsRoot(std::string sysfs_root, std::string procfs_root)
    : FsRoot("/"), sys_(std::move(sysfs_root)), proc_(std::move(procfs_root)) {}

const FsRoot& SplitFsRoot::For(std::string_view path) const {
  return path.starts_with("/proc") ? proc_ : sys_;
}

Result<std::string> SplitFsRoot::ReadFile(std::string_view path) const {
  return For(path).ReadFile(path);
}
Status SplitFsRoot::WriteFile(std::string_view path, std::string_view data) const {
  const FsRoot& fs = For(path);
  if (fs.is_real_system()) return fs.WriteFile(path, data);
  // A test tree stands for sysfs/procfs, whose attributes take the whole new
  // value: replace the file's content (a plain write would leave a longer
  // old value's tail behind).
  if (!fs.Exists(path)) return Status::FromErrno(ENOENT, std::string(path));
  return fs.CreateFile(path, data);
}
Status SplitFsRoot::CreateFile(std::string_view path, std::string_view data) const {
  return For(path).CreateFile(path, data);
}
Status SplitFsRoot::MakeDirs(std::string_view path) const { return For(path).MakeDirs(path); }
Result<std::vector<std::string>> SplitFsRoot::ListDir(std::string_view path) const {
  return For(path).ListDir(path);
}
bool SplitFsRoot::Exists(std::string_view path) const { return For(path).Exists(path); }
Result<std::string> SplitFsRoot::ReadLink(std::string_view path) const {
  return For(path).ReadLink(path);
}

Result<std::string> BlockDeviceOf(const FsRoot& fs, const std::string& filename) {
  struct stat st {};
  const bool exists = ::stat(filename.c_str(), &st) == 0;
  if (exists && S_ISREG(st.st_mode)) {
    return NotFound(fmt::format("{} is a regular file, not a block device", filename));
  }
  if (exists && S_ISBLK(st.st_mode)) {
    const std::string node =
        fmt::format("/sys/dev/block/{}:{}", major(st.st_rdev), minor(st.st_rdev));
    Result<std::string> link = fs.ReadLink(node);
    if (link.ok()) {
      std::string path = *link;
      if (fs.Exists(node + "/partition")) path = path.substr(0, path.rfind('/'));
      return path.substr(path.rfind('/') + 1);
    }
  }
  const std::string base = filename.substr(filename.rfind('/') + 1);
  if (!base.empty() && fs.Exists("/sys/block/" + base)) return base;
  return NotFound(fmt::format("{} is not a block device known in /sys/block", filename));
}

}  // namespace srp::perf
