#include "util/status.h"

namespace durabench {

int Status::ExitCode() const {
  switch (code_) {
    case Code::kOk:
      return kExitOk;
    case Code::kInvalidArgument:
    case Code::kNotFound:
    case Code::kRefused:
      return kExitInputError;
    case Code::kNotSupported:
    case Code::kIoError:
    case Code::kInternal:
      return kExitRuntimeError;
  }
  return kExitRuntimeError;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg));
}

}  // namespace durabench
