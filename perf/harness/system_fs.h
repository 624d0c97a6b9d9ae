// System access for srp-perf: one FsRoot whose /sys paths resolve below a
// sysfs root and /proc paths below a procfs root (`--sysfs-root DIR` and
// `--procfs-root DIR` in tests; both "/" on a real system). Each root is
// prefixed like FsRoot's: "/sys/block/loop0" -> "<sysfs_root>/sys/block/loop0".
// Below a test root a write replaces the file's whole content, as a sysfs
// attribute write does.
// Plus the block device behind a --filename.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/common/fs_root.h"

namespace srp::perf {

class SplitFsRoot final : public FsRoot {
 public:
  SplitFsRoot(std::string sysfs_root, std::string procfs_root);

  Result<std::string> ReadFile(std::string_view path) const override;
  Status WriteFile(std::string_view path, std::string_view data) const override;
  Status CreateFile(std::string_view path, std::string_view data) const override;
  Status MakeDirs(std::string_view path) const override;
  Result<std::vector<std::string>> ListDir(std::string_view path) const override;
  bool Exists(std::string_view path) const override;
  Result<std::string> ReadLink(std::string_view path) const override;

 private:
  const FsRoot& For(std::string_view path) const;
  FsRoot sys_;
  FsRoot proc_;
};

// The /sys/block name of the whole disk behind `filename` ("loop0" for
// /dev/loop0, "sda" for /dev/sda1): via the node's major:minor in
// /sys/dev/block, else the file's base name when /sys/block/<name> exists.
// NotFound (with the reason) for regular files and unknown paths.
Result<std::string> BlockDeviceOf(const FsRoot& fs, const std::string& filename);

}  // namespace srp::perf
