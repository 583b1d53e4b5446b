// Status and Result<T>: expected failures as values (STYLE.md habit 4).
//
// A Status carries an error code (a stable snake_case string such as
// "invalid_id_number" that clients may match on), a human message and a
// category that the HTTP boundary maps to a status code. Domain code never
// throws for bad input; it returns one of these.
//
// Thread-safety: plain values, safe to copy between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace jingwu {

// Category of a failure. The HTTP layer maps each to one status code.
enum class ErrorKind {
  kOk = 0,
  kInvalidArgument,     // 400: malformed request (bad JSON, missing field)
  kUnauthenticated,     // 401
  kPermissionDenied,    // 403
  kNotFound,            // 404
  kMethodNotAllowed,    // 405
  kConflict,            // 409
  kTooLarge,            // 413
  kValidation,          // 422: well-formed but semantically invalid
  kRateLimited,         // 429
  kUnavailable,         // 503: storage or database out of reach (disk full, server gone); nothing was stored
  kInternal,            // 500
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorKind kind, std::string code, std::string message)
      : kind_(kind), code_(std::move(code)), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return kind_ == ErrorKind::kOk; }
  ErrorKind kind() const { return kind_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const { return ok() ? "ok" : code_ + ": " + message_; }

  // Explicitly discards a status where failure is acceptable.
  void IgnoreError() const {}

 private:
  ErrorKind kind_ = ErrorKind::kOk;
  std::string code_;
  std::string message_;
};

// Short constructors for the common kinds.
inline Status InvalidArgument(std::string code, std::string msg) {
  return {ErrorKind::kInvalidArgument, std::move(code), std::move(msg)};
}
inline Status Unauthenticated(std::string code, std::string msg) {
  return {ErrorKind::kUnauthenticated, std::move(code), std::move(msg)};
}
inline Status PermissionDenied(std::string code, std::string msg) {
  return {ErrorKind::kPermissionDenied, std::move(code), std::move(msg)};
}
inline Status NotFound(std::string code, std::string msg) {
  return {ErrorKind::kNotFound, std::move(code), std::move(msg)};
}
inline Status Conflict(std::string code, std::string msg) {
  return {ErrorKind::kConflict, std::move(code), std::move(msg)};
}
inline Status Validation(std::string code, std::string msg) {
  return {ErrorKind::kValidation, std::move(code), std::move(msg)};
}
inline Status Unavailable(std::string code, std::string msg) {
  return {ErrorKind::kUnavailable, std::move(code), std::move(msg)};
}
inline Status RateLimited(std::string code, std::string msg) {
  return {ErrorKind::kRateLimited, std::move(code), std::move(msg)};
}
inline Status Internal(std::string msg) {
  return {ErrorKind::kInternal, "internal", std::move(msg)};
}

// Either a value or a failed Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace jingwu

// Returns early with the status of a failed expression.
#define JW_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::jingwu::Status jw_status_ = (expr);    \
    if (!jw_status_.ok()) return jw_status_; \
  } while (0)

#define JW_CONCAT_INNER(a, b) a##b
#define JW_CONCAT(a, b) JW_CONCAT_INNER(a, b)
// JW_ASSIGN_OR_RETURN(auto x, Compute()); binds the value or returns the status.
#define JW_ASSIGN_OR_RETURN(lhs, expr) \
  JW_ASSIGN_OR_RETURN_IMPL(JW_CONCAT(jw_result_, __LINE__), lhs, expr)
#define JW_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
