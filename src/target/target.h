// Opening targets safely: a directory, a regular file, or a raw block device.
//
// Safety rules (DESIGN.md "Targets and safety"); no byte is written before every check passed:
//  - Directory: durabench creates its own files there with O_EXCL ("durabench-<pid>-<job>.dat"),
//    marks them as its own (xattr user.durabench.owner, where the filesystem supports it), lays
//    them out (fallocate, then by default a full write pass + fsync so measured writes are
//    overwrites), and removes them when the PreparedTarget is destroyed unless `keep`.
//    Removal goes through the directory opened at prepare time (unlinkat on a held descriptor),
//    and only after the file there is still the one created: same device and inode as recorded
//    at creation, and the owner xattr naming this process. A directory renamed mid-run, a file
//    moved away, or a same-named file put in its place is left alone (with a warning).
//    Refused: a directory on a kernel pseudo-filesystem (the devtmpfs at /dev, proc, sysfs,
//    cgroup, debugfs, ...): those hold device nodes and kernel state, not storage.
//    With layout_fill, a layout larger than the filesystem's free space is refused up front.
//  - Regular file path: if it does not exist it is created as above (parent must exist), but
//    only with `create` (--create): a target that does not exist is most often a typo or an
//    unmounted mount point, and benchmarking a new file there measures the wrong disk. An
//    existing file durabench did not create (no owner xattr) is refused unless allow_overwrite;
//    it is then used in place (grown to the needed size, never truncated) and never removed.
//  - Block device: only when destroy_data names the same device (compared by st_rdev, so a
//    symlink to it counts). Refused, with the reason, when it (or a partition of it) is mounted,
//    has holders (/sys/class/block/X/holders), cannot be opened O_EXCL (in use), or when libblkid
//    finds any signature (filesystem, partition table, LVM, RAID) unless ignore_signatures.
//    No layout pass; jobs get disjoint regions of the device; nothing is removed afterwards.
//    The PreparedTarget keeps the device open O_RDONLY|O_EXCL until Cleanup() or destruction,
//    so nothing can mount or claim it mid-run; opens without O_EXCL (the engines') still work.
//  - Anything else (char device, FIFO, socket) is refused.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "util/status.h"

namespace durabench {

struct TargetOptions {
  std::string path;
  bool keep = false;               // --keep: leave created files in place
  bool allow_overwrite = false;    // --allow-overwrite: write an existing file we did not create
  bool create = false;             // --create: a path that does not exist becomes a new file
  std::string destroy_data;        // --destroy-data=PATH: must name the same block device
  bool ignore_signatures = false;  // --ignore-signatures: write a device that carries signatures
  bool layout_fill = true;         // full write pass after fallocate (default on for files)
  // When it becomes true (a stop signal), the layout stops between chunks and PrepareTarget
  // fails with "interrupted"; what was created is removed. Not owned; may be null.
  const std::atomic<bool>* stop = nullptr;
  // One file, block device or rbd:// image shared by `share_count` processes (the ranks of
  // `mpirun ... run --shared-target`), each with `jobs` regions of its own: this process is
  // `share_index` and its job j uses region share_index x jobs + j. Index 0 prepares the whole
  // target, sized for every process (the checks, the creation and layout, the O_EXCL hold of a
  // device), and removes what it created; the others join what index 0 prepared, after it
  // did: the same safety checks, but nothing created, laid out, held or removed. A directory,
  // rados:// pool or gluster:// directory gives each process files of its own and is refused.
  uint32_t share_index = 0;
  uint32_t share_count = 1;
  bool joins_shared() const { return share_index > 0; }
};

// The bytes of a target shared by options.share_count processes (TargetOptions), or
// InvalidArgument when that overflows 64 bits; `bytes` for an unshared target.
Result<uint64_t> SharedBytes(const TargetOptions& options, uint64_t bytes);

// What to lay out: `jobs` files (or device regions) of `size_bytes` each.
struct LayoutRequest {
  uint32_t jobs = 1;
  uint64_t size_bytes = 0;
  uint32_t block_size_bytes = 4096;  // the fill pass writes in chunks that are a multiple of this
};

// A URI target (rados://POOL, rbd://POOL/IMAGE, gluster://HOST/VOLUME/PATH) is a kRadosPool,
// kRbdImage or kGlusterDirectory (a kGlusterFile when several processes share it:
// TargetOptions::share_count); src/backend prepares it (PrepareBackendTarget).
// jobs x size_bytes, or InvalidArgument when it overflows 64 bits (jobs must be > 0).
Result<uint64_t> TotalBytes(const LayoutRequest& layout);

enum class TargetKind {
  kDirectory,
  kFile,
  kBlockDevice,
  kRadosPool,
  kRbdImage,
  kGlusterDirectory,
  kGlusterFile,
};
// "directory", "file", "block-device", "rados-pool", "rbd-image", "gluster-directory",
// "gluster-file"
const char* TargetKindName(TargetKind kind);

// One job's data: a path to open, and the byte range [offset, offset + size) it may use.
struct JobFile {
  std::string path;
  uint64_t offset_bytes = 0;
  uint64_t size_bytes = 0;
  bool is_block_device = false;
  // URI targets: the cluster connection (owned by the PreparedTarget); `path` names the
  // object-name prefix, image or file on it.
  BackendConnection* connection = nullptr;
  // Files and file regions: the identity (st_dev, st_ino) the file had when it was laid out, so
  // a job opening it later can tell that the path now names another file. 0 for devices and URI
  // targets (not checked).
  uint64_t dev = 0;
  uint64_t ino = 0;
};

// The jobs' regions of one file, device, image or volume file at `path`: job j gets `size_bytes`
// at region options.share_index x jobs + j (region j when unshared). Identity fields are left
// for the caller.
std::vector<JobFile> RegionJobs(const std::string& path, const LayoutRequest& layout,
                                const TargetOptions& options);

namespace internal {
// A file a PreparedTarget created: its name in the directory it holds open, and its identity at
// creation (what Cleanup() checks before removing it).
struct OwnedFile {
  std::string name;
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool marked = false;  // carries the owner xattr (false where the filesystem has none)
};
}  // namespace internal

// A target ready for I/O. Removes the files it created when destroyed, unless keep; a file that
// existed before (even one an earlier --keep run created) is never removed. Not thread-safe.
class PreparedTarget {
 public:
  PreparedTarget() = default;
  ~PreparedTarget();
  PreparedTarget(const PreparedTarget&) = delete;
  PreparedTarget& operator=(const PreparedTarget&) = delete;
  PreparedTarget(PreparedTarget&&) noexcept;
  PreparedTarget& operator=(PreparedTarget&&) noexcept;

  TargetKind kind() const { return kind_; }
  const std::string& path() const { return path_; }  // as given by the user
  const std::vector<JobFile>& jobs() const { return jobs_; }
  // Facts for the result file: logical block size of the device (512 if unknown), created files
  // (still listed after Cleanup() removed them).
  uint32_t logical_block_size() const { return logical_block_size_; }
  const std::vector<std::string>& created_files() const { return created_; }

  // Removes created files now (unless keep) and releases the exclusive hold on a block device;
  // also done by the destructor. Idempotent. A file is removed only while it is still the one
  // created (see the rules above); one that cannot be removed, or is not removed because it
  // changed, is reported on stderr.
  void Cleanup();

  // A prepared URI target: `jobs` name objects, images or files on `connection`, which removes
  // what it created when the target is cleaned up (unless keep) and is released after.
  static PreparedTarget ForBackend(TargetKind kind, std::string path, std::vector<JobFile> jobs,
                                   std::shared_ptr<BackendConnection> connection, bool keep);
  BackendConnection* connection() const { return connection_.get(); }

 private:
  friend Result<PreparedTarget> PrepareTarget(const TargetOptions&, const LayoutRequest&);

  TargetKind kind_ = TargetKind::kDirectory;
  std::string path_;
  std::vector<JobFile> jobs_;
  std::vector<std::string> created_;
  std::vector<internal::OwnedFile> owned_;
  int dir_fd_ = -1;  // the directory holding owned_ (O_PATH), or -1
  uint32_t logical_block_size_ = 512;
  bool keep_ = false;
  bool cleaned_up_ = false;
  int exclusive_fd_ = -1;                          // block device held O_EXCL, or -1
  std::shared_ptr<BackendConnection> connection_;  // URI targets only
};

// Checks and lays out the target. Refused (exit 2) for safety refusals, IoError for failures.
Result<PreparedTarget> PrepareTarget(const TargetOptions& options, const LayoutRequest& layout);

// The block-device checks alone (no write, no open for writing): OK if a run could write `path`
// under `options`. Exposed for tests and for `probe`.
Status CheckBlockDeviceSafe(const std::string& path, const TargetOptions& options);

}  // namespace durabench
