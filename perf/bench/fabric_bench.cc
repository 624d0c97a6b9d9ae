// srp-fabric-bench: the soft fabric next to its baselines, in one run on one
// machine: SEND/RECV ping-pong and message rate, RDMA WRITE/READ bandwidth,
// memcpy bandwidth, and TCP loopback ping-pong / message rate / streaming.
// Every transport runs between two processes except memcpy. The runtime is
// bounded: about 11 x --duration plus setup; children carry alarms and die
// with this process.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "perf/bench/bench_result.h"
#include "perf/bench/plain_bench.h"
#include "perf/bench/soft_bench.h"

namespace srp::bench {
namespace {

constexpr const char* kVersion = "0.1.0";

const Measurement* Find(const std::vector<Measurement>& all, Transport t, TestKind k, size_t size) {
  for (const Measurement& m : all) {
    if (m.transport == t && m.kind == k && m.size == size) return &m;
  }
  return nullptr;
}

std::string SizeText(size_t size) {
  if (size >= (1u << 20) && size % (1u << 20) == 0) return fmt::format("{} MiB", size >> 20);
  if (size >= 1024 && size % 1024 == 0) return fmt::format("{} KiB", size >> 10);
  return fmt::format("{} B", size);
}

std::string Rate(double v, const char* unit) {
  if (v >= 1e6) return fmt::format("{:.2f}M {}", v / 1e6, unit);
  if (v >= 1e3) return fmt::format("{:.1f}k {}", v / 1e3, unit);
  return fmt::format("{:.0f} {}", v, unit);
}

std::string Ratio(const Measurement* a, const Measurement* b, bool bandwidth) {
  if (a == nullptr || b == nullptr) return "-";
  const double den = bandwidth ? b->gb_per_second() : b->ops_per_second();
  if (den <= 0) return "-";
  return fmt::format("{:.2f}x", (bandwidth ? a->gb_per_second() : a->ops_per_second()) / den);
}

std::string Lat(const Measurement* m) {
  if (m == nullptr) return "-";
  return fmt::format("{:.1f} / {:.1f} us", m->latency.p50_ns / 1e3, m->latency.p99_ns / 1e3);
}

void PrintTable(const std::vector<Measurement>& all, const BenchConfig& config) {
  fmt::print(
      "srp-fabric-bench {}: soft fabric vs TCP loopback vs memcpy ({:g} s per measurement; "
      "two processes; message window {}, RDMA window {})\n\n",
      kVersion, config.duration_s, config.window, config.rdma_window);
  const auto row = [](const std::string& a, const std::string& b, const std::string& c,
                      const std::string& d, const std::string& e, const std::string& f,
                      const std::string& g) {
    fmt::print("{:<34} {:>7}  {:>16} {:>16} {:>12}  {:>9} {:>11}\n", a, b, c, d, e, f, g);
  };
  row("test", "size", "soft", "tcp", "memcpy", "soft/tcp", "soft/memcpy");
  row(std::string(34, '-'), std::string(7, '-'), std::string(16, '-'), std::string(16, '-'),
      std::string(12, '-'), std::string(9, '-'), std::string(11, '-'));
  const size_t msg = config.message_size;
  const Measurement* spp = Find(all, Transport::kSoft, TestKind::kPingPong, msg);
  const Measurement* tpp = Find(all, Transport::kTcp, TestKind::kPingPong, msg);
  auto ops = [](const Measurement* m, const char* unit) {
    return m ? Rate(m->ops_per_second(), unit) : std::string("-");
  };
  auto gbs = [](const Measurement* m) {
    return m ? fmt::format("{:.2f} GB/s", m->gb_per_second()) : std::string("-");
  };
  row("SEND/RECV ping-pong", SizeText(msg), ops(spp, "rt/s"), ops(tpp, "rt/s"), "-",
      Ratio(spp, tpp, false), "-");
  row("  round trip median / p99", "", Lat(spp), Lat(tpp), "", "", "");
  const Measurement* srate = Find(all, Transport::kSoft, TestKind::kMessageRate, msg);
  const Measurement* trate = Find(all, Transport::kTcp, TestKind::kMessageRate, msg);
  row(fmt::format("one-way messages (window {})", config.window), SizeText(msg),
      ops(srate, "msg/s"), ops(trate, "msg/s"), "-", Ratio(srate, trate, false), "-");
  for (TestKind kind : {TestKind::kRdmaWrite, TestKind::kRdmaRead}) {
    for (size_t size : config.bulk_sizes) {
      const Measurement* s = Find(all, Transport::kSoft, kind, size);
      const Measurement* t = Find(all, Transport::kTcp, TestKind::kStream, size);
      const Measurement* c = Find(all, Transport::kMemcpy, TestKind::kMemcpy, size);
      row(kind == TestKind::kRdmaWrite ? "RDMA WRITE (tcp: stream)" : "RDMA READ (tcp: stream)",
          SizeText(size), gbs(s), gbs(t), gbs(c), Ratio(s, t, true), Ratio(s, c, true));
    }
  }
  fmt::print("\nrt/s = round trips per second; GB/s = 1e9 bytes/s of payload in one direction.\n");
}

nlohmann::json ToJson(const std::vector<Measurement>& all, const BenchConfig& config) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const Measurement& m : all) {
    nlohmann::json job;
    job["jobname"] =
        fmt::format("{}.{}.{}", TransportName(m.transport), TestKindName(m.kind), m.size);
    job["transport"] = TransportName(m.transport);
    job["test"] = TestKindName(m.kind);
    job["size"] = m.size;
    job["runtime"] = static_cast<uint64_t>(std::llround(m.seconds * 1000));  // ms, as fio
    job["total_ios"] = m.ops;
    job["io_bytes"] = m.bytes;
    job["bw_bytes"] = static_cast<uint64_t>(m.seconds > 0 ? m.bytes / m.seconds : 0);
    job["bw"] = static_cast<uint64_t>(m.seconds > 0 ? m.bytes / m.seconds / 1024 : 0);  // KiB/s
    job["iops"] = m.ops_per_second();
    if (m.latency.n > 0) {
      job["lat_ns"] = {
          {"min", m.latency.min_ns},
          {"max", m.latency.max_ns},
          {"mean", m.latency.mean_ns},
          {"stddev", m.latency.stddev_ns},
          {"N", m.latency.n},
          {"percentile", {{"50.000000", m.latency.p50_ns}, {"99.000000", m.latency.p99_ns}}}};
    }
    jobs.push_back(std::move(job));
  }
  nlohmann::json ratios = nlohmann::json::object();
  const size_t msg = config.message_size;
  auto add = [&](const std::string& key, const Measurement* a, const Measurement* b, bool bw) {
    if (a == nullptr || b == nullptr) return;
    const double den = bw ? b->gb_per_second() : b->ops_per_second();
    if (den > 0) ratios[key] = (bw ? a->gb_per_second() : a->ops_per_second()) / den;
  };
  add("pingpong.soft/tcp", Find(all, Transport::kSoft, TestKind::kPingPong, msg),
      Find(all, Transport::kTcp, TestKind::kPingPong, msg), false);
  add("msgrate.soft/tcp", Find(all, Transport::kSoft, TestKind::kMessageRate, msg),
      Find(all, Transport::kTcp, TestKind::kMessageRate, msg), false);
  for (TestKind kind : {TestKind::kRdmaWrite, TestKind::kRdmaRead}) {
    for (size_t size : config.bulk_sizes) {
      const Measurement* s = Find(all, Transport::kSoft, kind, size);
      add(fmt::format("{}.{}.soft/tcp", TestKindName(kind), size), s,
          Find(all, Transport::kTcp, TestKind::kStream, size), true);
      add(fmt::format("{}.{}.soft/memcpy", TestKindName(kind), size), s,
          Find(all, Transport::kMemcpy, TestKind::kMemcpy, size), true);
    }
  }
  nlohmann::json out;
  out["srp-fabric-bench version"] = kVersion;
  out["timestamp"] = static_cast<int64_t>(std::time(nullptr));
  out["options"] = {{"duration_s", config.duration_s},
                    {"spin_us", config.spin_us},
                    {"message_size", config.message_size},
                    {"window", config.window},
                    {"rdma_window", config.rdma_window}};
  out["jobs"] = std::move(jobs);
  out["ratios"] = std::move(ratios);
  return out;
}

int Main(int argc, char** argv) {
  CLI::App app{"srp-fabric-bench: soft fabric vs TCP loopback vs memcpy"};
  BenchConfig config;
  bool quick = false;
  bool json = false;
  std::optional<double> duration;
  app.add_option("--duration", duration, "seconds per measurement (default 1)")
      ->check(CLI::Range(0.05, 60.0));
  app.add_flag("--quick", quick, "0.25 s per measurement (a few seconds in total)");
  app.add_flag("--json", json, "print JSON (fio-style names) instead of the table");
  app.add_option("--message-size", config.message_size, "SEND/TCP message bytes")
      ->check(CLI::Range(16, 4096));
  app.add_option("--window", config.window, "messages in flight for the message rate")
      ->check(CLI::Range(1, 128));
  app.add_option("--spin-us", config.spin_us,
                 "soft: busy-poll microseconds before sleeping on the CQ event fd")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--subnet", config.subnet_dir,
                 "soft-subnet directory (default: a fresh temporary one)");
  CLI11_PARSE(app, argc, argv);
  config.duration_s = duration.value_or(quick ? 0.25 : 1.0);

  // Safety net: the whole run is bounded even if a peer wedges.
  ::alarm(static_cast<unsigned>(std::ceil(config.duration_s * 14)) + 120);

  bool own_dir = false;
  if (config.subnet_dir.empty()) {
    char tmpl[] = "/tmp/srp-fabric-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      fmt::print(stderr, "srp-fabric-bench: mkdtemp: {}\n", std::strerror(errno));
      return 1;
    }
    config.subnet_dir = tmpl;
    own_dir = true;
  }
  std::vector<Measurement> all = RunMemcpy(config);
  int rc = 0;
  // TCP first: its children fork before this process opens the soft fabric.
  auto tcp = RunTcp(config);
  if (tcp.ok()) {
    all.insert(all.end(), tcp->begin(), tcp->end());
  } else {
    fmt::print(stderr, "srp-fabric-bench: tcp: {}\n", tcp.status().ToString());
    rc = 1;
  }
  auto soft = RunSoft(config);
  if (soft.ok()) {
    all.insert(all.end(), soft->begin(), soft->end());
  } else {
    fmt::print(stderr, "srp-fabric-bench: soft fabric: {}\n", soft.status().ToString());
    rc = 1;
  }
  if (own_dir) {
    std::error_code ec;
    std::filesystem::remove_all(config.subnet_dir, ec);
  }
  if (json) {
    fmt::print("{}\n", ToJson(all, config).dump(2));
  } else {
    PrintTable(all, config);
  }
  return rc;
}

}  // namespace
}  // namespace srp::bench

int main(int argc, char** argv) { return srp::bench::Main(argc, argv); }
