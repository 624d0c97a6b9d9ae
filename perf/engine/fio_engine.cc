#include "perf/engine/fio_engine.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace srp::perf {
namespace {

std::string Seconds(double s) {
  // fio takes integer seconds without a suffix; use ms for fractions.
  const double ms = std::round(s * 1000);
  if (std::fmod(ms, 1000) == 0) return fmt::format("{}", static_cast<uint64_t>(ms / 1000));
  return fmt::format("{}ms", static_cast<uint64_t>(ms));
}

std::string ReadAllFd(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  return out;
}

}  // namespace

std::string FioJobFile(const Workload& w, const FioOptions& o) {
  std::ostringstream f;
  f << "[global]\n"
    << "ioengine=" << o.ioengine << "\n"
    << "direct=" << (o.direct ? 1 : 0) << "\n"
    << "filename=" << o.filename << "\n"
    << "rw=" << RwModeName(w.rw) << "\n"
    << "bs=" << w.bs << "\n"
    << "iodepth=" << w.iodepth << "\n"
    << "numjobs=" << w.numjobs << "\n"
    << "time_based=1\n"
    << "runtime=" << Seconds(w.runtime_s) << "\n";
  if (w.ramp_time_s > 0) f << "ramp_time=" << Seconds(w.ramp_time_s) << "\n";
  if (w.size > 0) f << "size=" << w.size << "\n";
  if (w.rw == RwMode::kReadWrite || w.rw == RwMode::kRandRw) {
    f << "rwmixread=" << w.rwmixread << "\n";
  }
  f << "randrepeat=1\n"
    << "\n[job]\n";
  return f.str();
}

Result<std::vector<JobResult>> ParseFioOutput(std::string_view text) {
  const size_t brace = text.find('{');
  if (brace == std::string_view::npos) return ProtocolError("fio printed no JSON");
  nlohmann::ordered_json j =
      nlohmann::ordered_json::parse(text.substr(brace), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return ProtocolError("fio's output is not valid JSON");
  auto jobs = j.find("jobs");
  if (jobs == j.end() || !jobs->is_array() || jobs->empty()) {
    return ProtocolError("fio's JSON has no jobs");
  }
  std::vector<JobResult> out;
  int index = 0;
  for (const nlohmann::ordered_json& job : *jobs) {
    if (!job.is_object()) return ProtocolError("fio's JSON: a job is not an object");
    if (job.value("error", 0) != 0) {
      return Status(StatusCode::kIoError,
                    fmt::format("fio job {} failed with error {}", index, job.value("error", 0)));
    }
    JobResult r;
    r.jobname = fmt::format("job{}", index++);
    r.read = IoStatsFromFioJson(job.value("read", nlohmann::ordered_json()));
    r.write = IoStatsFromFioJson(job.value("write", nlohmann::ordered_json()));
    out.push_back(std::move(r));
  }
  return out;
}

bool FioAvailable(const std::string& fio_binary) {
  if (fio_binary.find('/') != std::string::npos) return ::access(fio_binary.c_str(), X_OK) == 0;
  const char* path = ::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((dir + "/" + fio_binary).c_str(), X_OK) == 0) return true;
  }
  return false;
}

Result<std::vector<JobResult>> RunFio(const Workload& workload, const FioOptions& options,
                                      const std::string& work_dir, const std::atomic<bool>* stop) {
  SRP_RETURN_IF_ERROR(workload.Validate());
  if (options.filename.empty()) return InvalidArgument("fio engine needs --filename");
  if (!FioAvailable(options.fio_binary)) {
    return Status(StatusCode::kNotFound,
                  fmt::format("fio ('{}') is not installed or not in PATH", options.fio_binary));
  }
  const std::string job_path = work_dir + "/fio-job.fio";
  const std::string err_path = work_dir + "/fio-stderr.txt";
  {
    std::ofstream job(job_path, std::ios::trunc);
    job << FioJobFile(workload, options);
    if (!job) return Status(StatusCode::kIoError, "cannot write " + job_path);
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe");
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    return Status::FromErrno(errno, "fork");
  }
  if (pid == 0) {
    ::dup2(out[1], 1);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::execlp(options.fio_binary.c_str(), options.fio_binary.c_str(), "--output-format=json",
             job_path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  bool interrupted = false;
  for (;;) {
    pollfd p{out[0], POLLIN, 0};
    const int rc = ::poll(&p, 1, 100);
    if (rc > 0) {
      char buf[4096];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n > 0) {
        text.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) break;
      if (errno != EINTR) break;
    }
    if (!interrupted && stop != nullptr && stop->load()) {
      ::kill(pid, SIGINT);
      interrupted = true;
    }
  }
  text += ReadAllFd(out[0]);
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  Result<std::vector<JobResult>> parsed = ParseFioOutput(text);
  if (!parsed.ok() || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream err(err_path);
    std::string err_text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    while (!err_text.empty() && (err_text.back() == '\n' || err_text.back() == ' ')) {
      err_text.pop_back();
    }
    if (parsed.ok() && interrupted) return parsed;
    return Status(StatusCode::kIoError,
                  fmt::format("fio failed (status {}): {}", status,
                              err_text.empty() ? parsed.status().ToString() : err_text));
  }
  return parsed;
}

}  // namespace srp::perf
