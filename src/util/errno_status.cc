#include "util/errno_status.h"

#include <cerrno>
#include <cstring>

namespace durabench {

std::string ErrnoString(int err) {
  if (err < 0) err = -err;
  char buf[256];
  // GNU strerror_r returns a pointer that may or may not be buf.
  const char* s = strerror_r(err, buf, sizeof(buf));
  return s;
}

std::string ErrnoName(int err) {
  if (err < 0) err = -err;
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : "errno " + std::to_string(err);
}

Status ErrnoStatus(std::string_view call, std::string_view path, int err) {
  if (err < 0) err = -err;
  std::string msg(call);
  if (!path.empty()) {
    msg += ' ';
    msg += path;
  }
  msg += ": ";
  msg += ErrnoString(err);
  if (err == ENOSYS || err == EOPNOTSUPP) return Status::NotSupported(std::move(msg));
  return Status::IoError(std::move(msg));
}

}  // namespace durabench
