// Every way a run can end leaves nothing behind (issue 12, items 7-9 and the small ones of 12):
// each stop signal, a second Ctrl-C, a closed stdout, threads that cannot be created, absurd
// intervals and CPU lists, a target directory renamed mid-run, pseudo-filesystem targets and an
// unknown command. The real binary runs on tmpfs; waits poll for its output, never a fixed
// sleep that an idle machine happens to satisfy.
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "durabench_runner.h"

extern char** environ;

namespace durabench::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A short first phase, whose summary line tells the test that the run is measuring, then a long
// one to interrupt. 1 MiB files: the layout takes milliseconds.
constexpr char kTwoPhases[] = R"(description = "lifecycle test: a short phase, then a long one"
[defaults]
block_size = "4KiB"
size = "1MiB"
pattern = "randwrite"
sync = "none"

[[phase]]
name = "first"
ops = 50
runtime = "0s"

[[phase]]
name = "second"
runtime = "60s"
)";

// Names in `dir` that start with `prefix` or contain `part`.
std::vector<std::string> Names(const std::string& dir, const std::string& prefix,
                               const std::string& part = "\x01") {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n.rfind(prefix, 0) == 0 || n.find(part) != std::string::npos) names.push_back(n);
  }
  closedir(d);
  return names;
}

std::string Joined(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += n + " ";
  return s;
}

// The real binary started in the background, stdout and stderr into files.
class Background {
 public:
  Background(const std::vector<std::string>& args, const std::string& dir,
             const std::map<std::string, std::string>& env = {})
      : out_(dir + "/stdout.txt"), err_(dir + "/stderr.txt") {
    std::vector<std::string> argv = {kBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env_strings = {std::string("DURABENCH_WORKLOADS=") +
                                            DURABENCH_SOURCE_WORKLOADS};
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp, argp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    for (std::string& s : argv) argp.push_back(s.data());
    argp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    // Signals as an interactive shell leaves them: none blocked, all at their defaults.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (posix_spawn(&pid_, argp[0], &fa, &attr, argp.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
  }
  ~Background() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  std::string Out() const { return ReadFile(out_); }
  std::string Err() const { return ReadFile(err_); }

  // Polls stdout until it contains `text` (true) or the process ended or `timeout` passed.
  bool WaitForOutput(const std::string& text,
                     std::chrono::seconds timeout = std::chrono::seconds(90)) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (Out().find(text) != std::string::npos) return true;
      if (Exited()) return Out().find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // Polls until `path` exists (true) or the process ended or `timeout` passed.
  bool WaitForFile(const std::string& path,
                   std::chrono::seconds timeout = std::chrono::seconds(90)) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline && !Exited()) {
      if (access(path.c_str(), F_OK) == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // The wait status once it ended (SIGKILL after `timeout`), as waitpid() gives it.
  int Wait(std::chrono::seconds timeout = std::chrono::seconds(120)) {
    const auto deadline = Clock::now() + timeout;
    while (!Exited() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      exited_ = true;
    }
    return status_;
  }
  bool Exited() {
    if (!exited_ && waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
    return exited_;
  }

 private:
  std::string out_, err_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

// "exited with N" or "killed by signal N", for failure messages and comparisons.
std::string Describe(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// A run of kTwoPhases on tmpfs, its result and output files in their own directory.
struct TwoPhaseRun {
  TempDir work;
  TempDir target{"/dev/shm"};
  std::string workload = work.File("two-phases.toml");
  std::string result = work.File("result.json");
  TwoPhaseRun() { std::ofstream(workload) << kTwoPhases; }
  std::vector<std::string> Args() const {
    return {"run", workload, "--target", target.path(), "-o", result};
  }
  std::vector<std::string> DataFiles() const { return Names(target.path(), "durabench-"); }
  // Temporary files of an atomic result write (WriteFileAtomic: "<name>.tmp.<suffix>").
  std::vector<std::string> TempFiles() const { return Names(work.path(), "\x01", ".tmp"); }
};

class StopSignal : public ::testing::TestWithParam<int> {};

// Each stop signal during the second phase: exit 128 + N, the partial result with the first
// phase and the interrupted second, the data file removed, no temporary file left.
TEST_P(StopSignal, StopsTheRunWritesThePartialResultAndRemovesItsFiles) {
  const int sig = GetParam();
  TwoPhaseRun run;
  Background db(run.Args(), run.work.path());
  ASSERT_TRUE(db.WaitForOutput("phase first:")) << db.Out() << db.Err();
  ASSERT_EQ(kill(db.pid(), sig), 0);
  const int status = db.Wait();
  EXPECT_EQ(Describe(status), "exited with " + std::to_string(128 + sig)) << db.Err();
  nlohmann::json j = LoadJson(run.result);
  ExpectValidResult(j);
  ASSERT_GE(j["phases"].size(), 1u);
  EXPECT_EQ(j["phases"][0]["name"], "first");
  EXPECT_NE(j["errors"].dump().find(std::string("interrupted by SIG") + sigabbrev_np(sig)),
            std::string::npos)
      << j["errors"];
  EXPECT_EQ(Joined(run.DataFiles()), "");
  EXPECT_EQ(Joined(run.TempFiles()), "");
}

INSTANTIATE_TEST_SUITE_P(Signals, StopSignal,
                         ::testing::Values(SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1),
                         [](const auto& param_info) {
                           return std::string(sigabbrev_np(param_info.param));
                         });

// plp and eval stop the same way (the signal may come during the layout or a phase: either
// way nothing is left and the exit code is 128 + N).
TEST(Lifecycle, PlpAndEvalStopOnASignalToo) {
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"plp", "--runtime", "30s", "--size", "1MiB"},
        std::vector<std::string>{"eval", "--quick"}}) {
    TempDir work;
    TempDir target("/dev/shm");
    std::vector<std::string> args = command;
    args.insert(args.begin() + 1, target.path());
    Background db(args, work.path());
    const std::string data = target.File("durabench-" + std::to_string(db.pid()) + "-0.dat");
    ASSERT_TRUE(db.WaitForFile(data)) << command[0] << ": " << db.Err();
    ASSERT_EQ(kill(db.pid(), SIGHUP), 0);
    EXPECT_EQ(Describe(db.Wait()), "exited with 129") << command[0] << ": " << db.Err();
    EXPECT_EQ(Joined(Names(target.path(), "durabench-")), "") << command[0];
  }
}

// Ctrl-C pressed again and again while the run stops: the later ones change nothing. The result
// is written whole (no *.tmp.* file), the data file removed, the exit code that of the first.
TEST(Lifecycle, RepeatedCtrlCNeverLeavesATemporaryFile) {
  TwoPhaseRun run;
  Background db(run.Args(), run.work.path());
  ASSERT_TRUE(db.WaitForOutput("phase first:")) << db.Out() << db.Err();
  ASSERT_EQ(kill(db.pid(), SIGINT), 0);
  for (int i = 0; i < 500 && !db.Exited(); ++i) {
    kill(db.pid(), SIGINT);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const int status = db.Wait();
  EXPECT_EQ(Describe(status), "exited with 130") << db.Err();
  ExpectValidResult(LoadJson(run.result));
  EXPECT_EQ(Joined(run.DataFiles()), "");
  EXPECT_EQ(Joined(run.TempFiles()), "");
}

// `durabench run ... | head -3`: once head has its lines and exits, the run stops within about a
// progress period instead of measuring on (and being killed by SIGPIPE at its next write,
// leaving its files). A closed stdout is an error exit, 3, with the partial result in -o.
TEST(Lifecycle, ClosedStdoutStopsTheRunWithExitThree) {
  TwoPhaseRun run;
  std::string cmd = "'" + kBinary + "'";
  for (const std::string& a : run.Args()) cmd += " '" + a + "'";
  const std::string err = run.work.File("err");
  const auto t0 = Clock::now();
  CommandResult r = RunCommand(
      {"/bin/bash", "-c", cmd + " 2>'" + err + "' | head -n 3 >/dev/null; echo ${PIPESTATUS[0]}"});
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(r.out, "3\n") << ReadFile(err);
  // The second phase would run 60 s.
  EXPECT_LT(wall, 45) << ReadFile(err);
  EXPECT_NE(ReadFile(err).find("standard output was closed"), std::string::npos) << ReadFile(err);
  nlohmann::json j = LoadJson(run.result);
  ExpectValidResult(j);
  EXPECT_EQ(Joined(run.DataFiles()), "");
}

// Threads that cannot be created (the shim fails pthread_create as a low `ulimit -u` would):
// exit 3 naming the limit, no abort, and no data file left behind.
TEST(Lifecycle, ThreadsThatCannotBeCreatedEndTheRunWithExitThree) {
  TempDir work;
  TempDir target("/dev/shm");
  CommandResult r =
      Durabench({"run", "--target", target.path(), "--jobs", "8", "--size", "256KiB", "--runtime",
                 "2s", "--sync", "none", "--quiet", "-o", work.File("result.json")},
                ShimEnv({{"SHIM_FAIL_THREAD_AFTER", "3"}}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot start the thread of job"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ulimit -u"), std::string::npos) << r.err;
  EXPECT_EQ(Joined(Names(target.path(), "durabench-")), "");
}

// More jobs than the user may run threads (RLIMIT_NPROC, via prlimit; root is exempt from the
// limit, so the run is made as nobody): refused before any file is created, exit 2.
TEST(Lifecycle, JobsBeyondTheProcessLimitAreRefusedUpFront) {
  if (Shell("command -v prlimit >/dev/null") != 0) GTEST_SKIP() << "skipped: no prlimit";
  const bool root = IsRoot();
  if (root && Shell("command -v setpriv >/dev/null") != 0) GTEST_SKIP() << "skipped: no setpriv";
  TempDir target("/dev/shm");
  chmod(target.path().c_str(), 0777);
  std::vector<std::string> argv;
  if (root) argv = {"/usr/bin/env", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  for (const char* a : {"prlimit", "--nproc=4", "--"}) argv.emplace_back(a);
  if (!root) argv.insert(argv.begin(), "/usr/bin/env");
  for (const std::string& a :
       {kBinary, std::string("run"), std::string("--target"), target.path(), std::string("--jobs"),
        std::string("8"), std::string("--size"), std::string("256KiB"), std::string("--runtime"),
        std::string("1s"), std::string("--quiet")}) {
    argv.push_back(a);
  }
  CommandResult r = RunCommand(argv, {{"DURABENCH_WORKLOADS", DURABENCH_SOURCE_WORKLOADS}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("ulimit -u"), std::string::npos) << r.err;
  EXPECT_EQ(Joined(Names(target.path(), "durabench-")), "");
}

// `--interval 1ns` asked for 10^9 time-series rows a second and aborted on bad_alloc, leaving its
// file; now refused before anything is created. So is a runtime of too many intervals.
TEST(Lifecycle, AbsurdIntervalsAreRefusedBeforeAnyFileIsCreated) {
  TempDir target("/dev/shm");
  CommandResult r = Durabench({"run", "--target", target.path(), "--size", "1MiB", "--runtime",
                               "1s", "--interval", "1ns", "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--interval 1ns is shorter than the minimum of 1.00ms"), std::string::npos)
      << r.err;
  r = Durabench({"run", "--target", target.path(), "--size", "1MiB", "--runtime", "2h",
                 "--interval", "1ms", "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("7200000 intervals; at most 1000000"), std::string::npos) << r.err;
  EXPECT_EQ(Joined(Names(target.path(), "durabench-")), "");
}

// --cpus naming a CPU this process may not run on was ignored (the job ran unpinned); now an
// error naming the CPUs there are.
TEST(Lifecycle, CpusNotAvailableAreAnErrorNamingTheAvailableOnes) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  int missing = 0;
  while (missing < CPU_SETSIZE - 1 && CPU_ISSET(missing, &set)) ++missing;
  TempDir target("/dev/shm");
  CommandResult r = Durabench({"run", "--target", target.path(), "--size", "1MiB", "--ops", "10",
                               "--runtime", "0s", "--cpus", std::to_string(missing), "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("names CPU " + std::to_string(missing)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("available: "), std::string::npos) << r.err;
  EXPECT_EQ(Joined(Names(target.path(), "durabench-")), "");
}

// The target directory renamed mid-run and a same-named file put at the old path: cleanup
// removes its own file in the renamed directory and leaves the newcomer alone.
TEST(Lifecycle, CleanupLeavesAFileThatTookTheOldPlaceOfItsOwn) {
  TempDir base("/dev/shm");
  TempDir work;
  const std::string dir = base.File("target");
  const std::string moved = base.File("moved");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  std::ofstream(work.File("w.toml")) << kTwoPhases;
  Background db({"run", work.File("w.toml"), "--target", dir, "-o", work.File("result.json")},
                work.path());
  ASSERT_TRUE(db.WaitForOutput("phase first:")) << db.Out() << db.Err();
  const std::string name = "durabench-" + std::to_string(db.pid()) + "-0.dat";
  ASSERT_EQ(rename(dir.c_str(), moved.c_str()), 0);
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  std::ofstream(dir + "/" + name) << "precious";
  ASSERT_EQ(kill(db.pid(), SIGINT), 0);
  EXPECT_EQ(Describe(db.Wait()), "exited with 130") << db.Err();
  EXPECT_EQ(ReadFile(dir + "/" + name), "precious");
  EXPECT_EQ(Joined(Names(moved, "durabench-")), "") << "its own file, in the renamed directory";
}

// A file with the recorded device and inode but another owner mark (an inode number reused by a
// file someone else made in its place) is not removed either.
TEST(Lifecycle, CleanupLeavesAFileWhoseOwnerMarkIsNotThisRuns) {
  TwoPhaseRun run;
  Background db(run.Args(), run.work.path());
  ASSERT_TRUE(db.WaitForOutput("phase first:")) << db.Out() << db.Err();
  const std::string file = run.target.File("durabench-" + std::to_string(db.pid()) + "-0.dat");
  const std::string other = "durabench 1";
  if (setxattr(file.c_str(), "user.durabench.owner", other.data(), other.size(), 0) != 0) {
    const int err = errno;
    kill(db.pid(), SIGINT);
    db.Wait();
    GTEST_SKIP() << "skipped: setxattr on " << file << ": " << strerror(err);
  }
  ASSERT_EQ(kill(db.pid(), SIGINT), 0);
  EXPECT_EQ(Describe(db.Wait()), "exited with 130") << db.Err();
  EXPECT_EQ(access(file.c_str(), F_OK), 0) << "removed although not marked as this run's";
  EXPECT_NE(db.Err().find("not removing " + file + ": its owner mark is not this run's"),
            std::string::npos)
      << db.Err();
}

// A phase opens its file by path, after the layout and again in every later phase. With the
// directory swapped at any point after the file was created (during the layout, the first phase
// or between phases) the path names another file: the next open refuses to write it (exit 3)
// instead of overwriting it.
TEST(Lifecycle, APhaseDoesNotWriteAFileThatReplacedItsOwn) {
  TempDir base("/dev/shm");
  TempDir work;
  const std::string dir = base.File("target");
  const std::string moved = base.File("moved");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  // The first phase runs long enough that the swap comes before the second phase's open.
  std::string workload = kTwoPhases;
  const std::string short_first = "ops = 50\nruntime = \"0s\"";
  workload.replace(workload.find(short_first), short_first.size(), "runtime = \"10s\"");
  std::ofstream(work.File("w.toml")) << workload;
  Background db({"run", work.File("w.toml"), "--target", dir, "-o", work.File("result.json")},
                work.path());
  const std::string name = "durabench-" + std::to_string(db.pid()) + "-0.dat";
  ASSERT_TRUE(db.WaitForFile(dir + "/" + name)) << db.Err();
  ASSERT_EQ(rename(dir.c_str(), moved.c_str()), 0);
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  std::ofstream(dir + "/" + name) << "precious";
  EXPECT_EQ(Describe(db.Wait()), "exited with 3") << db.Err();
  EXPECT_NE(db.Err().find("was replaced or moved since the layout"), std::string::npos) << db.Err();
  EXPECT_EQ(ReadFile(dir + "/" + name), "precious");
  EXPECT_EQ(Joined(Names(moved, "durabench-")), "");
}

// /dev (devtmpfs: device nodes) and /proc are no benchmark targets; /dev/shm, a tmpfs of its
// own, still is (every test here uses it).
TEST(Lifecycle, PseudoFilesystemDirectoriesAreRefused) {
  struct stat dev, root;
  ASSERT_EQ(stat("/dev", &dev), 0);
  ASSERT_EQ(stat("/", &root), 0);
  if (dev.st_dev == root.st_dev) GTEST_SKIP() << "skipped: /dev is not a mount of its own here";
  CommandResult r = Durabench({"run", "--target", "/dev", "--size", "1MiB", "--ops", "10",
                               "--runtime", "0s", "--engine", "null", "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("refusing to use /dev: it is on the filesystem of /dev"), std::string::npos)
      << r.err;
  EXPECT_EQ(Joined(Names("/dev", "durabench-")), "");
  r = Durabench(
      {"run", "--target", "/proc", "--size", "1MiB", "--ops", "10", "--runtime", "0s", "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("it is on proc, a kernel pseudo-filesystem"), std::string::npos) << r.err;
}

TEST(Lifecycle, UnknownCommandIsNamedWithTheCommands) {
  CommandResult r = Durabench({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'; commands: run, list, probe"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace durabench::testing
