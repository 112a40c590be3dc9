#include "util/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>

#include "util/errno_status.h"

namespace durabench {

Status EnterNetworkNamespace(const std::string& name) {
  if (name.empty() || (name[0] != '/' && name.find('/') != std::string::npos) || name == "." ||
      name == "..") {
    return Status::InvalidArgument("network namespace '" + name +
                                   "': give a name from `ip netns list` or a path");
  }
  const std::string path = name[0] == '/' ? name : "/run/netns/" + name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return Status::NotFound("network namespace " + name + " does not exist (" + path + ")");
    }
    return ErrnoStatus("open", path, err);
  }
  const int rc = ::setns(fd, CLONE_NEWNET);
  const int err = errno;
  ::close(fd);
  if (rc == 0) return Status::Ok();
  if (err == EPERM) {
    return Status::Refused("entering network namespace " + name +
                           " needs CAP_SYS_ADMIN (run as root)");
  }
  if (err == EINVAL) {
    return Status::InvalidArgument(path + " is not a network namespace");
  }
  return ErrnoStatus("setns", path, err);
}

}  // namespace durabench
