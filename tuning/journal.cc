#include "tuning/journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

#include "lib/common/log.h"

namespace srp::tuning {
namespace {

constexpr std::string_view kHeader = "srp-tuning-journal 1";

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Result<std::string> Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i == s.size()) return InvalidArgument("journal: dangling escape");
    switch (s[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      default:
        return InvalidArgument("journal: bad escape");
    }
  }
  return out;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, fmt::format("write {}", path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) return Status::FromErrno(errno, fmt::format("fsync {}", path));
  return Status::Ok();
}

void SyncParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);  // best effort: the file's own fsync is what matters most
  ::close(fd);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("open {}", path));
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, fmt::format("read {}", path));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

// Restores one entry; returns OK for entries that are skipped on purpose.
Status RestoreEntry(const JournalEntry& entry, const KnobDeps& deps, KnobRecord* record) {
  record->name = entry.kind + ":" + entry.target;
  record->applied = entry.original;
  if (entry.kind == "thread_mode") {
    // The target's current mode is unknown after a crash: just set the original.
    if (!deps.thread_mode) {
      record->status = "skipped: no thread mode setter (target restarts with its defaults)";
      return Status::Ok();
    }
    if (entry.original != "0" && entry.original != "1")
      return InvalidArgument(fmt::format("journal: bad thread mode '{}'", entry.original));
    SRP_RETURN_IF_ERROR(deps.thread_mode(entry.original == "1" ? 1 : 0));
    record->after_restore = entry.original;
    record->status = "ok";
    return Status::Ok();
  }
  SRP_ASSIGN_OR_RETURN(std::unique_ptr<TuningKnob> knob, MakeKnob(entry.kind, entry.target, deps));
  Status s = knob->Apply(entry.original);
  if (entry.kind == "cpu_pinning" && s.sys_errno() == ESRCH) {
    record->status = "skipped: process is gone";
    return Status::Ok();
  }
  if (!knob->settable()) {
    record->status = "not settable: " + knob->reason();
    return Status::Ok();
  }
  record->before = knob->original();
  if (!s.ok()) {
    record->status = s.ToString();
    return s;
  }
  Result<std::string> after = knob->Read();
  record->after_restore = after.ok() ? *after : after.status().ToString();
  record->status = "ok";
  return Status::Ok();
}

}  // namespace

std::string FormatJournalLine(const JournalEntry& entry) {
  return fmt::format("{}\t{}\t{}\n", Escape(entry.kind), Escape(entry.target),
                     Escape(entry.original));
}

Result<std::vector<JournalEntry>> ParseJournal(std::string_view text) {
  size_t eol = text.find('\n');
  if (eol == std::string_view::npos || text.substr(0, eol) != kHeader)
    return InvalidArgument("not a srp tuning journal (bad header)");
  text.remove_prefix(eol + 1);
  std::vector<JournalEntry> entries;
  while ((eol = text.find('\n')) != std::string_view::npos) {
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    size_t t1 = line.find('\t');
    size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos || line.find('\t', t2 + 1) != std::string_view::npos)
      return InvalidArgument(fmt::format("journal: bad line '{}'", line));
    JournalEntry entry;
    SRP_ASSIGN_OR_RETURN(entry.kind, Unescape(line.substr(0, t1)));
    SRP_ASSIGN_OR_RETURN(entry.target, Unescape(line.substr(t1 + 1, t2 - t1 - 1)));
    SRP_ASSIGN_OR_RETURN(entry.original, Unescape(line.substr(t2 + 1)));
    entries.push_back(std::move(entry));
  }
  return entries;  // a torn last line (no '\n') is ignored, see the header
}

Result<std::unique_ptr<RestoreJournal>> RestoreJournal::Create(std::string path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("create journal {}", path));
  std::unique_ptr<RestoreJournal> journal(new RestoreJournal(std::move(path), fd));
  SRP_RETURN_IF_ERROR(WriteAll(fd, std::string(kHeader) + "\n", journal->path_));
  SyncParentDir(journal->path_);
  return journal;
}

RestoreJournal::~RestoreJournal() {
  if (fd_ >= 0) ::close(fd_);
}

Status RestoreJournal::Append(const JournalEntry& entry) {
  if (fd_ < 0) return Status(StatusCode::kInternal, "journal already removed");
  return WriteAll(fd_, FormatJournalLine(entry), path_);
}

Status RestoreJournal::Remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
    return Status::FromErrno(errno, fmt::format("unlink {}", path_));
  SyncParentDir(path_);
  return Status::Ok();
}

Status RestoreFromJournal(const std::string& path, const FsRoot& fs, KnobDeps deps,
                          std::vector<KnobRecord>* records) {
  SRP_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  SRP_ASSIGN_OR_RETURN(std::vector<JournalEntry> entries, ParseJournal(text));
  deps.fs = &fs;
  std::unique_ptr<AffinityApi> linux_affinity;
  if (deps.affinity == nullptr) {
    linux_affinity = MakeLinuxAffinityApi();
    deps.affinity = linux_affinity.get();
  }
  Status first_error;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    KnobRecord record;
    Status s = RestoreEntry(*it, deps, &record);
    if (!s.ok()) {
      record.status = s.ToString();
      SRP_LOG(kWarning, "journal restore of {} failed: {}", record.name, s.ToString());
      if (first_error.ok()) first_error = s;
    } else if (record.status != "ok") {
      SRP_LOG(kWarning, "journal restore of {}: {}", record.name, record.status);
    }
    if (records != nullptr) records->push_back(std::move(record));
  }
  if (!first_error.ok()) return first_error;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return Status::FromErrno(errno, fmt::format("unlink {}", path));
  return Status::Ok();
}

}  // namespace srp::tuning
