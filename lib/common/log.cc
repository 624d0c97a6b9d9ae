#include "lib/common/log.h"

#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace srp {
namespace log_internal {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<uint32_t> g_trace_mask{~0u};
}  // namespace log_internal

namespace {
std::mutex g_sink_mu;
LogSink g_sink;  // guarded by g_sink_mu; empty = stderr

char LevelLetter(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return 'E';
    case LogLevel::kWarning: return 'W';
    case LogLevel::kInfo: return 'I';
    case LogLevel::kDebug: return 'D';
    case LogLevel::kTrace: return 'T';
  }
  return '?';
}
}  // namespace

void SetLogLevel(LogLevel level) { log_internal::g_level = static_cast<int>(level); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(log_internal::g_level.load()); }
void SetTraceMask(uint32_t mask) { log_internal::g_trace_mask = mask; }
uint32_t GetTraceMask() { return log_internal::g_trace_mask.load(); }

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  static constexpr std::pair<std::string_view, LogLevel> kNames[] = {
      {"error", LogLevel::kError}, {"warning", LogLevel::kWarning}, {"warn", LogLevel::kWarning},
      {"info", LogLevel::kInfo},   {"debug", LogLevel::kDebug},     {"trace", LogLevel::kTrace}};
  for (const auto& [name, level] : kNames) {
    if (text.size() == name.size() && strncasecmp(text.data(), name.data(), name.size()) == 0) {
      *out = level;
      return true;
    }
  }
  return false;
}

LogSink SetLogSink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_sink_mu);
  LogSink old = std::move(g_sink);
  g_sink = std::move(sink);
  return old;
}

namespace log_internal {
void Emit(LogLevel level, std::string_view message) {
  std::lock_guard<std::mutex> lock(g_sink_mu);
  if (g_sink) {
    g_sink(level, message);
    return;
  }
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm tm_utc{};
  gmtime_r(&ts.tv_sec, &tm_utc);
  std::fprintf(stderr, "%c %02d:%02d:%02d.%06ld [%d] %.*s\n", LevelLetter(level), tm_utc.tm_hour,
               tm_utc.tm_min, tm_utc.tm_sec, ts.tv_nsec / 1000, static_cast<int>(getpid()),
               static_cast<int>(message.size()), message.data());
}
}  // namespace log_internal

}  // namespace srp
