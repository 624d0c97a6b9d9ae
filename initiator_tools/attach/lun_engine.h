// One LUN over one or more paths (RemotePorts to target ports that name the same logical
// unit), driven by one I/O thread; Execute() may be called from any number of threads
// (srp-attach's FUSE workers), so up to every path's negotiated credits are in flight.
//
// Paths: every target line is one path. At Start, each path must answer INQUIRY VPD 0x83
// for the LUN with a logical-unit designator (NAA, EUI-64 or SCSI name) that path 0 also
// reports -- else they are not the same logical unit and Start fails.
// Dispatch: failover (the first running path) or round-robin (running paths in turn). A
// path that leaves "running" gives its held commands to a running path at once; with no
// running path, commands wait on a blocked path (its RemotePort holds them) and fail as
// its fast_io_fail_tmo / dev_loss_tmo say. The engine is "lost" when every path is lost.
//
// Threading: Execute(), FailFast(), Paths() and state() are thread-safe; the listener runs
// on the I/O thread. Per command the I/O path takes one short mutex (the submission
// queue) and allocates nothing of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "initiator_tools/initiator/remote_port.h"
#include "lib/common/status.h"

namespace srp::attach {

enum class PathPolicy : uint8_t { kFailover, kRoundRobin };
Result<PathPolicy> ParsePathPolicy(std::string_view text);  // "failover" | "round-robin"
const char* PathPolicyName(PathPolicy policy);

struct EngineOptions {
  uint32_t lun = 1;
  initiator::FailureTimeouts timeouts;
  PathPolicy policy = PathPolicy::kFailover;
};

struct PathStatus {
  std::string target;  // the target line of the path
  initiator::PortSnapshot port;
  uint64_t commands = 0;  // completed through this path
};

// What a LUN is, read once at Start through path 0.
struct LunGeometry {
  uint32_t block_size = 512;
  uint64_t num_blocks = 0;
  bool sync_cache = true;              // SYNCHRONIZE CACHE works (else every write uses FUA)
  bool unmap = false;                  // LBPME: UNMAP / WRITE SAME with UNMAP are supported
  bool lbprz = false;                  // unmapped blocks read as zeros
  uint32_t max_unmap_blocks = 0;       // VPD B0 (0 = no limit given)
  uint64_t max_write_same_blocks = 0;  // VPD B0 (0 = no limit given)
  std::string designator;              // the shared VPD 0x83 designator, hex
};

class LunEngine {
 public:
  // Connects every path, checks they name one logical unit, reads the geometry and starts
  // the I/O thread.
  static Result<std::unique_ptr<LunEngine>> Start(fabric::Fabric& fabric,
                                                  const std::vector<std::string>& targets,
                                                  std::vector<initiator::SessionOptions> paths,
                                                  const EngineOptions& options);
  ~LunEngine();  // Stop()
  LunEngine(const LunEngine&) = delete;
  LunEngine& operator=(const LunEngine&) = delete;

  const LunGeometry& geometry() const { return geometry_; }
  uint32_t lun() const { return options_.lun; }

  // Runs `command` (its segments registered on the engine's fabric) until a path answers
  // or the paths' failure timeouts end it. Blocks the caller. Thread-safe.
  initiator::ScsiResult Execute(const initiator::ScsiCommand& command);

  // From now on, I/O that cannot go out at once fails with EIO instead of waiting (detach).
  void FailFast();
  // "running" (some path runs), "blocked", "fail-fast" or "lost" (every path lost).
  initiator::PortState state() const { return state_.load(std::memory_order_acquire); }
  std::vector<PathStatus> Paths() const;
  // Called on the I/O thread whenever a path changes state (e.g. to rewrite a status file).
  void SetListener(std::function<void()> listener);
  fabric::Fabric& fabric() { return fabric_; }

  // Logs every path out and ends the I/O thread; pending commands fail. Idempotent.
  void Stop();

 private:
  struct Request {
    const initiator::ScsiCommand* command = nullptr;
    initiator::ScsiResult result;
    std::atomic<bool> done{false};
    uint32_t tries = 0;
    size_t path = 0;  // where it was last dispatched
  };
  struct Path {
    std::string target;
    std::unique_ptr<initiator::RemotePort> port;
    initiator::PortState last = initiator::PortState::kRunning;
    std::atomic<uint64_t> commands{0};
  };

  LunEngine(fabric::Fabric& fabric, EngineOptions options) : fabric_(fabric), options_(options) {}
  Status ReadGeometry();
  void Loop();
  void Dispatch(Request* req);
  void Finish(Request* req, const initiator::ScsiResult& result);
  void OnPathResult(Request* req, const initiator::ScsiResult& result);
  void Rebalance();
  void UpdateState();
  int PickPath();

  fabric::Fabric& fabric_;
  EngineOptions options_;
  LunGeometry geometry_;
  std::vector<std::unique_ptr<Path>> paths_;
  size_t next_path_ = 0;
  std::atomic<initiator::PortState> state_{initiator::PortState::kRunning};
  std::atomic<bool> fail_fast_{false};
  bool fail_fast_applied_ = false;

  std::mutex queue_mu_;
  std::vector<Request*> incoming_;  // guarded by queue_mu_
  std::vector<Request*> batch_;     // the I/O thread's copy
  bool stopping_ = false;           // guarded by queue_mu_
  int wake_fd_ = -1;
  std::atomic<bool> sleeping_{false};  // the I/O thread is in (or entering) poll()

  mutable std::mutex listener_mu_;
  std::function<void()> listener_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

}  // namespace srp::attach
