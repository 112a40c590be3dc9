// Status and Result<T>: how setup paths report failure (STYLE.md 7).
//
// A Status is either OK or carries a code and a one-line message that names what failed and
// where ("open /dev/sdb: Device or resource busy"). Result<T> holds a T or a non-OK Status.
// Neither throws. The hot I/O loop does not use them: per-operation errors are counted there.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace durabench {

// Exit codes, the same for every command (`durabench --help`, README). 128 + N: run, plp or eval
// stopped by signal N (cli/terminal.h).
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;   // gate: a regression; plp --expect: another verdict
inline constexpr int kExitInputError = 2;    // usage, or input the user can fix
inline constexpr int kExitRuntimeError = 3;  // I/O or the system failed, or a bug

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // the user's input is wrong: exit code 2
    kNotFound,         // a named thing (workload, file) does not exist: exit code 2
    kRefused,          // a safety check said no: exit code 2
    kNotSupported,     // the kernel / engine / filesystem cannot do it: tests skip (77)
    kIoError,          // an I/O or system call failed at run time: exit code 3
    kInternal,         // a bug in durabench: exit code 3
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status Refused(std::string msg) { return {Code::kRefused, std::move(msg)}; }
  static Status NotSupported(std::string msg) { return {Code::kNotSupported, std::move(msg)}; }
  static Status IoError(std::string msg) { return {Code::kIoError, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // The message without a code prefix; empty when ok().
  const std::string& message() const { return message_; }
  // Process exit code for this status: 0, 2 (usage/input/refusal) or 3 (I/O/runtime).
  int ExitCode() const;

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Result<T>: a value or a non-OK Status. Access to value() of an error is a bug (asserted).
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok());
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

}  // namespace durabench

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define DURABENCH_RETURN_IF_ERROR(expr) \
  do {                                  \
    ::durabench::Status _st = (expr);   \
    if (!_st.ok()) return _st;          \
  } while (0)
