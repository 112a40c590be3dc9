#include "util/status.h"

namespace durabench {

int Status::ExitCode() const {
  switch (code_) {
    case Code::kOk:
      return 0;
    case Code::kInvalidArgument:
    case Code::kNotFound:
    case Code::kRefused:
      return 2;
    case Code::kNotSupported:
    case Code::kIoError:
    case Code::kInternal:
      return 3;
  }
  return 3;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg));
}

}  // namespace durabench
