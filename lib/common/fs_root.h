// FsRoot: the only door to sysfs/procfs (and other system files we read or write).
//
// Every absolute path is resolved below a root directory: "/" in production,
// a temporary tree in tests (`--sysfs-root DIR` style options build one).
// Writes are a single write(2) of the whole value, as sysfs attributes need,
// and the errno of a failed write is kept in the Status (EEXIST, EINVAL ...).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/common/status.h"

namespace srp {

class FsRoot {
 public:
  // `root` is prefixed to every absolute path; "/" or "" means the real system.
  explicit FsRoot(std::string root = "/");
  virtual ~FsRoot() = default;

  const std::string& root() const { return root_; }
  bool is_real_system() const { return root_.empty(); }

  // Maps an absolute path ("/sys/class/...") to the path below the root.
  // REQUIRES: path starts with '/'.
  std::string Resolve(std::string_view path) const;

  virtual Result<std::string> ReadFile(std::string_view path) const;
  // ReadFile with trailing whitespace/newlines removed (sysfs values).
  Result<std::string> ReadTrimmed(std::string_view path) const;
  // Opens an existing file for writing (no O_CREAT: sysfs attributes exist)
  // and writes `data` in one write(2).
  virtual Status WriteFile(std::string_view path, std::string_view data) const;
  // Creates or replaces a regular file (for test trees and journals).
  virtual Status CreateFile(std::string_view path, std::string_view data) const;
  virtual Status MakeDirs(std::string_view path) const;
  // Entries of a directory, sorted, without "." and "..".
  virtual Result<std::vector<std::string>> ListDir(std::string_view path) const;
  virtual bool Exists(std::string_view path) const;
  virtual Result<std::string> ReadLink(std::string_view path) const;

 private:
  std::string root_;  // no trailing slash; empty = real system
};

}  // namespace srp
