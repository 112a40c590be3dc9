#include "util/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "util/errno_status.h"
#include "util/sys.h"
#include "util/units.h"

namespace durabench {
namespace {

const char* FileTypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

std::string TooLarge(const std::string& path, uint64_t size, uint64_t max_bytes,
                     std::string_view what) {
  return path + ": " + FormatSizeBytes(size) + " is larger than the " + FormatSizeBytes(max_bytes) +
         " limit for a " + std::string(what);
}

}  // namespace

Result<std::string> ReadRegularFile(const std::string& path, uint64_t max_bytes,
                                    std::string_view what) {
  // stat first: a device is never opened (opening some has effects: a tape rewinds). The path
  // may change before the open, so the open file is checked again with fstat.
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + ": not a regular file (" + FileTypeName(st.st_mode) +
                                   "); valid: a " + std::string(what));
  }
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. It has no effect
  // on regular files, the only kind read below.
  const int fd = SysOpen(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    // A path the user can correct (missing, not permitted, not a directory on the way) is an
    // input error (exit 2); anything else (EIO, ENOMEM, ...) failed on the system's side.
    const Status error = ErrnoStatus("open", path, -fd);
    switch (-fd) {
      case ENOENT:
        return Status::NotFound(error.message());
      case EACCES:
      case EPERM:
      case ENOTDIR:
      case ELOOP:
      case ENAMETOOLONG:
        return Status::InvalidArgument(error.message());
      default:
        return error;
    }
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { SysClose(fd); }
  } closer{fd};
  if (fstat(fd, &st) != 0) return ErrnoStatus("fstat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + ": not a regular file (" + FileTypeName(st.st_mode) +
                                   "); valid: a " + std::string(what));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) return Status::InvalidArgument(TooLarge(path, size, max_bytes, what));
  std::string text;
  text.resize(static_cast<size_t>(size));
  uint64_t done = 0;
  // Reads to end of file (it may have grown since fstat), never beyond max_bytes + 1.
  for (;;) {
    if (done == text.size()) {
      if (done > max_bytes) return Status::InvalidArgument(TooLarge(path, done, max_bytes, what));
      text.resize(static_cast<size_t>(std::min<uint64_t>(max_bytes + 1, done + 65536)));
    }
    const ssize_t n = SysPread(fd, text.data() + done, text.size() - done, done);
    if (n < 0) return ErrnoStatus("read", path, static_cast<int>(-n));
    if (n == 0) break;
    done += static_cast<uint64_t>(n);
  }
  text.resize(static_cast<size_t>(done));
  return text;
}

}  // namespace durabench
