#include "initiator_tools/attach/lun_engine.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "initiator_tools/initiator/sync_io.h"
#include "lib/common/endian.h"
#include "lib/common/ids.h"
#include "lib/common/log.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/constants.h"
#include "lib/scsi/lun.h"
#include "lib/scsi/responses.h"

namespace srp::attach {
namespace {

using initiator::PortState;
using Clock = std::chrono::steady_clock;

// Logical-unit designators of VPD 0x83 that name the unit itself (association 0): NAA,
// EUI-64 and SCSI name string, as "<type>:<hex>".
Result<std::vector<std::string>> UnitDesignators(initiator::Session& session,
                                                 const scsi::LunBytes& lun) {
  SRP_ASSIGN_OR_RETURN(auto page, initiator::InquiryVpd(session, lun, 0x83, 1024));
  SRP_ASSIGN_OR_RETURN(auto list, scsi::ParseDeviceIdentification(page));
  std::vector<std::string> out;
  for (const scsi::Designator& d : list) {
    if (d.association != 0 || (d.type != 2 && d.type != 3 && d.type != 8)) continue;
    std::string hex;
    for (std::byte b : d.value) hex += fmt::format("{:02x}", static_cast<unsigned>(b));
    out.push_back(fmt::format("{}:{}", d.type, hex));
  }
  return out;
}

bool IsInvalidOpcode(const initiator::ScsiResult& r) {
  return r.transport.ok() && r.status == static_cast<uint8_t>(scsi::ScsiStatus::kCheckCondition) &&
         r.parsed_sense && r.parsed_sense->key == scsi::SenseKey::kIllegalRequest &&
         r.parsed_sense->asc.asc == scsi::kAscInvalidCommandOperationCode.asc;
}

}  // namespace

Result<PathPolicy> ParsePathPolicy(std::string_view text) {
  if (text == "failover") return PathPolicy::kFailover;
  if (text == "round-robin") return PathPolicy::kRoundRobin;
  return InvalidArgument(fmt::format("path policy '{}': use failover or round-robin", text));
}

const char* PathPolicyName(PathPolicy policy) {
  return policy == PathPolicy::kFailover ? "failover" : "round-robin";
}

Result<std::unique_ptr<LunEngine>> LunEngine::Start(fabric::Fabric& fabric,
                                                    const std::vector<std::string>& targets,
                                                    std::vector<initiator::SessionOptions> paths,
                                                    const EngineOptions& options) {
  if (paths.empty() || paths.size() != targets.size()) {
    return InvalidArgument("one target line per path is needed");
  }
  std::unique_ptr<LunEngine> e(new LunEngine(fabric, options));
  e->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (e->wake_fd_ < 0) return Status::FromErrno(errno, "eventfd");
  for (size_t i = 0; i < paths.size(); ++i) {
    auto port = initiator::RemotePort::Connect(fabric, paths[i], options.timeouts);
    if (!port.ok()) {
      return port.status().WithContext(
          paths.size() == 1 ? std::string("login") : fmt::format("path {} ({})", i, targets[i]));
    }
    auto path = std::make_unique<Path>();
    path->target = targets[i];
    path->port = std::move(port).value();
    e->paths_.push_back(std::move(path));
  }
  SRP_RETURN_IF_ERROR(e->ReadGeometry());
  e->thread_ = std::thread([raw = e.get()] { raw->Loop(); });
  return e;
}

Status LunEngine::ReadGeometry() {
  const scsi::LunBytes lun = scsi::PackLun(options_.lun);
  initiator::Session& s0 = *paths_[0]->port->session();
  // One logical unit behind every path: a designator of path 0 on each of the others.
  std::vector<std::string> first;
  auto ids = UnitDesignators(s0, lun);
  if (ids.ok()) first = *ids;
  if (paths_.size() > 1) {
    if (first.empty()) {
      return InvalidArgument(fmt::format(
          "LUN {} on {}: no logical-unit designator in VPD 0x83; cannot check that the paths "
          "name the same logical unit",
          options_.lun, paths_[0]->target));
    }
    for (size_t i = 1; i < paths_.size(); ++i) {
      auto other = UnitDesignators(*paths_[i]->port->session(), lun);
      if (!other.ok()) return other.status().WithContext("path " + paths_[i]->target);
      const bool shared = std::any_of(other->begin(), other->end(), [&](const std::string& d) {
        return std::find(first.begin(), first.end(), d) != first.end();
      });
      if (!shared) {
        return InvalidArgument(
            fmt::format("LUN {} via {} is not the logical unit of {} (VPD 0x83 {} vs {})",
                        options_.lun, paths_[i]->target, paths_[0]->target,
                        other->empty() ? "none" : other->front(), first.front()));
      }
    }
  }
  if (!first.empty()) geometry_.designator = first.front();

  SRP_ASSIGN_OR_RETURN(scsi::Capacity cap, initiator::ReadCapacity(s0, lun));
  if (auto c16 = initiator::ReadCapacity16(s0, lun); c16.ok()) cap = *c16;
  if (cap.block_size == 0 || cap.block_size > (1u << 16) || (cap.block_size & 511) != 0) {
    return InvalidArgument(
        fmt::format("LUN {}: unusable block size {}", options_.lun, cap.block_size));
  }
  geometry_.block_size = cap.block_size;
  geometry_.num_blocks = cap.last_lba + 1;
  geometry_.unmap = cap.lbpme;
  geometry_.lbprz = cap.lbprz;
  if (auto b0 = initiator::InquiryVpd(s0, lun, scsi::kVpdBlockLimits, 64);
      b0.ok() && b0->size() >= 44) {
    geometry_.max_unmap_blocks = LoadBe32(b0->data() + 20);
    geometry_.max_write_same_blocks = LoadBe64(b0->data() + 36);
  }
  initiator::ScsiCommand sync;
  sync.cdb = scsi::BuildSynchronizeCache10();
  sync.lun = lun;
  SRP_ASSIGN_OR_RETURN(initiator::ScsiResult r, initiator::Execute(s0, sync));
  if (IsInvalidOpcode(r)) {
    geometry_.sync_cache = false;
    SRP_LOG(kInfo, "LUN {} has no SYNCHRONIZE CACHE: writing with FUA", options_.lun);
    return Status::Ok();
  }
  return initiator::CheckGood(r, "SYNCHRONIZE CACHE");
}

LunEngine::~LunEngine() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void LunEngine::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  const uint64_t one = 1;
  ssize_t n = write(wake_fd_, &one, sizeof one);
  (void)n;
  if (thread_.joinable()) thread_.join();
  for (auto& p : paths_) p->port->Close();
  stopped_ = true;
}

initiator::ScsiResult LunEngine::Execute(const initiator::ScsiCommand& command) {
  Request req;
  req.command = &command;
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) {
      req.result.transport = Status(StatusCode::kDisconnected, "the LUN is detached");
      return req.result;
    }
    incoming_.push_back(&req);
  }
  // Wake the I/O thread only when it sleeps (or is about to): no syscall while it spins on.
  if (sleeping_.exchange(false, std::memory_order_acq_rel)) {
    const uint64_t one = 1;
    ssize_t n = write(wake_fd_, &one, sizeof one);
    (void)n;
  }
  req.done.wait(false, std::memory_order_acquire);
  return std::move(req.result);
}

void LunEngine::FailFast() {
  fail_fast_.store(true, std::memory_order_release);
  const uint64_t one = 1;
  ssize_t n = write(wake_fd_, &one, sizeof one);
  (void)n;
}

std::vector<PathStatus> LunEngine::Paths() const {
  std::vector<PathStatus> out;
  for (const auto& p : paths_) {
    out.push_back({p->target, p->port->Snapshot(), p->commands.load(std::memory_order_relaxed)});
  }
  return out;
}

void LunEngine::SetListener(std::function<void()> listener) {
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(listener);
}

int LunEngine::PickPath() {
  const size_t n = paths_.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = options_.policy == PathPolicy::kRoundRobin ? (next_path_ + k) % n : k;
    if (paths_[i]->port->state() == PortState::kRunning) {
      if (options_.policy == PathPolicy::kRoundRobin) next_path_ = (i + 1) % n;
      return static_cast<int>(i);
    }
  }
  if (fail_fast_applied_) return -1;
  for (size_t i = 0; i < n; ++i) {  // wait on a blocked path (it holds the command)
    if (paths_[i]->port->state() == PortState::kBlocked) return static_cast<int>(i);
  }
  return -1;
}

void LunEngine::Finish(Request* req, const initiator::ScsiResult& result) {
  req->result = result;
  req->done.store(true, std::memory_order_release);
  req->done.notify_one();
}

void LunEngine::Dispatch(Request* req) {
  // Bounded: a command goes to each path at most a few times before it fails.
  while (req->tries < 4 * paths_.size()) {
    const int i = PickPath();
    if (i < 0) break;
    ++req->tries;
    req->path = static_cast<size_t>(i);
    // Two pointers: the callback fits std::function's inline storage (no allocation).
    Status s = paths_[req->path]->port->Submit(
        *req->command, [this, req](const initiator::ScsiResult& r) { OnPathResult(req, r); });
    if (s.ok()) return;
    if (s.code() == StatusCode::kInvalidArgument) {
      initiator::ScsiResult r;
      r.transport = s;
      Finish(req, r);
      return;
    }
  }
  initiator::ScsiResult r;
  const bool lost = state() == PortState::kLost;
  r.transport = lost ? Status(StatusCode::kNotFound, "every path is lost: the LUN is removed")
                     : Status(StatusCode::kIoError, "no usable path", EIO);
  Finish(req, r);
}

void LunEngine::OnPathResult(Request* req, const initiator::ScsiResult& result) {
  paths_[req->path]->commands.fetch_add(1, std::memory_order_relaxed);
  // A path that failed the command for transport reasons: another path may still carry it.
  if (!result.transport.ok() && result.transport.code() != StatusCode::kInvalidArgument &&
      paths_.size() > 1 && !fail_fast_applied_ && req->tries < 4 * paths_.size()) {
    for (const auto& p : paths_) {
      if (p->port->state() == PortState::kRunning) {
        Dispatch(req);
        return;
      }
    }
  }
  Finish(req, result);
}

void LunEngine::Rebalance() {
  // Commands held by a path that is not running move to a running path at once.
  bool any_running = false;
  for (const auto& p : paths_) any_running |= p->port->state() == PortState::kRunning;
  if (!any_running) return;
  for (size_t i = 0; i < paths_.size(); ++i) {
    initiator::RemotePort& port = *paths_[i]->port;
    if (port.state() == PortState::kRunning || port.outstanding() == 0) continue;
    for (auto& held : port.TakeHeld()) {
      const int j = PickPath();
      if (j < 0) {
        initiator::ScsiResult r;
        r.transport = Status(StatusCode::kIoError, "no usable path", EIO);
        held.done(r);
        continue;
      }
      Status s = paths_[static_cast<size_t>(j)]->port->Submit(held.command, std::move(held.done));
      if (!s.ok()) SRP_LOG(kWarning, "moving a held command failed: {}", s.ToString());
    }
  }
}

void LunEngine::UpdateState() {
  bool changed = false;
  PortState best = PortState::kLost;
  for (const auto& p : paths_) {
    const PortState st = p->port->state();
    if (st != p->last) {
      p->last = st;
      changed = true;
    }
    best = std::min(best, st);  // running < blocked < fail-fast < lost
  }
  state_.store(best, std::memory_order_release);
  if (!changed) return;
  Rebalance();
  std::function<void()> listener;
  {
    std::lock_guard lock(listener_mu_);
    listener = listener_;
  }
  if (listener) listener();
}

void LunEngine::Loop() {
  std::vector<int> fds;
  std::vector<pollfd> pfds;
  for (;;) {
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) break;
      batch_.swap(incoming_);
    }
    if (fail_fast_.load(std::memory_order_acquire) && !fail_fast_applied_) {
      fail_fast_applied_ = true;
      for (auto& p : paths_) p->port->FailFastNow("detaching");
    }
    for (Request* req : batch_) Dispatch(req);
    batch_.clear();
    for (auto& p : paths_) p->port->Progress();
    UpdateState();

    fds.clear();
    fds.push_back(wake_fd_);
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(1);
    for (auto& p : paths_) p->port->ArmWait(&fds, &deadline);
    int callbacks = 0;
    for (auto& p : paths_) callbacks += p->port->Progress();
    sleeping_.store(true, std::memory_order_seq_cst);
    {
      std::lock_guard lock(queue_mu_);
      if (!incoming_.empty() || stopping_) callbacks = 1;
    }
    if (callbacks > 0) {
      sleeping_.store(false, std::memory_order_relaxed);
      for (auto& p : paths_) p->port->AckWait();
      continue;
    }
    pfds.clear();
    for (int fd : fds) pfds.push_back({fd, POLLIN, 0});
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    (void)poll(pfds.data(), pfds.size(), static_cast<int>(std::clamp<int64_t>(wait + 1, 0, 1000)));
    sleeping_.store(false, std::memory_order_relaxed);
    uint64_t v;
    ssize_t n = read(wake_fd_, &v, sizeof v);
    (void)n;
    for (auto& p : paths_) p->port->AckWait();
  }
  // Stopping: everything still queued or in flight fails.
  std::vector<Request*> rest;
  {
    std::lock_guard lock(queue_mu_);
    rest.swap(incoming_);
  }
  for (Request* req : rest) {
    initiator::ScsiResult r;
    r.transport = Status(StatusCode::kDisconnected, "the LUN is detached");
    Finish(req, r);
  }
  for (auto& p : paths_) p->port->Close();
}

}  // namespace srp::attach
