#include "lib/fabric/soft/subnet_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>

namespace srp::fabric::soft {

namespace {

constexpr uint16_t kMaxUnicastLid = 0xbfff;

std::string Hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

std::string PortsDir(const std::string& dir) { return dir + "/ports"; }
std::string LidsDir(const std::string& dir) { return dir + "/lids"; }
std::string PortFile(const std::string& dir, std::string_view name) {
  return fmt::format("{}/{}.port", PortsDir(dir), name);
}
std::string LidFile(const std::string& dir, uint16_t lid) {
  return fmt::format("{}/{:04x}", LidsDir(dir), lid);
}

Status MkdirP(const std::string& path) {
  if (path.empty()) return InvalidArgument("empty directory name");
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string part = path.substr(0, pos);
    if (mkdir(part.c_str(), 0777) != 0 && errno != EEXIST)
      return Status::FromErrno(errno, "mkdir " + part);
  }
  return Status::Ok();
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(StatusCode::kNotFound, "cannot read " + path, ENOENT);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteAtomically(const std::string& path, const std::string& text) {
  std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush()) return Status::FromErrno(errno, "write " + tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Status::FromErrno(err, "rename " + tmp);
  }
  return Status::Ok();
}

bool PidAlive(int pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

template <typename T>
bool ParseInt(std::string_view text, T* out, int base = 10) {
  if (base == 16 && (text.starts_with("0x") || text.starts_with("0X"))) text.remove_prefix(2);
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return ec == std::errc() && p == text.data() + text.size() && !text.empty();
}

std::vector<std::string_view> SplitList(std::string_view v) {
  std::vector<std::string_view> out;
  while (!v.empty()) {
    size_t c = v.find(',');
    std::string_view item = v.substr(0, c);
    if (!item.empty()) out.push_back(item);
    if (c == std::string_view::npos) break;
    v.remove_prefix(c + 1);
  }
  return out;
}

// Reserves `lid` for `owner`; false if a live process holds it.
Result<bool> TryReserveLid(const std::string& dir, uint16_t lid, const std::string& owner) {
  std::string path = LidFile(dir, lid);
  for (int attempt = 0; attempt < 3; ++attempt) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      [[maybe_unused]] ssize_t w = write(fd, owner.data(), owner.size());
      close(fd);
      return true;
    }
    if (errno != EEXIST) return Status::FromErrno(errno, "create " + path);
    auto text = ReadText(path);
    if (!text.ok()) continue;  // just released; try again
    int pid = 0;
    std::string_view t = *text;
    // An unreadable pid may be a reservation still being written: taken.
    if (!ParseInt(t.substr(0, t.find(' ')), &pid) || PidAlive(pid)) return false;
    unlink(path.c_str());  // stale (dead owner); try again
  }
  return false;
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

std::string FormatPortRecord(const PortRecord& r) {
  std::string out = "# srp-toolkit soft fabric port (docs/soft-fabric-protocol.md)\nversion=1\n";
  out += fmt::format("name={}\npid={}\nhost={}\n", r.name, r.pid, r.host);
  out += fmt::format("node_guid=0x{:016x}\nport_guid=0x{:016x}\n", r.node_guid, r.port_guid);
  out += fmt::format("subnet_prefix=0x{:016x}\ngid={}\n", r.subnet_prefix, FormatGidColon(r.gid));
  out += fmt::format("lid=0x{:04x}\nsm_lid=0x{:04x}\ncapability_mask=0x{:08x}\n", r.lid, r.sm_lid,
                     r.capability_mask);
  std::string pkeys;
  for (uint16_t p : r.pkeys) pkeys += fmt::format("{}0x{:04x}", pkeys.empty() ? "" : ",", p);
  out += fmt::format("pkeys={}\n", pkeys);
  std::string ips;
  for (const std::string& ip : r.ip_addresses) ips += (ips.empty() ? "" : ",") + ip;
  out += fmt::format("ip_addresses={}\nsocket={}\n", ips, r.socket_path);
  return out;
}

Result<PortRecord> ParsePortRecord(std::string_view text) {
  PortRecord r;
  r.pkeys.clear();
  unsigned seen = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return InvalidArgument(fmt::format("port file line without '=': {}", line));
    std::string_view key = line.substr(0, eq), v = line.substr(eq + 1);
    bool ok = true;
    if (key == "name") {
      r.name = v;
      seen |= 1;
    } else if (key == "pid") {
      ok = ParseInt(v, &r.pid);
      seen |= 2;
    } else if (key == "host") {
      r.host = v;
    } else if (key == "node_guid") {
      ok = ParseInt(v, &r.node_guid, 16);
    } else if (key == "port_guid") {
      ok = ParseInt(v, &r.port_guid, 16);
      seen |= 4;
    } else if (key == "subnet_prefix") {
      ok = ParseInt(v, &r.subnet_prefix, 16);
    } else if (key == "gid") {
      auto g = ParseGid(v);
      ok = g.ok();
      if (ok) r.gid = *g;
      seen |= 8;
    } else if (key == "lid") {
      ok = ParseInt(v, &r.lid, 16);
      seen |= 16;
    } else if (key == "sm_lid") {
      ok = ParseInt(v, &r.sm_lid, 16);
    } else if (key == "capability_mask") {
      ok = ParseInt(v, &r.capability_mask, 16);
    } else if (key == "pkeys") {
      for (std::string_view p : SplitList(v)) {
        uint16_t pk = 0;
        ok = ok && ParseInt(p, &pk, 16);
        r.pkeys.push_back(pk);
      }
    } else if (key == "ip_addresses") {
      for (std::string_view ip : SplitList(v)) r.ip_addresses.emplace_back(ip);
    } else if (key == "socket") {
      r.socket_path = v;
      seen |= 32;
    }
    if (!ok) return InvalidArgument(fmt::format("bad port file value: {}", line));
  }
  if (seen != 63)
    return InvalidArgument("port file misses one of name, pid, port_guid, gid, lid, socket");
  return r;
}

uint64_t DeriveNodeGuid(std::string_view port_name) {
  return (kSoftOui << 40) | (Fnv1a(port_name) & 0xfffffffffeull);
}

uint64_t DerivePortGuid(std::string_view port_name) { return DeriveNodeGuid(port_name) + 1; }

bool IsLive(const PortRecord& record) {
  if (!record.host.empty() && record.host != Hostname()) return true;
  return PidAlive(record.pid);
}

Result<std::vector<PortRecord>> ListPorts(const std::string& subnet_dir) {
  std::vector<PortRecord> out;
  std::string pdir = PortsDir(subnet_dir);
  DIR* d = opendir(pdir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return Status::FromErrno(errno, "opendir " + pdir);
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() > 5 && n.ends_with(".port")) names.emplace_back(n);
  }
  closedir(d);
  for (const std::string& n : names) {
    auto text = ReadText(pdir + "/" + n);
    if (!text.ok()) continue;  // raced with an unpublish
    auto rec = ParsePortRecord(*text);
    if (!rec.ok()) continue;
    if (!IsLive(*rec)) {
      unlink((pdir + "/" + n).c_str());
      unlink(rec->socket_path.c_str());
      auto lid_text = ReadText(LidFile(subnet_dir, rec->lid));
      if (lid_text.ok() && lid_text->starts_with(fmt::format("{} ", rec->pid)))
        unlink(LidFile(subnet_dir, rec->lid).c_str());
      continue;
    }
    out.push_back(std::move(*rec));
  }
  std::sort(out.begin(), out.end(),
            [](const PortRecord& a, const PortRecord& b) { return a.name < b.name; });
  return out;
}

Result<PortRecord> ReadPort(const std::string& subnet_dir, std::string_view name) {
  SRP_ASSIGN_OR_RETURN(std::string text, ReadText(PortFile(subnet_dir, name)));
  SRP_ASSIGN_OR_RETURN(PortRecord rec, ParsePortRecord(text));
  if (!IsLive(rec)) return NotFound(fmt::format("soft port {} is stale", name));
  return rec;
}

Result<PortRecord> FindPortByGid(const std::string& subnet_dir, const Gid& gid) {
  SRP_ASSIGN_OR_RETURN(auto ports, ListPorts(subnet_dir));
  for (PortRecord& p : ports)
    if (p.gid == gid) return std::move(p);
  return NotFound(fmt::format("no soft port with GID {} in {}", FormatGidColon(gid), subnet_dir));
}

Result<PortRecord> FindPortByLid(const std::string& subnet_dir, uint16_t lid) {
  SRP_ASSIGN_OR_RETURN(auto ports, ListPorts(subnet_dir));
  for (PortRecord& p : ports)
    if (p.lid == lid) return std::move(p);
  return NotFound(fmt::format("no soft port with LID {:#x} in {}", lid, subnet_dir));
}

Result<std::unique_ptr<PortPublication>> PortPublication::Publish(const std::string& subnet_dir,
                                                                  PortRecord record) {
  if (record.name.empty() || record.name.find('/') != std::string::npos ||
      record.name.starts_with("."))
    return InvalidArgument(fmt::format("bad soft port name '{}'", record.name));
  SRP_RETURN_IF_ERROR(MkdirP(PortsDir(subnet_dir)));
  SRP_RETURN_IF_ERROR(MkdirP(LidsDir(subnet_dir)));
  record.pid = getpid();
  record.host = Hostname();
  // Reserve the name: link() of a complete file fails if the name exists.
  std::string path = PortFile(subnet_dir, record.name);
  std::string owner = fmt::format("{} {}", record.pid, record.name);
  uint16_t lid = record.lid;
  if (lid != 0) {
    SRP_ASSIGN_OR_RETURN(bool got, TryReserveLid(subnet_dir, lid, owner));
    if (!got) return Status(StatusCode::kAlreadyExists, fmt::format("LID {:#x} is in use", lid));
  } else {
    for (uint16_t l = 1; l <= kMaxUnicastLid && lid == 0; ++l) {
      SRP_ASSIGN_OR_RETURN(bool got, TryReserveLid(subnet_dir, l, owner));
      if (got) lid = l;
    }
    if (lid == 0) return Status(StatusCode::kResourceExhausted, "no free LID in the soft subnet");
  }
  record.lid = lid;
  std::string tmp = fmt::format("{}.new.{}", path, record.pid);
  Status status;
  for (int attempt = 0; attempt < 3; ++attempt) {
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << FormatPortRecord(record);
      if (!out.flush()) {
        status = Status::FromErrno(errno, "write " + tmp);
        break;
      }
    }
    if (link(tmp.c_str(), path.c_str()) == 0) {
      status = Status::Ok();
      break;
    }
    int err = errno;
    status = Status::FromErrno(err, "publish " + path);
    if (err != EEXIST) break;
    auto existing = ReadText(path);
    auto rec = existing.ok() ? ParsePortRecord(*existing) : Result<PortRecord>(existing.status());
    if (rec.ok() && IsLive(*rec)) {
      status =
          Status(StatusCode::kAlreadyExists,
                 fmt::format("soft port '{}' is already open (pid {})", record.name, rec->pid));
      break;
    }
    unlink(path.c_str());  // stale
  }
  unlink(tmp.c_str());
  if (!status.ok()) {
    unlink(LidFile(subnet_dir, lid).c_str());
    return status;
  }
  return std::unique_ptr<PortPublication>(new PortPublication(subnet_dir, std::move(record)));
}

PortPublication::~PortPublication() {
  unlink(PortFile(dir_, record_.name).c_str());
  unlink(LidFile(dir_, record_.lid).c_str());
}

Status PortPublication::Update(const PortRecord& record) {
  record_ = record;
  return WriteAtomically(PortFile(dir_, record_.name), FormatPortRecord(record_));
}

}  // namespace srp::fabric::soft
