// srp-handler-bench: vdisk_fileio and vdisk_blockio through the whole target against fio on
// the same device (a tool, not a test).
//
// A tmpfs-backed loop device (handler_bench_support.h) is the disk. For each handler an
// in-process SrpTarget on the soft fabric exports it as LUN 0 and our user-space initiator
// drives 4 KiB random reads and writes at QD1 and QD32; fio (libaio, direct=1) runs the same
// four workloads on the device directly, and vdisk_nullio through the same target shows what
// the target path alone costs. One table: IOPS, p50/p99 latency and the ratio to fio. Ctrl-C stops
// fio and the loop device detaches itself (AUTOCLEAR).
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "initiator_tools/initiator/session.h"
#include "initiator_tools/initiator/sync_io.h"
#include "lib/common/log.h"
#include "lib/fabric/soft/soft_fabric.h"
#include "lib/scsi/cdb_build.h"
#include "perf/bench/bench_result.h"
#include "perf/bench/handler_bench_support.h"
#include "target/backends/aio_backend.h"
#include "target/backends/file_backend.h"
#include "target/backends/null_backend.h"
#include "target/engine/srp_target.h"
#include "target/scsi/logical_unit.h"
#include "target/scsi/lun_map.h"

namespace srp::bench {
namespace {

constexpr uint32_t kIoSize = 4096;

struct Workload {
  const char* name;
  bool write;
  uint32_t qd;
};
constexpr Workload kWorkloads[] = {{"randread-qd1", false, 1},
                                   {"randread-qd32", false, 32},
                                   {"randwrite-qd1", true, 1},
                                   {"randwrite-qd32", true, 32}};

struct Row {
  std::string workload;
  std::string engine;  // fio, fileio, blockio
  uint64_t ios = 0;
  double iops = 0, p50_us = 0, p99_us = 0;
};

// fio's pid while it runs, for the signal handler. Process-wide by nature (signals are).
std::atomic<pid_t> g_fio_pid{0};

void OnSignal(int) {
  const pid_t pid = g_fio_pid.load();
  if (pid > 0) ::kill(pid, SIGTERM);
  // The loop device's descriptors close with the process; AUTOCLEAR detaches it.
  ::_exit(130);
}

// xorshift64*: cheap, deterministic LBA sequence.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed | 1) {}
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ull;
  }

 private:
  uint64_t state_;
};

// Random 4 KiB I/O at a fixed queue depth for `seconds` through `session`.
Result<Row> DriveTarget(initiator::Session& session, const Workload& w, uint64_t device_bytes,
                        double seconds) {
  SRP_ASSIGN_OR_RETURN(auto buffer, session.AllocateBuffer(size_t{kIoSize} * w.qd));
  const uint64_t slots = device_bytes / kIoSize;
  Rng rng(0x5eed + w.qd + (w.write ? 1000 : 0));
  std::vector<double> latency_ns;
  latency_ns.reserve(1 << 20);
  uint64_t ios = 0;
  uint32_t in_flight = 0;
  bool stop = false;
  Status failure;
  std::function<void(uint32_t)> submit = [&](uint32_t slot) {
    const uint64_t lba = (rng.Next() % slots) * (kIoSize / 512);
    initiator::ScsiCommand command;
    command.cdb =
        w.write ? scsi::BuildWrite16(lba, kIoSize / 512) : scsi::BuildRead16(lba, kIoSize / 512);
    command.direction = w.write ? wire::DataDirection::kOut : wire::DataDirection::kIn;
    command.segments = {buffer->Segment(size_t{slot} * kIoSize, kIoSize)};
    const auto t0 = Clock::now();
    auto tag = session.Submit(std::move(command), [&, slot, t0](const initiator::ScsiResult& r) {
      --in_flight;
      if (!r.good()) {
        if (failure.ok()) failure = Status(StatusCode::kIoError, r.Describe());
        return;
      }
      ++ios;
      latency_ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
      if (!stop) submit(slot);
    });
    if (tag.ok()) {
      ++in_flight;
    } else if (failure.ok()) {
      failure = tag.status();
    }
  };
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  for (uint32_t i = 0; i < w.qd; ++i) submit(i);
  while (failure.ok() && Clock::now() < end) session.Progress();
  stop = true;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  (void)session.WaitUntil([&] { return in_flight == 0; }, std::chrono::seconds(10));
  SRP_RETURN_IF_ERROR(failure);
  const LatencySummary summary = Summarize(latency_ns);
  Row row;
  row.workload = w.name;
  row.ios = ios;
  row.iops = static_cast<double>(ios) / elapsed;
  row.p50_us = summary.p50_ns / 1000;
  row.p99_us = summary.p99_ns / 1000;
  return row;
}

// Opens the handler `engine` on `device`. "nullio" ignores the device: it is the baseline of
// what the target path itself costs.
Result<std::shared_ptr<target::BlockBackend>> OpenHandler(const std::string& engine,
                                                          const ShmLoopDevice& device) {
  if (engine == "nullio") {
    target::NullBackendOptions options;
    options.num_blocks = device.size_bytes() / 512;
    SRP_ASSIGN_OR_RETURN(auto null_backend, target::NullBackend::Create(options));
    return std::shared_ptr<target::BlockBackend>(std::move(null_backend));
  }
  if (engine == "fileio") {
    target::FileBackendOptions options;
    options.path = device.path();
    return target::OpenFileBackend(options);
  }
  target::AioBackendOptions options;
  options.path = device.path();
  return target::OpenAioBackend(options);
}

// Exports `engine` on `device` as LUN 0 of an in-process target and runs every workload.
Result<std::vector<Row>> RunHandler(const std::string& engine, const ShmLoopDevice& device,
                                    double seconds, bool busy_poll, int thread) {
  SRP_ASSIGN_OR_RETURN(auto backend, OpenHandler(engine, device));
  target::LogicalUnitOptions lu_options;
  lu_options.name = engine + "0";
  lu_options.vendor = engine == "blockio" ? "SCST_BIO" : "SCST_FIO";
  SRP_ASSIGN_OR_RETURN(auto unit, target::LogicalUnit::Create(lu_options, backend));
  auto luns = std::make_shared<target::LunMap>();
  SRP_RETURN_IF_ERROR(luns->Add(0, unit));

  char subnet[] = "/tmp/srp-handler-bench-XXXXXX";
  if (::mkdtemp(subnet) == nullptr) return Status::FromErrno(errno, "mkdtemp");
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_subnet{subnet};
  fabric::soft::SoftFabricOptions target_port;
  target_port.subnet_dir = subnet;
  target_port.port_name = "target";
  SRP_ASSIGN_OR_RETURN(auto target_fabric, fabric::soft::OpenSoftFabric(target_port));
  fabric::soft::SoftFabricOptions client_port;
  client_port.subnet_dir = subnet;
  client_port.port_name = "initiator";
  SRP_ASSIGN_OR_RETURN(auto client_fabric, fabric::soft::OpenSoftFabric(client_port));

  target::TargetConfig config;
  config.luns = luns;
  config.srp_max_message_size = 8260;
  config.thread = thread;
  config.poll_mode = busy_poll ? target::PollMode::kBusy : target::PollMode::kEvent;
  SRP_ASSIGN_OR_RETURN(auto srp_target, target::SrpTarget::Start(*target_fabric, config));
  const auto lines = srp_target->login_lines();
  if (lines.empty()) return Internal("the target has no listener");
  SRP_ASSIGN_OR_RETURN(auto session_options, initiator::OptionsFromTargetString(lines[0]));
  session_options.queue_size = 64;
  SRP_ASSIGN_OR_RETURN(auto session, initiator::Session::Login(*client_fabric, session_options));
  session->set_busy_poll(true);
  initiator::ScsiCommand tur;
  tur.cdb = scsi::BuildTestUnitReady();
  (void)initiator::Execute(*session, tur);  // takes a pending unit attention, if any

  std::vector<Row> rows;
  for (const Workload& w : kWorkloads) {
    auto row = DriveTarget(*session, w, device.size_bytes(), seconds);
    if (!row.ok()) return row.status().WithContext(fmt::format("{} {}", engine, w.name));
    row->engine = engine;
    rows.push_back(*row);
  }
  (void)session->Logout(false);
  session.reset();
  srp_target->Stop();
  return rows;
}

const Row* FindRow(const std::vector<Row>& rows, const std::string& workload,
                   const std::string& engine) {
  for (const Row& r : rows) {
    if (r.workload == workload && r.engine == engine) return &r;
  }
  return nullptr;
}

void PrintTable(const std::vector<Row>& rows, bool have_fio) {
  fmt::print("{:<15} {:<8} {:>10} {:>9} {:>9} {:>9}\n", "workload", "engine", "IOPS", "p50 us",
             "p99 us", "vs fio");
  for (const Workload& w : kWorkloads) {
    const Row* fio = FindRow(rows, w.name, "fio");
    for (const char* engine : {"fio", "fileio", "blockio", "nullio"}) {
      const Row* r = FindRow(rows, w.name, engine);
      if (r == nullptr) continue;
      const std::string ratio =
          fio != nullptr && fio->iops > 0 ? fmt::format("{:.2f}", r->iops / fio->iops) : "-";
      fmt::print("{:<15} {:<8} {:>10.0f} {:>9.1f} {:>9.1f} {:>9}\n", w.name, engine, r->iops,
                 r->p50_us, r->p99_us, ratio);
    }
  }
  if (!have_fio) fmt::print("fio not found on PATH: its rows were skipped\n");
}

void PrintJson(const std::vector<Row>& rows, double seconds, const std::string& device,
               bool have_fio) {
  nlohmann::json results = nlohmann::json::array();
  for (const Row& r : rows) {
    const Row* fio = FindRow(rows, r.workload, "fio");
    nlohmann::json entry = {{"workload", r.workload},
                            {"engine", r.engine},
                            {"bs", kIoSize},
                            {"iops", r.iops},
                            {"lat_us", {{"p50", r.p50_us}, {"p99", r.p99_us}}}};
    if (r.ios != 0) entry["ios"] = r.ios;
    if (fio != nullptr && fio->iops > 0) entry["vs_fio"] = r.iops / fio->iops;
    results.push_back(entry);
  }
  fmt::print("{}\n", nlohmann::json{{"benchmark", "srp-handler-bench"},
                                    {"duration_s", seconds},
                                    {"device", device},
                                    {"fio", have_fio},
                                    {"results", results}}
                         .dump(2));
}

int Main(int argc, char** argv) {
  double duration = 3.0;
  bool quick = false, json = false, busy_poll = false;
  int thread = 0;
  uint64_t size_mib = 256;
  CLI::App app{"srp-handler-bench: vdisk_fileio and vdisk_blockio through the target vs fio"};
  app.add_option("--duration", duration, "seconds per measurement (default 3)")
      ->check(CLI::Range(0.1, 60.0));
  app.add_flag("--quick", quick, "0.5 s per measurement");
  app.add_flag("--json", json, "JSON on stdout instead of the table");
  app.add_option("--size-mib", size_mib, "loop device size in MiB (default 256, in /dev/shm)")
      ->check(CLI::Range(16, 4096));
  app.add_flag("--busy-poll", busy_poll, "busy-poll the target's CQ (default: event mode)");
  app.add_option("--thread", thread,
                 "SCST `thread`: 0 = SCSI inline in the poll group (default), "
                 "1 = on worker threads")
      ->check(CLI::Range(0, 1));
  app.footer(
      "Needs root (loop devices). Examples:\n"
      "  srp-handler-bench --duration 3\n"
      "  srp-handler-bench --quick --json > handler.json\n"
      "  srp-handler-bench --thread 1 --size-mib 512");
  CLI11_PARSE(app, argc, argv);
  if (quick) duration = 0.5;
  SetLogLevel(LogLevel::kWarning);
  ::signal(SIGINT, OnSignal);
  ::signal(SIGTERM, OnSignal);

  auto device = ShmLoopDevice::Create(size_mib << 20);
  if (!device.ok()) {
    fmt::print(stderr, "srp-handler-bench: {}\n", device.status().ToString());
    return 1;
  }
  std::vector<Row> rows;
  const std::optional<std::string> fio = FindFio();
  if (fio) {
    for (const Workload& w : kWorkloads) {
      FioJob job;
      job.device = (*device)->path();
      job.write = w.write;
      job.iodepth = w.qd;
      job.seconds = duration;
      auto result = RunFio(*fio, job, g_fio_pid);
      if (!result.ok()) {
        fmt::print(stderr, "srp-handler-bench: fio {}: {}\n", w.name, result.status().ToString());
        return 1;
      }
      rows.push_back(Row{w.name, "fio", 0, result->iops, result->p50_us, result->p99_us});
    }
  } else {
    fmt::print(stderr, "srp-handler-bench: fio not found on PATH; skipping its rows\n");
  }
  for (const char* engine : {"fileio", "blockio", "nullio"}) {
    auto handler_rows = RunHandler(engine, **device, duration, busy_poll, thread);
    if (!handler_rows.ok()) {
      fmt::print(stderr, "srp-handler-bench: {}\n", handler_rows.status().ToString());
      return 1;
    }
    rows.insert(rows.end(), handler_rows->begin(), handler_rows->end());
  }
  if (json) {
    PrintJson(rows, duration, (*device)->path(), fio.has_value());
  } else {
    PrintTable(rows, fio.has_value());
  }
  return 0;
}

}  // namespace
}  // namespace srp::bench

int main(int argc, char** argv) { return srp::bench::Main(argc, argv); }
