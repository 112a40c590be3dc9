#include "support/test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace durabench::testing {

TempDir::TempDir(const std::string& base) {
  std::string root = base;
  if (root.empty()) {
    const char* t = getenv("TMPDIR");
    root = t && *t ? t : "/tmp";
  }
  std::string tmpl = root + "/durabench-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, int timeout_s) {
  CommandResult result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string s(*e);
    const std::string key = s.substr(0, s.find('='));
    if (env.count(key) == 0) env_strings.push_back(s);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  pid_t pid;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = "posix_spawn failed: " + std::to_string(rc);
    return result;
  }
  struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  const time_t deadline = time(nullptr) + timeout_s;
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    int n = poll(fds, 2, 200);
    if (time(nullptr) > deadline && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t r = read(fds[i].fd, buf, sizeof(buf));
      if (r <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(r));
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

int Shell(const std::string& command, std::string* out) {
  CommandResult r = RunCommand({"/bin/sh", "-c", command});
  if (out) *out = r.out;
  return r.exit_code;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool IsRoot() { return geteuid() == 0; }

AlignedBlocks::AlignedBlocks(size_t count, size_t block_bytes) : block_bytes_(block_bytes) {
  void* mem = nullptr;
  if (posix_memalign(&mem, 4096, count * block_bytes) != 0) std::abort();
  mem_ = static_cast<char*>(mem);
  std::memset(mem_, 0, count * block_bytes);
  for (size_t i = 0; i < count; ++i) iovecs_.push_back({Block(i), block_bytes});
}

AlignedBlocks::~AlignedBlocks() { std::free(mem_); }

LoopDevice::LoopDevice(const std::string& dir, uint64_t size_bytes, const std::string& mkfs)
    : dir_(dir), backing_(dir + "/loop.img") {
  if (!IsRoot()) {
    skip_reason_ = "needs root for losetup";
    return;
  }
  if (Shell("command -v losetup >/dev/null") != 0) {
    skip_reason_ = "losetup not installed";
    return;
  }
  if (Shell("truncate -s " + std::to_string(size_bytes) + " " + backing_) != 0) {
    skip_reason_ = "cannot create " + backing_;
    return;
  }
  std::string out;
  if (Shell("losetup -f --show " + backing_ + " 2>/dev/null", &out) != 0 || out.empty()) {
    skip_reason_ = "losetup -f failed (no free loop device?)";
    return;
  }
  device_ = out.substr(0, out.find('\n'));
  if (!mkfs.empty()) {
    if (Shell("command -v " + mkfs + " >/dev/null") != 0) {
      skip_reason_ = mkfs + " not installed";
      return;
    }
    if (Shell(mkfs + " -q " + device_ + " >/dev/null 2>&1") != 0) {
      skip_reason_ = mkfs + " " + device_ + " failed";
      return;
    }
    mount_ = dir + "/mnt";
    mkdir(mount_.c_str(), 0755);
  }
}

bool LoopDevice::Mount() {
  if (mount_.empty() || mounted_) return mounted_;
  mounted_ = Shell("mount " + device_ + " " + mount_) == 0;
  if (!mounted_) skip_reason_ = "mount " + device_ + " failed";
  return mounted_;
}

void LoopDevice::Unmount() {
  if (!mounted_) return;
  for (int i = 0; i < 50 && umount(mount_.c_str()) != 0; ++i) usleep(100000);
  mounted_ = false;
}

LoopDevice::~LoopDevice() {
  Unmount();
  if (!device_.empty()) Shell("losetup -d " + device_);
}

}  // namespace durabench::testing
