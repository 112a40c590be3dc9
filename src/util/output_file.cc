#include "util/output_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "util/errno_status.h"
#include "util/sys.h"

namespace durabench {
namespace {

std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Blocks every catchable signal in this thread for its lifetime: a temporary file is never
// left behind by a Ctrl-C that arrives between its creation and its rename or removal. The
// signal stays pending and is delivered (its handler runs, or it kills) when the scope ends.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old_);
  }
  ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t old_;
};

Status Bad(std::string_view flag, const std::string& path, std::string_view why) {
  return Status::InvalidArgument(std::string(flag) + " " + path + ": " + std::string(why));
}

// Follows symlinks from `path` until something that is not a link, or nothing, is there.
Result<std::string> FollowSymlinks(std::string_view flag, const std::string& path) {
  std::string p = path;
  for (int hop = 0; hop <= kMaxSymlinkHops; ++hop) {
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT) return p;
      return Bad(flag, path, "lstat " + p + ": " + ErrnoString(errno));
    }
    if (!S_ISLNK(st.st_mode)) return p;
    std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
    const ssize_t n = readlink(p.c_str(), target.data(), target.size());
    if (n < 0) return Bad(flag, path, "readlink " + p + ": " + ErrnoString(errno));
    target.resize(static_cast<size_t>(n));
    p = (!target.empty() && target[0] == '/') ? target : ParentOf(p) + "/" + target;
  }
  return Bad(flag, path, "more than " + std::to_string(kMaxSymlinkHops) + " symbolic links");
}

// Proves that a file can be created in `dir` (exists, is a directory, is writable, the
// filesystem is not read-only) by creating and removing one beside `resolved`.
Status CheckCreatable(std::string_view flag, const std::string& given,
                      const std::string& resolved) {
  const std::string dir = ParentOf(resolved);
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return Bad(flag, given, "directory " + dir + " does not exist");
    return Bad(flag, given, "stat " + dir + ": " + ErrnoString(errno));
  }
  if (!S_ISDIR(st.st_mode)) return Bad(flag, given, dir + " is not a directory");
  SignalsBlocked blocked;
  std::string probe = resolved + ".tmp.XXXXXX";
  const int fd = mkstemp(probe.data());
  if (fd < 0) return Bad(flag, given, "cannot create a file in " + dir + ": " + ErrnoString(errno));
  close(fd);
  unlink(probe.c_str());
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus("write", path, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status WriteInPlace(const OutputPath& out, std::string_view content) {
  const int fd = SysOpen(out.resolved.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", out.resolved, fd);
  Status st = WriteAll(fd, content, out.resolved);
  if (SysClose(fd) < 0 && st.ok()) st = ErrnoStatus("close", out.resolved, errno);
  return st;
}

Status WriteReplacing(const OutputPath& out, std::string_view content) {
  SignalsBlocked blocked;
  std::string tmp = out.resolved + ".tmp.XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) return ErrnoStatus("create", tmp, errno);
  Status st = WriteAll(fd, content, tmp);
  if (st.ok() && fchmod(fd, out.mode) != 0) st = ErrnoStatus("chmod", tmp, errno);
  if (st.ok()) {
    const int r = SysFsync(fd);
    if (r < 0) st = ErrnoStatus("fsync", tmp, r);
  }
  SysClose(fd);
  if (st.ok() && rename(tmp.c_str(), out.resolved.c_str()) != 0) {
    st = ErrnoStatus("rename", tmp + " to " + out.resolved, errno);
  }
  if (!st.ok()) {
    unlink(tmp.c_str());
    return st;
  }
  // The rename is durable once the directory is.
  const int dfd = SysOpen(ParentOf(out.resolved).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    SysFsync(dfd);
    SysClose(dfd);
  }
  return Status::Ok();
}

Status StdoutError() {
  const int err = errno;
  std::clearerr(stdout);
  return Status::IoError(
      "write to standard output: " + (err != 0 ? ErrnoString(err) : std::string("failed")) +
      " (the output is incomplete)");
}

}  // namespace

Result<OutputPath> CheckOutput(std::string_view flag, const std::string& path) {
  OutputPath out;
  out.given = path;
  if (path == "-") {
    out.resolved = path;
    out.kind = OutputKind::kStdout;
    return out;
  }
  if (path.empty()) return Bad(flag, "''", "empty path");
  Result<std::string> resolved = FollowSymlinks(flag, path);
  if (!resolved.ok()) return resolved.status();
  out.resolved = std::move(resolved).value();
  struct stat st;
  if (stat(out.resolved.c_str(), &st) == 0) {
    out.exists = true;
    out.dev = st.st_dev;
    out.ino = st.st_ino;
    if (S_ISREG(st.st_mode)) {
      out.kind = OutputKind::kReplace;
      out.mode = st.st_mode & 07777;
    } else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      out.kind = OutputKind::kInPlace;
      // A FIFO is not opened here: without a reader yet, that would block or fail.
      if (S_ISCHR(st.st_mode) && access(out.resolved.c_str(), W_OK) != 0) {
        return Bad(flag, path, "not writable: " + ErrnoString(errno));
      }
      return out;
    } else if (S_ISDIR(st.st_mode)) {
      return Bad(flag, path, "is a directory; name a file in it");
    } else if (S_ISBLK(st.st_mode)) {
      return Bad(flag, path, "is a block device; an output is never written to one");
    } else {
      return Bad(flag, path, "is not a regular file, character device or FIFO");
    }
  } else if (errno != ENOENT) {
    return Bad(flag, path, "stat: " + ErrnoString(errno));
  } else if (!out.resolved.empty() && out.resolved.back() == '/') {
    return Bad(flag, path, "names a directory; name a file");
  }
  DURABENCH_RETURN_IF_ERROR(CheckCreatable(flag, path, out.resolved));
  return out;
}

Status RefuseOverwriting(const OutputPath& out, const std::string& other, std::string_view role) {
  if (other.empty() || out.kind != OutputKind::kReplace) return Status::Ok();
  struct stat st;
  bool same = false;
  if (out.exists && stat(other.c_str(), &st) == 0) {
    same = st.st_dev == out.dev && st.st_ino == out.ino;
  } else {
    std::error_code ec1;
    std::error_code ec2;
    const auto a = std::filesystem::weakly_canonical(out.resolved, ec1);
    const auto b = std::filesystem::weakly_canonical(other, ec2);
    same = !ec1 && !ec2 && a == b;
  }
  if (!same) return Status::Ok();
  return Status::InvalidArgument("output " + out.given + " is " + std::string(role) +
                                 "; refusing to write over it (choose another path)");
}

Status WriteOutput(const OutputPath& out, std::string_view flag, std::string_view content) {
  if (out.kind == OutputKind::kStdout) return WriteStdout(content);
  Result<OutputPath> now = CheckOutput(flag, out.given);
  if (!now.ok()) return now.status();
  if (now->kind == OutputKind::kInPlace) return WriteInPlace(*now, content);
  return WriteReplacing(*now, content);
}

Status WriteOutputFile(std::string_view flag, const std::string& path, std::string_view content) {
  Result<OutputPath> out = CheckOutput(flag, path);
  if (!out.ok()) return out.status();
  return WriteOutput(*out, flag, content);
}

Status WriteStdout(std::string_view text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) return StdoutError();
  return FlushStdout();
}

Status FlushStdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) return StdoutError();
  return Status::Ok();
}

}  // namespace durabench
