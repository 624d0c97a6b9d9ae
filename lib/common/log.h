// Leveled logging with trace categories (SCST's trace_flag idea).
//
// SRP_LOG(level, "fmt {}", args...) formats only when the level is enabled.
// Output goes to a process-wide sink (stderr by default); tests may replace it.
// Thread-safe: the sink is called under a mutex, one line per call.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace srp {

enum class LogLevel : int { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3, kTrace = 4 };

// Category bits for trace output (used with LogLevel::kTrace).
enum TraceCategory : uint32_t {
  kTraceFabric = 1u << 0,
  kTraceLogin = 1u << 1,
  kTraceIu = 1u << 2,
  kTraceScsi = 1u << 3,
  kTraceRdma = 1u << 4,
  kTraceMad = 1u << 5,
  kTraceTuning = 1u << 6,
};

using LogSink = std::function<void(LogLevel, std::string_view line)>;

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "error|warning|info|debug|trace" (case-insensitive). False if unknown.
bool ParseLogLevel(std::string_view text, LogLevel* out);
void SetTraceMask(uint32_t mask);
uint32_t GetTraceMask();
// Replaces the sink; an empty function restores stderr. Returns the old sink.
LogSink SetLogSink(LogSink sink);

namespace log_internal {
extern std::atomic<int> g_level;
extern std::atomic<uint32_t> g_trace_mask;
void Emit(LogLevel level, std::string_view message);
}  // namespace log_internal

inline bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) <= log_internal::g_level.load(std::memory_order_relaxed);
}
inline bool TraceEnabled(uint32_t category) {
  return LogEnabled(LogLevel::kTrace) &&
         (log_internal::g_trace_mask.load(std::memory_order_relaxed) & category) != 0;
}

}  // namespace srp

#define SRP_LOG(level, ...)                                                          \
  do {                                                                               \
    if (::srp::LogEnabled(::srp::LogLevel::level))                                   \
      ::srp::log_internal::Emit(::srp::LogLevel::level, ::fmt::format(__VA_ARGS__)); \
  } while (0)

#define SRP_TRACE(category, ...)                                                     \
  do {                                                                               \
    if (::srp::TraceEnabled(category))                                               \
      ::srp::log_internal::Emit(::srp::LogLevel::kTrace, ::fmt::format(__VA_ARGS__)); \
  } while (0)
