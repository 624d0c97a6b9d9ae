// Status and Result<T>: the error vocabulary for system and setup failures.
//
// Status is a cheap value type (LevelDB style): OK carries no allocation.
// A failed Status has a code, a human message and, where the failure came
// from a system call, the errno value (so callers can map EEXIST and the like).
// SCSI outcomes and SRP login rejects are NOT Statuses; see architecture.md.
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace srp {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,    // bad input from a caller, a file or the wire
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnavailable,        // peer unreachable, device missing
  kTimedOut,
  kIoError,            // a system call failed (see sys_errno())
  kProtocolError,      // the peer violated a protocol
  kRejected,           // a connection request was rejected by the peer
  kResourceExhausted,  // queue full, out of memory, out of credits
  kNotSupported,
  kCancelled,
  kDisconnected,       // the connection is gone
  kRemoteAccessError,  // remote memory key/bounds/access check failed
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, int sys_errno = 0)
      : code_(code), sys_errno_(sys_errno), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  // A kIoError (or a better-fitting code for common errnos) from `err`,
  // message "<what>: <strerror(err)>".
  static Status FromErrno(int err, std::string_view what);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  int sys_errno() const { return sys_errno_; }
  const std::string& message() const { return message_; }
  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  int sys_errno_ = 0;
  std::string message_;
};

inline Status InvalidArgument(std::string msg) {
  return Status(StatusCode::kInvalidArgument, std::move(msg));
}
inline Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
inline Status ProtocolError(std::string msg) {
  return Status(StatusCode::kProtocolError, std::move(msg));
}
inline Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

// Result<T> holds either a T or a failed Status.
// REQUIRES: a Result is never constructed from an OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "Result built from OK");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace srp

#define SRP_STATUS_CONCAT_INNER_(a, b) a##b
#define SRP_STATUS_CONCAT_(a, b) SRP_STATUS_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function when it failed.
#define SRP_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::srp::Status srp_status_tmp_ = (expr);  \
    if (!srp_status_tmp_.ok()) return srp_status_tmp_; \
  } while (0)

// Declares/assigns `lhs` from the value of Result-valued `expr`, or returns its Status.
#define SRP_ASSIGN_OR_RETURN(lhs, expr) \
  SRP_ASSIGN_OR_RETURN_IMPL_(SRP_STATUS_CONCAT_(srp_result_, __LINE__), lhs, expr)
#define SRP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
