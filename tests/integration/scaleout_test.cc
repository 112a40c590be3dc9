// Multi-client runs under Open MPI (docs/scale-out.md), end to end: `mpirun -np 3 durabench run`
// on tmpfs, oversubscribed on this machine's cores. The aggregate must be what `durabench merge`
// makes of the ranks' own results, bin for bin; a rank whose writes fail must end the run for
// all, with exit 3, a result of what the others finished, and no file left; a rank killed
// outright must end the job with no process left, the others' files removed. With
// --shared-target the ranks write regions of their own of one file or device, and together cover
// it exactly. Skipped, with the reason, where mpirun or the durabench-mpi module is missing.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "durabench_runner.h"
#include "mpi_run.h"

extern char** environ;

namespace durabench::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// The data files durabench left in `dir` (durabench-PID-JOB.dat).
std::vector<std::string> Leftovers(const std::string& dir) {
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".dat")) left.push_back(name);
  }
  return left;
}

TEST(ScaleOut, ThreeRanksAddUpToWhatMergeMakesOfThem) {
  DURABENCH_SKIP_WITHOUT_MPI();
  TempDir target{"/dev/shm"};
  TempDir out;
  const std::string ranks_dir = out.path() + "/ranks";
  fs::create_directory(ranks_dir);
  const std::string result = out.path() + "/all.json";
  CommandResult r = MpiRun({"-np",       "3",           kBinary,          "run",
                            "--target",  target.path(), "--engine",       "psync",
                            "--pattern", "randwrite",   "--sync",         "fdatasync",
                            "--size",    "4MiB",        "--runtime",      "2s",
                            "-o",        result,        "--rank-results", ranks_dir,
                            "--progress"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Only rank 0 speaks: one summary, with the ranks' table; and with --progress (its stderr is
  // no terminal under mpirun) the progress line of all three ranks' I/O.
  EXPECT_NE(r.out.find("3 ranks"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(" IOPS (3 ranks)"), std::string::npos) << r.err;
  EXPECT_EQ(Leftovers(target.path()), std::vector<std::string>{});

  const Json all = LoadJson(result);
  ExpectValidResult(all);
  ASSERT_TRUE(all.contains("ranks")) << all.dump(2);
  const Json& ranks = all["ranks"];
  EXPECT_EQ(ranks["size"], 3);
  ASSERT_EQ(ranks["ranks"].size(), 3u);
  ASSERT_EQ(ranks["start_skew_ns"].size(), 1u);
  EXPECT_GE(ranks["start_skew_ns"][0].get<int64_t>(), 0);
  EXPECT_GE(ranks["reduction_ns"].get<int64_t>(), 0);
  for (const Json& rank : ranks["ranks"]) {
    EXPECT_FALSE(rank.contains("error")) << rank.dump();
    EXPECT_EQ(rank["phase_start_ns"].size(), 1u);
  }
  EXPECT_EQ(ranks["ranks"][0]["clock_offset_ns"], 0);

  // The rows add up to the aggregate's counts, and the aggregate is `durabench merge` of the
  // ranks' own results, bin for bin.
  ExpectAggregateIsMerge(all, 3, ranks_dir, out.path());
  for (const char* op : {"write", "commit"}) {
    EXPECT_GT(all["phases"][0]["ops"][op]["count"].get<uint64_t>(), 0u) << op;
  }
}

TEST(ScaleOut, ARankWhoseWritesFailEndsTheRunForAll) {
  DURABENCH_SKIP_WITHOUT_MPI();
  TempDir target{"/dev/shm"};
  TempDir out;
  const std::string result = out.path() + "/all.json";
  // ci-smoke has two phases: rank 2's writes fail in the first (the syscall shim, in its
  // environment only: the layout's few writes pass), so the others learn it before the second
  // and stop there.
  const std::vector<std::string> run = {kBinary,  "run",  "ci-smoke", "--target", target.path(),
                                        "--size", "4MiB", "-o",       result};
  std::vector<std::string> args = {"-np", "2"};
  args.insert(args.end(), run.begin(), run.end());
  args.insert(args.end(),
              {":", "-np", "1", "-x", "LD_PRELOAD=" + kShim, "-x", "SHIM_FAIL_WRITE_AFTER=300"});
  args.insert(args.end(), run.begin(), run.end());
  CommandResult r = MpiRun(args);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(Leftovers(target.path()), std::vector<std::string>{});
  const Json all = LoadJson(result);
  ASSERT_TRUE(all.contains("ranks")) << all.dump(2);
  const Json& ranks = all["ranks"]["ranks"];
  ASSERT_EQ(ranks.size(), 3u);
  EXPECT_TRUE(ranks[2].contains("error")) << ranks.dump(2);
  EXPECT_FALSE(ranks[2].value("stopped", false));
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(ranks[i].value("stopped", false)) << ranks.dump(2);
    EXPECT_NE(ranks[i]["error"].get<std::string>().find("rank 2 stopped"), std::string::npos)
        << ranks[i].dump();
  }
  // The result holds the first phase, of ranks 0 and 1.
  ASSERT_EQ(all["phases"].size(), 1u);
  EXPECT_NE(r.err.find("a rank failed"), std::string::npos) << r.err;
}

// A rank's own result that cannot be written (a directory holds its name) is reported, and the
// other ranks' results and the merged one are written all the same; the exit status says so.
TEST(ScaleOut, ARankResultThatCannotBeWrittenCostsNoneOfTheOthers) {
  DURABENCH_SKIP_WITHOUT_MPI();
  TempDir target{"/dev/shm"};
  TempDir out;
  const std::string ranks_dir = out.path() + "/ranks";
  fs::create_directories(ranks_dir + "/rank-1.json");
  CommandResult r =
      MpiRun({"-np", "3", kBinary, "run", "--target", target.path(), "--size", "1MiB", "--runtime",
              "500ms", "-o", out.File("all.json"), "--rank-results", ranks_dir});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("rank-1.json"), std::string::npos) << r.err;
  ExpectValidResult(LoadJson(out.File("all.json")));
  EXPECT_TRUE(fs::is_regular_file(ranks_dir + "/rank-0.json"));
  EXPECT_TRUE(fs::is_regular_file(ranks_dir + "/rank-2.json"));
  EXPECT_EQ(Leftovers(target.path()), std::vector<std::string>{});
}

// --stonewall: ranks 0 and 1 write through the syscall shim at 2 ms a write, rank 2 at tmpfs
// speed; each is to do 20,000 writes (40 s for the slow ones). Rank 2 finishes first and the
// others' phase ends then: they did far fewer, their rows and the aggregate say stonewalled,
// and the run is over in seconds.
TEST(ScaleOut, StonewallEndsThePhaseOfEveryRankWhenTheFirstIsDone) {
  DURABENCH_SKIP_WITHOUT_MPI();
  TempDir target{"/dev/shm"};
  TempDir out;
  const std::string result = out.path() + "/all.json";
  const std::vector<std::string> run = {
      kBinary, "run",    "--target", target.path(), "--ops", "20000", "--runtime",
      "0s",    "--size", "4MiB",     "--stonewall", "-o",    result};
  std::vector<std::string> args = {
      "-np", "2", "-x", "LD_PRELOAD=" + kShim, "-x", "SHIM_WRITE_DELAY_NS=2000000"};
  args.insert(args.end(), run.begin(), run.end());
  args.insert(args.end(), {":", "-np", "1"});
  args.insert(args.end(), run.begin(), run.end());
  const auto t0 = std::chrono::steady_clock::now();
  CommandResult r = MpiRun(args);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(seconds, 30) << "the slow ranks did not stop when rank 2 was done";
  EXPECT_NE(r.out.find("stonewalled"), std::string::npos) << r.out;
  const Json all = LoadJson(result);
  ExpectValidResult(all);
  EXPECT_TRUE(all["phases"][0].value("stonewalled", false)) << all["phases"][0].dump();
  int rows = 0;
  for (const Json& row : all["ranks"]["rows"]) {
    if (row["op"] != "write") continue;
    ++rows;
    const uint64_t count = row["count"];
    if (row["rank"] == 2) {
      EXPECT_EQ(count, 20000u);
      EXPECT_FALSE(row.value("stonewalled", false)) << row.dump();
    } else {
      EXPECT_LT(count, 20000u) << row.dump();
      EXPECT_TRUE(row.value("stonewalled", false)) << row.dump();
    }
  }
  EXPECT_GE(rows, 1);
  EXPECT_EQ(Leftovers(target.path()), std::vector<std::string>{});
}

// The pid in a rank's file name "durabench-rR-PID-0.dat"; 0 when that rank has no file yet.
pid_t PidOfRank(const std::string& dir, int rank) {
  const std::string prefix = "durabench-r" + std::to_string(rank) + "-";
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0) return std::atoi(name.c_str() + prefix.size());
  }
  return 0;
}

// The state letter of /proc/PID/stat (R, S, D, Z, ...); 0 when there is no such process.
char ProcessState(pid_t pid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? 0 : stat[paren + 2];
}

TEST(ScaleOut, ARankKilledOutrightEndsTheJobWithNoProcessLeft) {
  DURABENCH_SKIP_WITHOUT_MPI();
  TempDir target{"/dev/shm"};
  TempDir out;
  std::vector<std::string> argv = {FindMpirun(),  "-np",    "3",    kBinary,     "run", "--target",
                                   target.path(), "--size", "4MiB", "--runtime", "30s"};
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) env_text.emplace_back(*e);
  for (const auto& [k, v] : MpiEnv()) env_text.push_back(k + "=" + v);
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<char*> env;
  for (std::string& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string log = out.path() + "/mpirun.log";
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t mpirun = 0;
  ASSERT_EQ(posix_spawn(&mpirun, args[0], &fa, nullptr, args.data(), env.data()), 0);
  posix_spawn_file_actions_destroy(&fa);

  // Every rank's file is laid out: the phase is running.
  std::vector<pid_t> ranks(3, 0);
  for (int i = 0; i < 600 && (ranks[0] == 0 || ranks[1] == 0 || ranks[2] == 0); ++i) {
    for (int r = 0; r < 3; ++r) ranks[r] = PidOfRank(target.path(), r);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_NE(ranks[1], 0) << ReadFile(log);
  ASSERT_EQ(::kill(ranks[1], SIGKILL), 0);

  // mpirun ends the job well before the phase's 30 s.
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 400 && done == 0; ++i) {  // 20 s
    done = ::waitpid(mpirun, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (done == 0) {
    ::kill(mpirun, SIGKILL);
    ::waitpid(mpirun, &status, 0);
    FAIL() << "mpirun still ran 20 s after a rank was killed\n" << ReadFile(log);
  }
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(log);
  for (int r : {0, 2}) {
    // Gone, or a zombie that this sandbox's init has not reaped: no longer running. mpirun's
    // own exit does not wait for its ranks' last steps: a second at most.
    bool ended = false;
    for (int i = 0; i < 100 && !ended; ++i) {
      ended = ProcessState(ranks[r]) == 'Z' || ProcessState(ranks[r]) == 0;
      if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(ended) << "rank " << r << " (pid " << ranks[r] << ") still runs, state "
                       << ProcessState(ranks[r]);
  }
  // The killed rank's file stays, as after a SIGKILL of a single run; the others removed theirs.
  std::vector<std::string> left = Leftovers(target.path());
  ASSERT_EQ(left.size(), 1u) << ReadFile(log);
  EXPECT_EQ(left[0].rfind("durabench-r1-", 0), 0u) << left[0];
  fs::remove(target.path() + "/" + left[0]);
}

// The 4 KiB blocks of [0, bytes) of `path` that hold only zeros, as offsets in MiB.
std::vector<double> ZeroBlocksMiB(const std::string& path, uint64_t bytes) {
  const std::string data = ReadFile(path);
  std::vector<double> zero;
  const std::string zeros(4096, '\0');
  for (uint64_t off = 0; off + 4096 <= bytes; off += 4096) {
    if (off + 4096 > data.size() || data.compare(off, 4096, zeros) == 0) {
      zero.push_back(static_cast<double>(off) / (1 << 20));
    }
  }
  return zero;
}

// The ranks' shared write pattern: one sequential pass per job over its region, of a target
// that is not laid out first (so a region nobody wrote stays zeros) and is kept for the check.
std::vector<std::string> OnePassEach(const std::string& target) {
  return {"-np",
          "3",
          kBinary,
          "run",
          "--target",
          target,
          "--shared-target",
          "--jobs",
          "2",
          "--size",
          "1MiB",
          "--pattern",
          "write",
          "--runtime",
          "0s",
          "--sync",
          "none",
          "--no-layout-fill"};
}

// --shared-target on a file: rank 0 creates it for all three ranks, each rank's two jobs write
// regions of their own, and together they cover the file exactly: every block written once.
TEST(ScaleOut, ThreeRanksShareOneFileEachInRegionsOfItsOwn) {
  DURABENCH_SKIP_WITHOUT_MPI();
  TempDir dir{"/dev/shm"};
  TempDir out;
  const std::string file = dir.path() + "/shared.dat";
  std::vector<std::string> args = OnePassEach(file);
  args.insert(args.end(), {"--create", "--keep", "-o", out.File("all.json")});
  CommandResult r = MpiRun(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("3 ranks, each in regions of its own"), std::string::npos) << r.out;
  const Json all = LoadJson(out.File("all.json"));
  ExpectValidResult(all);
  EXPECT_EQ(all["target"]["kind"], "file");
  // 3 ranks x 2 jobs x 256 blocks of 4 KiB, each written once.
  EXPECT_EQ(all["phases"][0]["ops"]["write"]["count"], 3 * 2 * 256);
  EXPECT_EQ(fs::file_size(file), 6u << 20);
  EXPECT_EQ(ZeroBlocksMiB(file, 6u << 20), std::vector<double>{}) << "regions overlap";

  // Without --keep the file rank 0 created is removed once every rank is done.
  const std::string fresh = dir.path() + "/fresh.dat";
  args = OnePassEach(fresh);
  args.push_back("--create");
  r = MpiRun(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(fs::exists(fresh));
}

// --shared-target on a raw device: rank 0 checks and holds it (O_EXCL), the others run the same
// checks without the hold, and the three write its first 6 MiB, each its own third.
TEST(ScaleOut, ThreeRanksShareOneBlockDevice) {
  DURABENCH_SKIP_WITHOUT_MPI();
  TempDir dir;
  LoopDevice loop(dir.path(), 16ull << 20);
  if (!loop.ok()) GTEST_SKIP() << "skipped: " << loop.skip_reason();
  std::vector<std::string> args = OnePassEach(loop.device());
  args.insert(args.end(), {"--destroy-data=" + loop.device(), "--direct"});
  CommandResult r = MpiRun(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<double> zero = ZeroBlocksMiB(loop.backing_file(), 16u << 20);
  ASSERT_FALSE(zero.empty());
  EXPECT_EQ(zero.front(), 6.0) << "the ranks' regions must cover [0, 6 MiB) and nothing more";
  EXPECT_EQ(zero.size(), (10u << 20) / 4096);
}

// What --shared-target refuses: a directory (each rank has files of its own there), a run not
// under mpirun (as --stonewall does); and without it, one file for every rank.
TEST(ScaleOut, SharedTargetRefusals) {
  DURABENCH_SKIP_WITHOUT_MPI();
  TempDir dir{"/dev/shm"};
  CommandResult r = MpiRun(
      {"-np", "2", kBinary, "run", "--target", dir.path(), "--shared-target", "--runtime", "1s"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("gives each rank files or objects of its own"), std::string::npos) << r.err;
  r = Durabench(
      {"run", "--target", dir.path() + "/x.dat", "--create", "--shared-target", "--runtime", "1s"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--shared-target is for a run under mpirun"), std::string::npos) << r.err;
  r = Durabench({"run", "--target", dir.path(), "--stonewall", "--runtime", "1s"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--stonewall is for a run under mpirun"), std::string::npos) << r.err;
  r = MpiRun({"-np", "2", kBinary, "run", "--target", dir.path() + "/x.dat", "--create",
              "--runtime", "1s"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("pass --shared-target"), std::string::npos) << r.err;
  EXPECT_EQ(Leftovers(dir.path()), std::vector<std::string>{});
}

}  // namespace
}  // namespace durabench::testing
