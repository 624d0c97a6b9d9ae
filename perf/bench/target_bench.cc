// srp-target-bench: end-to-end srp-target throughput and latency over the soft fabric
// (a tool, not a test). Starts `srp-target serve` (nullio LUN 0) pinned to one CPU, runs the
// user-space initiator pinned to another, and measures 4 KiB reads at QD1 and QD32 and
// 1 MiB reads at QD8 for --thread 0 and --thread 1: IOPS, MB/s, latency p50/p99/p99.9 and
// target CPU time per I/O (from /proc/<pid>/stat utime+stime). Runtime is bounded.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/initiator/sync_io.h"
#include "lib/common/companion.h"
#include "lib/common/log.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/scsi/cdb_build.h"

namespace srp::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Workload {
  const char* name;
  uint32_t bs;
  uint32_t qd;
};

struct Row {
  int thread = 0;
  std::string workload;
  uint64_t ios = 0;
  double seconds = 0, iops = 0, mb_per_s = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  double target_cpu_us_per_io = 0;
};

void PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)sched_setaffinity(0, sizeof set, &set);
}

// utime + stime of `pid` in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

class Target {
 public:
  ~Target() { Stop(); }
  Status Start(const std::string& bin, int thread, int cpu) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe");
    pid_ = fork();
    if (pid_ == 0) {
      if (cpu >= 0) PinTo(cpu);
      dup2(out[1], 1);
      const std::string t = std::to_string(thread);
      execl(bin.c_str(), bin.c_str(), "serve", "--fabric", "soft", "--thread", t.c_str(),
            "--srp-max-message-size", "8260", "--poll-mode", "busy", "--log-level", "warning",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
    std::string text;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[1024];
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
      size_t pos;
      while ((pos = text.find('\n')) != std::string::npos) {
        std::string line = text.substr(0, pos);
        text.erase(0, pos + 1);
        if (line.rfind("target: ", 0) == 0 && line.find("service_id") != std::string::npos) {
          target_ = line.substr(8);
        }
        if (line == "ready") return Status::Ok();
      }
    }
    return Status(StatusCode::kTimedOut, "srp-target did not become ready");
  }
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      for (int i = 0; i < 500 && waitpid(pid_, &st, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (waitpid(pid_, &st, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &st, 0);
      }
      pid_ = -1;
    }
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  pid_t pid() const { return pid_; }
  const std::string& target() const { return target_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string target_;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[i];
}

Result<Row> RunWorkload(initiator::Session& s, pid_t target_pid, const Workload& w,
                        double duration) {
  SRP_ASSIGN_OR_RETURN(auto buf, s.AllocateBuffer(size_t{w.bs} * w.qd));
  std::vector<double> lat_us;
  lat_us.reserve(1 << 20);
  uint64_t ios = 0;
  Status failure;
  bool stop = false;
  uint32_t in_flight = 0;
  std::function<void(uint32_t)> submit = [&](uint32_t slot) {
    initiator::ScsiCommand c;
    c.cdb = scsi::BuildRead10(slot * (w.bs / 512), static_cast<uint16_t>(w.bs / 512));
    c.direction = wire::DataDirection::kIn;
    c.segments = {buf->Segment(size_t{slot} * w.bs, w.bs)};
    const auto t0 = Clock::now();
    auto tag = s.Submit(std::move(c), [&, slot, t0](const initiator::ScsiResult& r) {
      --in_flight;
      if (!r.good()) {
        if (failure.ok()) failure = Status(StatusCode::kIoError, r.Describe());
        return;
      }
      ++ios;
      lat_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      if (!stop) submit(slot);
    });
    if (tag.ok()) {
      ++in_flight;
    } else if (failure.ok()) {
      failure = tag.status();
    }
  };
  const double cpu0 = CpuSeconds(target_pid);
  const auto start = Clock::now();
  for (uint32_t i = 0; i < w.qd; ++i) submit(i);
  const auto end = start + std::chrono::duration<double>(duration);
  while (failure.ok() && Clock::now() < end) s.Progress();
  stop = true;
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  (void)s.WaitUntil([&] { return in_flight == 0; }, std::chrono::seconds(10));
  const double cpu1 = CpuSeconds(target_pid);
  SRP_RETURN_IF_ERROR(failure);
  std::sort(lat_us.begin(), lat_us.end());
  Row row;
  row.workload = w.name;
  row.ios = ios;
  row.seconds = seconds;
  row.iops = static_cast<double>(ios) / seconds;
  row.mb_per_s = row.iops * w.bs / 1e6;
  row.p50_us = Percentile(lat_us, 0.50);
  row.p99_us = Percentile(lat_us, 0.99);
  row.p999_us = Percentile(lat_us, 0.999);
  row.target_cpu_us_per_io = ios ? (cpu1 - cpu0) * 1e6 / static_cast<double>(ios) : 0;
  return row;
}

int Main(int argc, char** argv) {
  bool quick = false, json = false;
  double duration = 3.0;
  std::string target_bin = FindCompanionTool("srp-target");
  CLI::App app{"srp-target-bench: srp-target end to end over the soft fabric"};
  app.add_flag("--quick", quick, "short runs (0.5 s per measurement)");
  app.add_flag("--json", json, "JSON on stdout");
  app.add_option("--duration", duration, "seconds per measurement (default 3, max 30)")
      ->check(CLI::Range(0.1, 30.0));
  app.add_option("--target-bin", target_bin, "path of srp-target");
  CLI11_PARSE(app, argc, argv);
  if (quick) duration = 0.5;
  SetLogLevel(LogLevel::kWarning);

  const int ncpu = static_cast<int>(std::thread::hardware_concurrency());
  const int target_cpu = ncpu >= 2 ? 0 : -1;
  if (ncpu >= 2) PinTo(1);
  const Workload workloads[] = {{"4k-qd1", 4096, 1}, {"4k-qd32", 4096, 32}, {"1m-qd8", 1 << 20, 8}};
  std::vector<Row> rows;
  for (int thread : {0, 1}) {
    char tmpl[] = "/tmp/srp-target-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    setenv("SRP_SOFT_FABRIC", tmpl, 1);
    {
      Target target;
      Status st = target.Start(target_bin, thread, target_cpu);
      if (!st.ok()) {
        fmt::print(stderr, "srp-target-bench: {}\n", st.ToString());
        return 1;
      }
      fabric::soft::SoftFabricOptions fo;
      auto fab = fabric::soft::OpenSoftFabric(fo);
      auto opts = initiator::OptionsFromTargetString(target.target());
      if (!fab.ok() || !opts.ok()) return 1;
      opts->queue_size = 64;
      auto session = initiator::Session::Login(**fab, *opts);
      if (!session.ok()) {
        fmt::print(stderr, "srp-target-bench: login: {}\n", session.status().ToString());
        return 1;
      }
      (*session)->set_busy_poll(true);
      initiator::ScsiCommand tur;
      tur.cdb = scsi::BuildTestUnitReady();
      (void)initiator::Execute(**session, tur);  // takes the power-on unit attention
      for (const Workload& w : workloads) {
        auto row = RunWorkload(**session, target.pid(), w, duration);
        if (!row.ok()) {
          fmt::print(stderr, "srp-target-bench: {}: {}\n", w.name, row.status().ToString());
          return 1;
        }
        row->thread = thread;
        rows.push_back(*row);
      }
      (void)(*session)->Logout(false);
      session->reset();
    }
    std::error_code ec;
    std::filesystem::remove_all(tmpl, ec);
  }
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const Row& r : rows) {
      j.push_back({{"thread", r.thread},
                   {"workload", r.workload},
                   {"ios", r.ios},
                   {"seconds", r.seconds},
                   {"iops", r.iops},
                   {"mb_per_s", r.mb_per_s},
                   {"lat_us", {{"p50", r.p50_us}, {"p99", r.p99_us}, {"p99.9", r.p999_us}}},
                   {"target_cpu_us_per_io", r.target_cpu_us_per_io}});
    }
    fmt::print(
        "{}\n",
        nlohmann::json{{"benchmark", "srp-target-bench"}, {"duration_s", duration}, {"results", j}}
            .dump(2));
    return 0;
  }
  fmt::print("{:<7} {:<9} {:>10} {:>9} {:>9} {:>9} {:>9} {:>12}\n", "thread", "workload", "IOPS",
             "MB/s", "p50 us", "p99 us", "p99.9 us", "tgt CPU/IO us");
  for (const Row& r : rows) {
    fmt::print("{:<7} {:<9} {:>10.0f} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>12.2f}\n", r.thread,
               r.workload, r.iops, r.mb_per_s, r.p50_us, r.p99_us, r.p999_us,
               r.target_cpu_us_per_io);
  }
  return 0;
}

}  // namespace
}  // namespace srp::bench

int main(int argc, char** argv) { return srp::bench::Main(argc, argv); }
