// Helpers shared by the tests: temp directories, running commands, loop devices with a
// filesystem. Each test gets its own directory, removed afterwards (STYLE.md 8).
#pragma once

#include <sys/uio.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace durabench::testing {

// A fresh directory under `base` (default $TMPDIR or /tmp), removed recursively on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& base = "");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // or 128 + signal
  std::string out;
  std::string err;
};

// Runs argv[0] with `argv` (no shell), with `env` added to the environment, and captures output.
// `timeout_s` kills it (SIGKILL) after that many seconds; exit_code is then 137.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {}, int timeout_s = 120);

// Runs a shell command line; returns its exit code (stdout/stderr discarded unless `out`).
int Shell(const std::string& command, std::string* out = nullptr);

std::string ReadFile(const std::string& path);

// `count` zeroed blocks of `block_bytes` each, 4096-byte aligned (O_DIRECT-safe), with an iovec
// per block (for engines that register buffers). Freed on destruction.
class AlignedBlocks {
 public:
  explicit AlignedBlocks(size_t count, size_t block_bytes = 4096);
  ~AlignedBlocks();
  AlignedBlocks(const AlignedBlocks&) = delete;
  AlignedBlocks& operator=(const AlignedBlocks&) = delete;

  char* Block(size_t i) const { return mem_ + i * block_bytes_; }
  const struct iovec* iovecs() const { return iovecs_.data(); }
  size_t count() const { return iovecs_.size(); }

 private:
  size_t block_bytes_;
  char* mem_ = nullptr;
  std::vector<struct iovec> iovecs_;
};
bool IsRoot();

// A loop device over a sparse file in `dir`, optionally with an ext4 filesystem mounted at
// `dir`/mnt. Everything is undone on destruction (unmount, detach). ok() false with
// skip_reason() when the machine cannot do it (not root, no losetup, no loop devices).
class LoopDevice {
 public:
  LoopDevice(const std::string& dir, uint64_t size_bytes, const std::string& mkfs = "");
  ~LoopDevice();
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;

  bool ok() const { return skip_reason_.empty(); }
  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& device() const { return device_; }  // /dev/loopN
  const std::string& backing_file() const { return backing_; }
  const std::string& mount_point() const { return mount_; }  // empty without mkfs
  // Mounts the filesystem at dir/mnt (mkfs must have been given).
  bool Mount();
  void Unmount();

 private:
  std::string dir_;
  std::string backing_;
  std::string device_;
  std::string mount_;
  bool mounted_ = false;
  std::string skip_reason_;
};

}  // namespace durabench::testing
