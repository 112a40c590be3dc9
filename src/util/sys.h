// The thin, swappable layer over the libc calls that do I/O.
//
// Every system call that touches target data goes through the table returned by Sys(), so tests
// can count calls (did psync really call fdatasync?) and inject errors or delays without a mock
// engine. The table's entries have libc semantics (-1 and errno). The wrappers below are what the
// rest of the code calls: they retry EINTR in this one place (never for close(), whose fd is gone
// after the first call on Linux) and return the result or -errno, as liburing does.
//
// Thread-safety: SetSysCalls() must not race with I/O; tests call it before starting a run.
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

namespace durabench {

struct SysCalls {
  int (*open)(const char* path, int flags, mode_t mode);
  int (*close)(int fd);
  ssize_t (*pread)(int fd, void* buf, size_t count, off_t offset);
  ssize_t (*pwrite)(int fd, const void* buf, size_t count, off_t offset);
  ssize_t (*pwritev2)(int fd, const struct iovec* iov, int iovcnt, off_t offset, int flags);
  int (*fsync)(int fd);
  int (*fdatasync)(int fd);
  int (*sync_file_range)(int fd, off_t offset, off_t nbytes, unsigned int flags);
  int (*fallocate)(int fd, int mode, off_t offset, off_t len);
};

// The libc implementation.
const SysCalls& LibcSysCalls();

namespace internal {
extern const SysCalls* g_sys;
}  // namespace internal

// The table in use. Never null.
inline const SysCalls& Sys() { return *internal::g_sys; }

// Installs `table` (must outlive its use); nullptr restores LibcSysCalls(). For tests.
void SetSysCalls(const SysCalls* table);

// EINTR-retrying wrappers: each returns the call's non-negative result or -errno.
int SysOpen(const char* path, int flags, mode_t mode = 0);
int SysClose(int fd);  // not retried on EINTR
ssize_t SysPread(int fd, void* buf, size_t count, uint64_t offset);
ssize_t SysPwrite(int fd, const void* buf, size_t count, uint64_t offset);
// Single-buffer pwritev2 with RWF_* flags.
ssize_t SysPwritev2(int fd, const void* buf, size_t count, uint64_t offset, int rwf_flags);
int SysFsync(int fd);
int SysFdatasync(int fd);
int SysSyncFileRange(int fd, uint64_t offset, uint64_t nbytes, unsigned int flags);
int SysFallocate(int fd, int mode, uint64_t offset, uint64_t len);

}  // namespace durabench
