#include "util/sys.h"

#include <unistd.h>

#include <cerrno>

namespace durabench {
namespace {

int LibcOpen(const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); }

const SysCalls kLibc = {
    LibcOpen, ::close,     ::pread,           ::pwrite,    ::pwritev2,
    ::fsync,  ::fdatasync, ::sync_file_range, ::fallocate,
};

// Calls fn until it does not fail with EINTR; returns its result or -errno.
template <typename Fn>
auto RetryEintr(Fn fn) -> decltype(fn()) {
  for (;;) {
    auto r = fn();
    if (r >= 0) return r;
    if (errno != EINTR) return -errno;
  }
}

}  // namespace

namespace internal {
const SysCalls* g_sys = &kLibc;
}  // namespace internal

const SysCalls& LibcSysCalls() { return kLibc; }

void SetSysCalls(const SysCalls* table) { internal::g_sys = table != nullptr ? table : &kLibc; }

int SysOpen(const char* path, int flags, mode_t mode) {
  return RetryEintr([&] { return Sys().open(path, flags, mode); });
}

int SysClose(int fd) {
  int r = Sys().close(fd);
  // After close() fails with EINTR the descriptor is already released on Linux: never retry.
  return r < 0 && errno != EINTR ? -errno : 0;
}

ssize_t SysPread(int fd, void* buf, size_t count, uint64_t offset) {
  return RetryEintr([&] { return Sys().pread(fd, buf, count, static_cast<off_t>(offset)); });
}

ssize_t SysPwrite(int fd, const void* buf, size_t count, uint64_t offset) {
  return RetryEintr([&] { return Sys().pwrite(fd, buf, count, static_cast<off_t>(offset)); });
}

ssize_t SysPwritev2(int fd, const void* buf, size_t count, uint64_t offset, int rwf_flags) {
  struct iovec iov;
  iov.iov_base = const_cast<void*>(buf);
  iov.iov_len = count;
  return RetryEintr(
      [&] { return Sys().pwritev2(fd, &iov, 1, static_cast<off_t>(offset), rwf_flags); });
}

int SysFsync(int fd) {
  return RetryEintr([&] { return Sys().fsync(fd); });
}

int SysFdatasync(int fd) {
  return RetryEintr([&] { return Sys().fdatasync(fd); });
}

int SysSyncFileRange(int fd, uint64_t offset, uint64_t nbytes, unsigned int flags) {
  return RetryEintr([&] {
    return Sys().sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(nbytes), flags);
  });
}

int SysFallocate(int fd, int mode, uint64_t offset, uint64_t len) {
  return RetryEintr([&] {
    return Sys().fallocate(fd, mode, static_cast<off_t>(offset), static_cast<off_t>(len));
  });
}

}  // namespace durabench
