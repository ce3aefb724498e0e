// Status and Result<T>: errors as values.
//
// No exception crosses a folder boundary in statebench. Library exceptions
// (libpqxx, yaml-cpp, nlohmann-json) and error codes (hiredis, RocksDB) are
// converted into a Status at the adapter edge.
//
// Status::Ok() does not allocate, so returning it from a hot path (a backend
// get/put) costs a pointer test.
//
// Thread safety: a Status is a value; distinct objects may be used from
// distinct threads.
#ifndef STATEBENCH_BASE_STATUS_H_
#define STATEBENCH_BASE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace statebench {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flag, config, file contents: exit code 2
  kNotFound,         // a named thing (backend, file, checkpoint) is absent
  kAlreadyExists,
  kFailedPrecondition,  // the call is not valid in the current state
  kResourceExhausted,   // e.g. checkpoint above the jobmanager size cap
  kIoError,             // the OS or a storage library failed
  kCorruption,          // data read back is not what was written
  kUnavailable,         // a server is unreachable or went away
  kDeadlineExceeded,    // a timeout fired
  kPermissionDenied,    // e.g. a password file readable by others
  kUnimplemented,       // not supported by this backend or build
  kInternal,            // a bug in statebench
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : rep_(code == StatusCode::kOk
                 ? nullptr
                 : std::make_shared<const Rep>(Rep{code, std::move(message)})) {
  }

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return Status(StatusCode::kInvalidArgument, std::move(m));
  }
  static Status NotFound(std::string m) {
    return Status(StatusCode::kNotFound, std::move(m));
  }
  static Status AlreadyExists(std::string m) {
    return Status(StatusCode::kAlreadyExists, std::move(m));
  }
  static Status FailedPrecondition(std::string m) {
    return Status(StatusCode::kFailedPrecondition, std::move(m));
  }
  static Status ResourceExhausted(std::string m) {
    return Status(StatusCode::kResourceExhausted, std::move(m));
  }
  static Status IoError(std::string m) {
    return Status(StatusCode::kIoError, std::move(m));
  }
  static Status Corruption(std::string m) {
    return Status(StatusCode::kCorruption, std::move(m));
  }
  static Status Unavailable(std::string m) {
    return Status(StatusCode::kUnavailable, std::move(m));
  }
  static Status DeadlineExceeded(std::string m) {
    return Status(StatusCode::kDeadlineExceeded, std::move(m));
  }
  static Status PermissionDenied(std::string m) {
    return Status(StatusCode::kPermissionDenied, std::move(m));
  }
  static Status Unimplemented(std::string m) {
    return Status(StatusCode::kUnimplemented, std::move(m));
  }
  static Status Internal(std::string m) {
    return Status(StatusCode::kInternal, std::move(m));
  }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The message without the code name; empty for Ok.
  const std::string& message() const;
  // "InvalidArgument: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "prefix: message"; Ok stays Ok.
  Status WithContext(std::string_view prefix) const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

// A value or the Status that explains why there is none. Never holds an Ok
// status without a value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) {
      v_ = Status::Internal("Result constructed from an OK status");
    }
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

}  // namespace statebench

#define SB_CONCAT_INNER_(a, b) a##b
#define SB_CONCAT_(a, b) SB_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define SB_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::statebench::Status sb_status_ = (expr); \
    if (!sb_status_.ok()) return sb_status_;  \
  } while (0)

// `lhs` = the value of the Result `expr`, or return its Status.
#define SB_ASSIGN_OR_RETURN(lhs, expr) \
  SB_ASSIGN_OR_RETURN_IMPL_(SB_CONCAT_(sb_result_, __LINE__), lhs, expr)
#define SB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // STATEBENCH_BASE_STATUS_H_
