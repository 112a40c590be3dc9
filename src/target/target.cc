// Directory and regular-file targets, and the dispatch to block devices (target.h).

#include "target/target.h"

#include <fcntl.h>
#include <sys/stat.h>
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

// True when `dir` resolves to /dev or below: a missing /dev/sdX is a typo, never a file to create
// (filling devtmpfs with a benchmark file is the classic dd mistake).
bool UnderDev(const std::string& dir) {
  char resolved[PATH_MAX];
  if (::realpath(dir.c_str(), resolved) == nullptr) return false;
  const std::string_view r = resolved;
  return r == "/dev" || r.rfind("/dev/", 0) == 0;
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
// removed all the same, but a later run cannot recognise a --keep file as ours).
Status MarkOwned(int fd, const std::string& path) {
  const std::string value = std::string(kOwnerPrefix) + " " + std::to_string(::getpid());
  if (::fsetxattr(fd, kOwnerXattr, value.data(), value.size(), 0) != 0 && errno != ENOTSUP &&
      errno != EOPNOTSUPP) {
    return ErrnoStatus("setxattr", path, errno);
  }
  return Status::Ok();
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
            uint32_t block_size_bytes, uint64_t seed) {
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
              const LayoutRequest& layout, bool fill) {
  DURABENCH_RETURN_IF_ERROR(Allocate(fd, path, old_size, total));
  if (fill) {
    const uint64_t seed = 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(::getpid()) ^ total;
    DURABENCH_RETURN_IF_ERROR(Fill(fd, path, old_size, total, layout.block_size_bytes, seed));
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

// Creates `path` with O_EXCL, records it in *created at once (so a later failure still removes
// it), marks it as ours and lays it out to `total` bytes.
Status CreateOwnedFile(const std::string& path, uint64_t total, const LayoutRequest& layout,
                       bool fill, std::vector<std::string>* created) {
  const int rc = SysOpen(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (rc < 0) return ErrnoStatus("open", path, rc);
  ScopedFd fd(rc);
  created->push_back(path);
  Status status = MarkOwned(fd.get(), path);
  if (status.ok()) status = LayOut(fd.get(), path, 0, total, layout, fill);
  return CloseInto(&fd, path, std::move(status));
}

// An existing regular file (`seen` is its stat): ours (owner xattr, left by an earlier --keep
// run) or allowed by allow_overwrite, decided before it is opened for writing. Grown to `total` if
// shorter, never truncated, never removed afterwards.
Status UseExistingFile(const std::string& path, const struct stat& seen, uint64_t total,
                       const TargetOptions& options, const LayoutRequest& layout) {
  const Result<bool> ours = HasOwnerXattr(path);
  if (!ours.ok()) return ours.status();
  if (!*ours && !options.allow_overwrite) {
    return Status::Refused("refusing to write " + path +
                           ": existing file not created by durabench (pass --allow-overwrite to "
                           "use it)");
  }
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
  Status status =
      LayOut(fd.get(), path, static_cast<uint64_t>(st.st_size), total, layout, options.layout_fill);
  return CloseInto(&fd, path, std::move(status));
}

// One file per job in the directory, "durabench-<pid>-<job>.dat".
Status LayOutDirectory(const TargetOptions& options, const LayoutRequest& layout,
                       std::vector<JobFile>* jobs, std::vector<std::string>* created) {
  const std::string pid = std::to_string(::getpid());
  for (uint32_t j = 0; j < layout.jobs; ++j) {
    const std::string file =
        JoinPath(options.path, "durabench-" + pid + "-" + std::to_string(j) + ".dat");
    DURABENCH_RETURN_IF_ERROR(
        CreateOwnedFile(file, layout.size_bytes, layout, options.layout_fill, created));
    jobs->push_back({file, 0, layout.size_bytes, false});
  }
  return Status::Ok();
}

// Job j uses [j * size_bytes, (j + 1) * size_bytes) of one file or device.
void Regions(const std::string& path, const LayoutRequest& layout, bool is_block_device,
             std::vector<JobFile>* jobs) {
  for (uint32_t j = 0; j < layout.jobs; ++j) {
    jobs->push_back({path, uint64_t{j} * layout.size_bytes, layout.size_bytes, is_block_device});
  }
}

const char* FileTypeName(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "neither a directory, a regular file nor a block device";
}

}  // namespace

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
  }
  return "unknown";
}

PreparedTarget::~PreparedTarget() { Cleanup(); }

PreparedTarget::PreparedTarget(PreparedTarget&& other) noexcept
    : kind_(other.kind_),
      path_(std::move(other.path_)),
      jobs_(std::exchange(other.jobs_, {})),
      created_(std::exchange(other.created_, {})),
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
  if (std::exchange(cleaned_up_, true) || keep_) return;
  for (const std::string& file : created_) {
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
      std::fprintf(stderr, "durabench: warning: could not remove %s: %s\n", file.c_str(),
                   ErrnoString(errno).c_str());
    }
  }
}

Result<PreparedTarget> PrepareTarget(const TargetOptions& options, const LayoutRequest& layout) {
  if (options.path.empty()) return Status::InvalidArgument("no target path given");
  if (layout.jobs == 0) return Status::InvalidArgument("layout needs at least 1 job");
  if (layout.size_bytes == 0) return Status::InvalidArgument("layout size must be > 0 bytes");
  if (layout.block_size_bytes == 0) return Status::InvalidArgument("block size must be > 0");
  const Result<uint64_t> total = TotalBytes(layout);
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
    target.kind_ = TargetKind::kFile;
    status = CreateOwnedFile(path, *total, layout, options.layout_fill, &target.created_);
    if (status.ok()) Regions(path, layout, false, &target.jobs_);
  } else if (S_ISDIR(st.st_mode)) {
    target.kind_ = TargetKind::kDirectory;
    status = LayOutDirectory(options, layout, &target.jobs_, &target.created_);
  } else if (S_ISREG(st.st_mode)) {
    target.kind_ = TargetKind::kFile;
    status = UseExistingFile(path, st, *total, options, layout);
    if (status.ok()) Regions(path, layout, false, &target.jobs_);
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
          std::to_string(layout.jobs) + " jobs x " + std::to_string(layout.size_bytes) +
          " bytes need " + std::to_string(*total));
    }
    Regions(path, layout, true, &target.jobs_);
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
