// Status and Result<T>: how every fallible call in kasane reports its outcome.
//
// A Status is a value: a code plus a message. Result<T> holds either a T or a non-OK Status.
// Both are [[nodiscard]]; ignoring one is written out as `(void)` or `IgnoreError()` so it can be
// grepped. Exceptions are reserved for bugs; expected failures (a version conflict, a refused
// disclosure, a missing event) are Status values.
//
// Thread-safety: plain values; safe to copy between threads, not to mutate concurrently.
//
//   Result<Position> r = log.Append(...);
//   if (!r.ok()) return r.status();
//   KASANE_ASSIGN_OR_RETURN(Position p, log.Append(...));
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kasane {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // an id is taken with other content
  kFailedPrecondition,  // a rule refuses the request in the current state (e.g. a domain rule)
  kConflict,            // an optimistic-concurrency check failed (expected version)
  kPermissionDenied,    // the principal may not do this
  kUnauthenticated,     // no valid credentials
  kResourceExhausted,   // disk full, queue full
  kUnavailable,         // try again later (shutting down, not caught up)
  kDataLoss,            // stored data failed verification
  kInternal,            // a bug or an unexpected library failure
  kIoError,             // the operating system or storage failed
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;
  // Explicitly discards the status; greppable.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }

inline std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case StatusCode::kConflict:
      return "conflict";
    case StatusCode::kPermissionDenied:
      return "permission_denied";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kDataLoss:
      return "data_loss";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kIoError:
      return "io_error";
  }
  return "unknown";
}

inline std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

// Result<T>: a T on success, a non-OK Status on failure.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result constructed from an OK status without a value");
    if (status_.ok()) status_ = Internal("Result constructed from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // Precondition: ok().
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace kasane

#define KASANE_CONCAT_INNER_(a, b) a##b
#define KASANE_CONCAT_(a, b) KASANE_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if it is not OK.
#define KASANE_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::kasane::Status kasane_status_ = (expr);        \
    if (!kasane_status_.ok()) return kasane_status_; \
  } while (0)

// Declares/assigns `lhs` from a Result, or returns its status from the enclosing function.
#define KASANE_ASSIGN_OR_RETURN(lhs, expr) \
  KASANE_ASSIGN_OR_RETURN_IMPL_(KASANE_CONCAT_(kasane_result_, __LINE__), lhs, expr)
#define KASANE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
