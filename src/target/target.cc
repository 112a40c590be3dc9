// Directory and regular-file targets, and the dispatch to block devices (target.h).

#include "target/target.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "target/blockdev.h"
#include "util/errno_status.h"
#include "util/process_tag.h"
#include "util/sys.h"

namespace durabench {
namespace {

// Marks a file as created by durabench. Its value starts with kOwnerPrefix; the pid after it
// is for people only.
constexpr char kOwnerXattr[] = "user.durabench.owner";
constexpr std::string_view kOwnerPrefix = "durabench";

// The fill pass writes chunks of about this size from a buffer aligned for O_DIRECT.
constexpr uint64_t kFillChunkBytes = 1 << 20;
constexpr size_t kBufferAlignment = 4096;

// A descriptor closed on scope exit unless Release()d; for error paths.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) SysClose(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// The directory part of `path` ("." for a bare name), ignoring trailing slashes.
std::string DirName(const std::string& path) {
  const size_t last = path.find_last_not_of('/');
  if (last == std::string::npos) return "/";
  const size_t slash = path.rfind('/', last);
  if (slash == std::string::npos) return ".";
  const size_t end = path.find_last_not_of('/', slash);
  return end == std::string::npos ? "/" : path.substr(0, end + 1);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  return !dir.empty() && dir.back() == '/' ? dir + name : dir + "/" + name;
}

// The last component of `path` (no trailing slashes in target file paths: see PrepareTarget).
std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The owner xattr's value for files this process creates.
std::string OwnerValue() { return std::string(kOwnerPrefix) + " " + std::to_string(::getpid()); }

// Kernel pseudo-filesystems (statfs f_type): device nodes and kernel state, never storage.
// devtmpfs reports the tmpfs magic, so /dev is recognised by its device number instead.
struct PseudoFs {
  int64_t magic;
  const char* name;
};
constexpr PseudoFs kPseudoFilesystems[] = {
    {PROC_SUPER_MAGIC, "proc"},
    {SYSFS_MAGIC, "sysfs"},
    {DEVPTS_SUPER_MAGIC, "devpts"},
    {CGROUP_SUPER_MAGIC, "cgroup"},
    {CGROUP2_SUPER_MAGIC, "cgroup2"},
    {DEBUGFS_MAGIC, "debugfs"},
    {TRACEFS_MAGIC, "tracefs"},
    {SECURITYFS_MAGIC, "securityfs"},
    {BPF_FS_MAGIC, "bpf"},
    {PSTOREFS_MAGIC, "pstore"},
    {EFIVARFS_MAGIC, "efivarfs"},
    {0x62656570 /* CONFIGFS_MAGIC */, "configfs"},
    {0x19800202 /* MQUEUE_MAGIC */, "mqueue"},
};

// Refused when `dir` (an existing directory: the target, or the one a target file is in) is on
// the filesystem mounted at /dev or on a kernel pseudo-filesystem. `path` is what the user gave.
Status RefusePseudoFilesystem(const std::string& dir, const std::string& path) {
  struct statfs fs;
  if (::statfs(dir.c_str(), &fs) == 0) {
    for (const PseudoFs& p : kPseudoFilesystems) {
      if (static_cast<int64_t>(fs.f_type) == p.magic) {
        return Status::Refused("refusing to use " + path + ": it is on " + p.name +
                               ", a kernel pseudo-filesystem, not storage");
      }
    }
  }
  // /dev is a devtmpfs (or, in containers, a tmpfs) of device nodes; /dev/shm, a mount of its
  // own, has another device number and stays usable. Only when /dev is a mount of its own: on a
  // system where /dev is a plain directory of the root filesystem, st_dev says nothing.
  struct stat d, dev, root;
  if (::stat(dir.c_str(), &d) == 0 && ::stat("/dev", &dev) == 0 && ::stat("/", &root) == 0 &&
      dev.st_dev != root.st_dev && d.st_dev == dev.st_dev) {
    return Status::Refused("refusing to use " + path +
                           ": it is on the filesystem of /dev (device nodes), not storage; name a "
                           "block device with --destroy-data, or a directory on a filesystem");
  }
  return Status::Ok();
}

// With a fill pass every byte is written, so a layout larger than the free space would only fail
// later with ENOSPC after a long write. Filesystems that report no size (f_blocks 0, some FUSE)
// are not checked.
Status CheckFreeSpace(const std::string& dir, const std::string& path, uint64_t needed_bytes) {
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0 || vfs.f_blocks == 0) return Status::Ok();
  const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (needed_bytes <= free_bytes) return Status::Ok();
  return Status::InvalidArgument("target " + path + ": the layout needs " +
                                 std::to_string(needed_bytes) + " bytes, the filesystem has " +
                                 std::to_string(free_bytes) +
                                 " free (lower --jobs or --size, or use --no-layout-fill)");
}

// True when `dir` resolves to /dev or below and is on /dev's own filesystem: a missing /dev/sdX is
// a typo, never a file to create (filling devtmpfs with a benchmark file is the classic dd
// mistake). A filesystem mounted below /dev (/dev/shm, a tmpfs) holds files like any other.
bool UnderDev(const std::string& dir) {
  char resolved[PATH_MAX];
  if (::realpath(dir.c_str(), resolved) == nullptr) return false;
  const std::string_view r = resolved;
  if (r != "/dev" && r.rfind("/dev/", 0) != 0) return false;
  struct stat d, dev;
  return ::stat(resolved, &d) != 0 || ::stat("/dev", &dev) != 0 || d.st_dev == dev.st_dev;
}

// Whether the file carries durabench's owner xattr. A filesystem without user xattrs (ENOTSUP)
// cannot tell, which counts as "not ours".
Result<bool> HasOwnerXattr(const std::string& path) {
  char value[64];
  const ssize_t n = ::getxattr(path.c_str(), kOwnerXattr, value, sizeof(value));
  if (n < 0) {
    if (errno == ENODATA || errno == ENOTSUP || errno == ERANGE) return false;
    return ErrnoStatus("getxattr", path, errno);
  }
  return std::string_view(value, static_cast<size_t>(n)).substr(0, kOwnerPrefix.size()) ==
         kOwnerPrefix;
}

// Sets the owner xattr; a filesystem without user xattrs is not an error (the file is then
// removed all the same, but a later run cannot recognise a --keep file as ours). *marked says
// whether the mark was set.
Status MarkOwned(int fd, const std::string& path, bool* marked) {
  const std::string value = OwnerValue();
  *marked = ::fsetxattr(fd, kOwnerXattr, value.data(), value.size(), 0) == 0;
  if (!*marked && errno != ENOTSUP && errno != EOPNOTSUPP) {
    return ErrnoStatus("setxattr", path, errno);
  }
  return Status::Ok();
}

// Why the file `name` in `dir_fd` must not be removed as `owned`, or "" when it is still the
// file this process created: a regular file with the recorded device and inode and, where it was
// marked, the owner xattr naming this process (an inode number can be reused by a new file).
std::string NotOurs(int dir_fd, const internal::OwnedFile& owned) {
  const int fd = ::openat(dir_fd, owned.name.c_str(),
                          O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? "gone" : "open: " + ErrnoString(errno);
  ScopedFd file(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return "fstat: " + ErrnoString(errno);
  if (!S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_dev) != owned.dev ||
      static_cast<uint64_t>(st.st_ino) != owned.ino) {
    return "it is not the file durabench created (moved or replaced during the run)";
  }
  if (!owned.marked) return "";
  char value[64];
  const ssize_t n = ::fgetxattr(fd, kOwnerXattr, value, sizeof(value));
  if (n < 0 || std::string_view(value, static_cast<size_t>(n)) != OwnerValue()) {
    return "its owner mark is not this run's";
  }
  return "";
}

// Makes the file at least `total` bytes long with blocks allocated; never shrinks it.
// fallocate(mode 0) only allocates and extends; where the filesystem cannot (EOPNOTSUPP, e.g.
// some FUSE or older ZFS) the file is extended sparse with ftruncate instead.
Status Allocate(int fd, const std::string& path, uint64_t old_size, uint64_t total) {
  const int rc = SysFallocate(fd, 0, 0, total);
  if (rc == 0) return Status::Ok();
  if (rc != -EOPNOTSUPP && rc != -ENOSYS) return ErrnoStatus("fallocate", path, rc);
  if (old_size >= total) return Status::Ok();
  while (::ftruncate(fd, static_cast<off_t>(total)) != 0) {
    if (errno != EINTR) return ErrnoStatus("ftruncate", path, errno);
  }
  return Status::Ok();
}

// Writes [begin, end) of the file with pseudo-random bytes, in chunks that are a multiple of
// block_size_bytes (the last one may be shorter). Random so that compressing or deduplicating
// storage stores every block for real; each 4 KiB piece also starts with its own offset so no
// two pieces are equal. After this pass the measured writes are overwrites of allocated,
// written blocks instead of first writes to unwritten extents, which cost extra metadata.
Status Fill(int fd, const std::string& path, uint64_t begin, uint64_t end,
            uint32_t block_size_bytes, uint64_t seed, const std::atomic<bool>* stop) {
  if (begin >= end) return Status::Ok();
  const uint64_t block = std::max<uint64_t>(block_size_bytes, 1);
  const uint64_t chunk = std::max(block, kFillChunkBytes / block * block);
  const size_t alloc =
      static_cast<size_t>((chunk + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment);
  std::unique_ptr<unsigned char, FreeDeleter> buf(
      static_cast<unsigned char*>(std::aligned_alloc(kBufferAlignment, alloc)));
  if (buf == nullptr) return Status::IoError("fill " + path + ": out of memory");
  uint64_t x = seed | 1;  // xorshift64: fast, and random enough to defeat compression
  for (size_t i = 0; i + sizeof(x) <= alloc; i += sizeof(x)) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(buf.get() + i, &x, sizeof(x));
  }
  for (uint64_t offset = begin; offset < end;) {
    if (stop != nullptr && stop->load())
      return Status::IoError("layout of " + path + ": interrupted");
    const size_t len = static_cast<size_t>(std::min(chunk, end - offset));
    for (size_t piece = 0; piece + sizeof(uint64_t) <= len; piece += kBufferAlignment) {
      const uint64_t stamp = (offset + piece) ^ seed;
      std::memcpy(buf.get() + piece, &stamp, sizeof(stamp));
    }
    for (size_t done = 0; done < len;) {
      const ssize_t n = SysPwrite(fd, buf.get() + done, len - done, offset + done);
      if (n < 0) return ErrnoStatus("write", path, static_cast<int>(n));
      if (n == 0) return Status::IoError("write " + path + ": no progress (wrote 0 bytes)");
      done += static_cast<size_t>(n);
    }
    offset += len;
  }
  return Status::Ok();
}

// Lays out an open file that is `old_size` bytes long to `total` bytes: allocate, fill the bytes
// past old_size when `fill` (bytes that already existed are left as they are), then fsync so the
// layout is on stable storage before anything is measured.
Status LayOut(int fd, const std::string& path, uint64_t old_size, uint64_t total,
              const LayoutRequest& layout, bool fill, const std::atomic<bool>* stop) {
  DURABENCH_RETURN_IF_ERROR(Allocate(fd, path, old_size, total));
  if (fill) {
    const uint64_t seed = 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(::getpid()) ^ total;
    DURABENCH_RETURN_IF_ERROR(Fill(fd, path, old_size, total, layout.block_size_bytes, seed, stop));
  }
  const int rc = SysFsync(fd);
  if (rc < 0) return ErrnoStatus("fsync", path, rc);
  // Measuring starts from a cold page cache, as fio's default invalidate=1 does: pages left
  // cached by the fill pass would change what buffered reads and writes cost. Best effort.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  return Status::Ok();
}

// Closes `fd`; a close error (on NFS it can carry a write-back error) fails `status` if it was OK.
Status CloseInto(ScopedFd* fd, const std::string& path, Status status) {
  const int rc = SysClose(fd->Release());
  if (status.ok() && rc < 0) return ErrnoStatus("close", path, rc);
  return status;
}

// Where created files go and are recorded (the PreparedTarget's members).
struct Creation {
  int dir_fd;  // the directory the files are created in, held open (O_PATH)
  std::vector<std::string>* created;
  std::vector<internal::OwnedFile>* owned;
};

// Creates `path` (the file `name` in c.dir_fd) with O_EXCL, records it at once with its device
// and inode (so a later failure still removes it, and only it), marks it as ours and lays it out
// to `total` bytes.
Status CreateOwnedFile(const std::string& path, const std::string& name, uint64_t total,
                       const LayoutRequest& layout, const TargetOptions& options,
                       const Creation& c) {
  const int rc = SysOpen(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (rc < 0) return ErrnoStatus("open", path, rc);
  ScopedFd fd(rc);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    // Without its identity the file could not be told apart from a replacement: removed now.
    const int err = errno;
    (void)::unlinkat(c.dir_fd, name.c_str(), 0);
    return ErrnoStatus("fstat", path, err);
  }
  c.created->push_back(path);
  c.owned->push_back({name, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)});
  Status status = MarkOwned(fd.get(), path, &c.owned->back().marked);
  if (status.ok()) {
    status = LayOut(fd.get(), path, 0, total, layout, options.layout_fill, options.stop);
  }
  return CloseInto(&fd, path, std::move(status));
}

// The directory `dir`, held open for the *at() calls of cleanup (O_PATH: no read permission
// needed, and nothing is read through it).
Result<int> OpenDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", dir, errno);
  return fd;
}

// An existing file is written only when durabench made it (its owner xattr: an earlier --keep
// run) or allow_overwrite says so; `what` names it in the refusal ("existing file").
Status CheckOursOrAllowed(const std::string& path, const TargetOptions& options,
                          const std::string& what) {
  const Result<bool> ours = HasOwnerXattr(path);
  if (!ours.ok()) return ours.status();
  if (!*ours && !options.allow_overwrite) {
    return Status::Refused("refusing to write " + path + ": " + what +
                           " not created by durabench (pass --allow-overwrite to use it)");
  }
  return Status::Ok();
}

// An existing regular file (`seen` is its stat): ours (owner xattr, left by an earlier --keep
// run) or allowed by allow_overwrite, decided before it is opened for writing. Grown to `total` if
// shorter, never truncated, never removed afterwards.
Status UseExistingFile(const std::string& path, const struct stat& seen, uint64_t total,
                       const TargetOptions& options, const LayoutRequest& layout) {
  if (options.layout_fill && total > static_cast<uint64_t>(seen.st_size)) {
    DURABENCH_RETURN_IF_ERROR(
        CheckFreeSpace(DirName(path), path, total - static_cast<uint64_t>(seen.st_size)));
  }
  DURABENCH_RETURN_IF_ERROR(CheckOursOrAllowed(path, options, "existing file"));
  // O_NONBLOCK: should the path have been replaced by a FIFO meanwhile, open fails instead of
  // waiting for a reader; fstat() then checks that the file opened is the one checked.
  const int rc = SysOpen(path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (rc < 0) return ErrnoStatus("open", path, rc);
  ScopedFd fd(rc);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat", path, errno);
  if (!S_ISREG(st.st_mode) || st.st_dev != seen.st_dev || st.st_ino != seen.st_ino) {
    return Status::Refused("refusing to write " + path + ": it was replaced while being checked");
  }
  Status status = LayOut(fd.get(), path, static_cast<uint64_t>(st.st_size), total, layout,
                         options.layout_fill, options.stop);
  return CloseInto(&fd, path, std::move(status));
}

// A regular file another process of the run prepared for all of them (TargetOptions::share_index
// > 0): durabench's (owner xattr) or allowed by allow_overwrite, as for the process that prepared
// it, since on another host the same path may name another file; and already as large as every
// process's regions need. Nothing is opened or written here: each job checks, when it opens the
// file, that it is still the one seen (JobFile's dev and ino).
Status JoinExistingFile(const std::string& path, const struct stat& seen, uint64_t total,
                        const TargetOptions& options) {
  DURABENCH_RETURN_IF_ERROR(CheckOursOrAllowed(path, options, "a shared file"));
  if (static_cast<uint64_t>(seen.st_size) < total) {
    return Status::InvalidArgument("shared file " + path + " holds " +
                                   std::to_string(seen.st_size) + " bytes, not the " +
                                   std::to_string(total) +
                                   " its first process laid out: is it the same file on every "
                                   "host?");
  }
  return Status::Ok();
}

// One file per job in the directory, "durabench-<tag>-<job>.dat" (util/process_tag.h: the pid,
// with the rank before it under mpirun).
Status LayOutDirectory(const TargetOptions& options, const LayoutRequest& layout,
                       std::vector<JobFile>* jobs, const Creation& c) {
  const std::string tag = ProcessTag();
  for (uint32_t j = 0; j < layout.jobs; ++j) {
    const std::string name = "durabench-" + tag + "-" + std::to_string(j) + ".dat";
    const std::string file = JoinPath(options.path, name);
    DURABENCH_RETURN_IF_ERROR(CreateOwnedFile(file, name, layout.size_bytes, layout, options, c));
    const internal::OwnedFile& owned = c.owned->back();
    jobs->push_back({file, 0, layout.size_bytes, false, nullptr, owned.dev, owned.ino});
  }
  return Status::Ok();
}

// RegionJobs of one file or device: `st` is the file's identity for a regular file, nullptr for a
// device.
void Regions(const std::string& path, const LayoutRequest& layout, const TargetOptions& options,
             const struct stat* st, std::vector<JobFile>* jobs) {
  for (JobFile& job : RegionJobs(path, layout, options)) {
    job.is_block_device = st == nullptr;
    if (st != nullptr) {
      job.dev = static_cast<uint64_t>(st->st_dev);
      job.ino = static_cast<uint64_t>(st->st_ino);
    }
    jobs->push_back(std::move(job));
  }
}

const char* FileTypeName(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "neither a directory, a regular file nor a block device";
}

}  // namespace

std::vector<JobFile> RegionJobs(const std::string& path, const LayoutRequest& layout,
                                const TargetOptions& options) {
  std::vector<JobFile> jobs;
  for (uint32_t j = 0; j < layout.jobs; ++j) {
    JobFile job;
    job.path = path;
    job.offset_bytes = (uint64_t{options.share_index} * layout.jobs + j) * layout.size_bytes;
    job.size_bytes = layout.size_bytes;
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Result<uint64_t> SharedBytes(const TargetOptions& options, uint64_t bytes) {
  if (options.share_count == 0 || options.share_index >= options.share_count) {
    return Status::InvalidArgument("process " + std::to_string(options.share_index) + " of " +
                                   std::to_string(options.share_count) + " sharing a target");
  }
  if (bytes > std::numeric_limits<uint64_t>::max() / options.share_count) {
    return Status::InvalidArgument(std::to_string(options.share_count) + " x " +
                                   std::to_string(bytes) +
                                   " bytes of a shared target is too large");
  }
  return bytes * options.share_count;
}

Result<uint64_t> TotalBytes(const LayoutRequest& layout) {
  if (layout.size_bytes > std::numeric_limits<uint64_t>::max() / layout.jobs) {
    return Status::InvalidArgument("layout of " + std::to_string(layout.jobs) + " jobs x " +
                                   std::to_string(layout.size_bytes) + " bytes is too large");
  }
  return layout.size_bytes * layout.jobs;
}

const char* TargetKindName(TargetKind kind) {
  switch (kind) {
    case TargetKind::kDirectory:
      return "directory";
    case TargetKind::kFile:
      return "file";
    case TargetKind::kBlockDevice:
      return "block-device";
    case TargetKind::kRadosPool:
      return "rados-pool";
    case TargetKind::kRbdImage:
      return "rbd-image";
    case TargetKind::kGlusterDirectory:
      return "gluster-directory";
    case TargetKind::kGlusterFile:
      return "gluster-file";
  }
  return "unknown";
}

PreparedTarget::~PreparedTarget() { Cleanup(); }

PreparedTarget::PreparedTarget(PreparedTarget&& other) noexcept
    : kind_(other.kind_),
      path_(std::move(other.path_)),
      jobs_(std::exchange(other.jobs_, {})),
      created_(std::exchange(other.created_, {})),
      owned_(std::exchange(other.owned_, {})),
      dir_fd_(std::exchange(other.dir_fd_, -1)),
      logical_block_size_(other.logical_block_size_),
      keep_(other.keep_),
      cleaned_up_(std::exchange(other.cleaned_up_, true)),
      exclusive_fd_(std::exchange(other.exclusive_fd_, -1)),
      connection_(std::move(other.connection_)) {}

PreparedTarget& PreparedTarget::operator=(PreparedTarget&& other) noexcept {
  if (this != &other) {
    Cleanup();
    kind_ = other.kind_;
    path_ = std::move(other.path_);
    jobs_ = std::exchange(other.jobs_, {});
    created_ = std::exchange(other.created_, {});
    owned_ = std::exchange(other.owned_, {});
    dir_fd_ = std::exchange(other.dir_fd_, -1);
    logical_block_size_ = other.logical_block_size_;
    keep_ = other.keep_;
    cleaned_up_ = std::exchange(other.cleaned_up_, true);
    exclusive_fd_ = std::exchange(other.exclusive_fd_, -1);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

PreparedTarget PreparedTarget::ForBackend(TargetKind kind, std::string path,
                                          std::vector<JobFile> jobs,
                                          std::shared_ptr<BackendConnection> connection,
                                          bool keep) {
  PreparedTarget t;
  t.kind_ = kind;
  t.path_ = std::move(path);
  t.jobs_ = std::move(jobs);
  for (JobFile& job : t.jobs_) job.connection = connection.get();
  t.keep_ = keep;
  t.connection_ = std::move(connection);
  return t;
}

void PreparedTarget::Cleanup() {
  if (exclusive_fd_ >= 0) SysClose(std::exchange(exclusive_fd_, -1));
  if (connection_) {
    // The connection removes what it created; releasing it disconnects (outside any phase).
    if (!std::exchange(cleaned_up_, true)) connection_->RemoveCreated(keep_);
    connection_.reset();
    return;
  }
  if (std::exchange(cleaned_up_, true) || keep_ || dir_fd_ < 0) {
    if (dir_fd_ >= 0) SysClose(std::exchange(dir_fd_, -1));
    return;
  }
  // Through the directory opened at prepare time, and only a file that is still ours: a path
  // would name whatever is there now (a renamed directory's replacement, someone's file).
  // What is checked can still be swapped before unlinkat(); no call removes "this inode only".
  for (size_t i = 0; i < owned_.size(); ++i) {
    const internal::OwnedFile& owned = owned_[i];
    const std::string& file = created_[i];
    const std::string why = NotOurs(dir_fd_, owned);
    if (why == "gone") continue;
    if (!why.empty()) {
      std::fprintf(stderr, "durabench: warning: not removing %s: %s\n", file.c_str(), why.c_str());
      continue;
    }
    if (::unlinkat(dir_fd_, owned.name.c_str(), 0) != 0 && errno != ENOENT) {
      std::fprintf(stderr, "durabench: warning: could not remove %s: %s\n", file.c_str(),
                   ErrnoString(errno).c_str());
    }
  }
  SysClose(std::exchange(dir_fd_, -1));
}

Result<PreparedTarget> PrepareTarget(const TargetOptions& options, const LayoutRequest& layout) {
  if (options.path.empty()) return Status::InvalidArgument("no target path given");
  if (layout.jobs == 0) return Status::InvalidArgument("layout needs at least 1 job");
  if (layout.size_bytes == 0) return Status::InvalidArgument("layout size must be > 0 bytes");
  if (layout.block_size_bytes == 0) return Status::InvalidArgument("block size must be > 0");
  const Result<uint64_t> mine = TotalBytes(layout);
  if (!mine.ok()) return mine.status();
  // What is created, laid out and checked: every sharing process's regions.
  const Result<uint64_t> total = SharedBytes(options, *mine);
  if (!total.ok()) return total.status();

  // Until the layout succeeded keep_ stays false, so an early return removes what was created.
  PreparedTarget target;
  target.path_ = options.path;
  const std::string& path = options.path;
  struct stat st;
  Status status;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoStatus("stat", path, errno);
    if (path.back() == '/') return Status::NotFound("target directory " + path + " does not exist");
    if (options.joins_shared()) {
      return Status::NotFound("shared target " + path +
                              " does not exist here, though the first process prepared it: "
                              "every process must see the same file (a shared filesystem)");
    }
    const std::string parent = DirName(path);
    struct stat parent_st;
    if (::stat(parent.c_str(), &parent_st) != 0 || !S_ISDIR(parent_st.st_mode)) {
      return Status::NotFound("target " + path + " does not exist, nor does its directory " +
                              parent);
    }
    if (UnderDev(parent)) {
      return Status::NotFound("target " + path +
                              " does not exist (durabench creates no files under /dev: is the "
                              "device name right?)");
    }
    if (!options.create) {
      return Status::NotFound("target " + path +
                              " does not exist; create the directory, or name a new file with "
                              "--create");
    }
    DURABENCH_RETURN_IF_ERROR(RefusePseudoFilesystem(parent, path));
    if (options.layout_fill) DURABENCH_RETURN_IF_ERROR(CheckFreeSpace(parent, path, *total));
    target.kind_ = TargetKind::kFile;
    Result<int> dir_fd = OpenDirectory(parent);
    if (!dir_fd.ok()) return dir_fd.status();
    target.dir_fd_ = *dir_fd;
    status = CreateOwnedFile(path, BaseName(path), *total, layout, options,
                             {target.dir_fd_, &target.created_, &target.owned_});
    if (status.ok()) {
      struct stat created;
      created.st_dev = static_cast<dev_t>(target.owned_.back().dev);
      created.st_ino = static_cast<ino_t>(target.owned_.back().ino);
      Regions(path, layout, options, &created, &target.jobs_);
    }
  } else if (S_ISDIR(st.st_mode)) {
    if (options.share_count > 1) {
      return Status::InvalidArgument(
          "a directory is no shared target: each process gets files "
          "of its own there; share a file or a block device");
    }
    target.kind_ = TargetKind::kDirectory;
    DURABENCH_RETURN_IF_ERROR(RefusePseudoFilesystem(path, path));
    if (options.layout_fill) DURABENCH_RETURN_IF_ERROR(CheckFreeSpace(path, path, *total));
    Result<int> dir_fd = OpenDirectory(path);
    if (!dir_fd.ok()) return dir_fd.status();
    target.dir_fd_ = *dir_fd;
    status = LayOutDirectory(options, layout, &target.jobs_,
                             {target.dir_fd_, &target.created_, &target.owned_});
  } else if (S_ISREG(st.st_mode)) {
    target.kind_ = TargetKind::kFile;
    DURABENCH_RETURN_IF_ERROR(RefusePseudoFilesystem(DirName(path), path));
    status = options.joins_shared() ? JoinExistingFile(path, st, *total, options)
                                    : UseExistingFile(path, st, *total, options, layout);
    if (status.ok()) Regions(path, layout, options, &st, &target.jobs_);
  } else if (S_ISBLK(st.st_mode)) {
    target.kind_ = TargetKind::kBlockDevice;
    internal::BlockDeviceClaim claim;
    status = internal::ClaimBlockDevice(path, options, &claim);
    if (!status.ok()) return status;
    target.exclusive_fd_ = claim.fd;
    target.logical_block_size_ = claim.logical_block_size;
    if (*total > claim.size_bytes) {
      return Status::InvalidArgument(
          "block device " + path + " holds " + std::to_string(claim.size_bytes) + " bytes; " +
          std::to_string(layout.jobs) + " jobs x " + std::to_string(layout.size_bytes) + " bytes" +
          (options.share_count > 1 ? " x " + std::to_string(options.share_count) + " processes"
                                   : std::string()) +
          " need " + std::to_string(*total));
    }
    Regions(path, layout, options, nullptr, &target.jobs_);
  } else {
    return Status::Refused("refusing to write " + path + ": it is " + FileTypeName(st.st_mode) +
                           "; a target must be a directory, a regular file or a block device");
  }
  if (!status.ok()) return status;
  if (target.kind_ != TargetKind::kBlockDevice) {
    // The block size of the device under the filesystem, for O_DIRECT alignment facts.
    struct stat file_st;
    if (::stat(target.jobs_.front().path.c_str(), &file_st) == 0) {
      target.logical_block_size_ = internal::LogicalBlockSizeOf(file_st.st_dev);
    }
  }
  target.keep_ = options.keep;
  return target;
}

}  // namespace durabench
