// The durability audit end to end with the real binary (docs/audit.md): audit, then verify,
// against a file witness and a `durabench witness` server on 127.0.0.1; the syscall shim's
// write faults counted exactly; the writer killed with SIGKILL; a witness that goes away; a
// witness of another audit; and the emulated drive cut at random times in each mode (root and
// /dev/fuse, else skipped).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "audit/verify.h"
#include "durabench_runner.h"
#ifdef DURABENCH_HAVE_EMUDRIVE
#include "fixtures/emudrive/emudrive_mount.h"
#endif

extern char** environ;

namespace durabench::testing {
namespace {

using Json = nlohmann::json;

// `durabench witness` on 127.0.0.1, a free port, logging into `dir`; stopped (SIGTERM, by PID)
// when destroyed or by Stop().
class WitnessProcess {
 public:
  explicit WitnessProcess(const std::string& dir) : out_(dir + ".out") {
    std::vector<std::string> argv = {kBinary, "witness", "--listen", "127.0.0.1:0", "--dir", dir};
    std::vector<char*> args;
    for (auto& s : argv) args.push_back(s.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, (out_ + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    EXPECT_EQ(posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 500 && address_.empty(); ++i) {  // 10 s
      const std::string text = ReadFile(out_);
      const size_t at = text.find("listening on ");
      if (at != std::string::npos) {
        address_ = text.substr(at + 13, text.find(',', at) - at - 13);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    EXPECT_FALSE(address_.empty()) << ReadFile(out_ + ".err");
  }
  ~WitnessProcess() { Stop(); }
  // SIGTERM and wait; returns its exit code.
  int Stop() {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return exit_code_;
  }
  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }

 private:
  std::string out_;
  pid_t pid_ = -1;
  std::string address_;
  int exit_code_ = -1;
};

std::vector<std::string> AuditArgs(const std::string& target, const std::string& witness,
                                   std::vector<std::string> extra) {
  std::vector<std::string> args = {"audit", target, "--witness", witness, "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// `audit --verify TARGET --witness W --json [extra]`: (exit code, the JSON verdict).
std::pair<int, Json> Verify(const std::string& target, const std::string& witness,
                            std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"audit", "--verify", target, "--witness", witness, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  CommandResult r = Durabench(args);
  Json j;
  if (r.exit_code == 0 || r.exit_code == 1) {
    j = Json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  } else {
    j["stderr"] = r.err;
  }
  return {r.exit_code, j};
}

TEST(Audit, KeptOnTmpfsThenVerifyRemovesTheFiles) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string witness = "file:" + dir.File("witness.log");
  const std::string result = dir.File("audit.json");
  CommandResult r = Durabench(AuditArgs(
      target.path(), witness, {"--ops", "2000", "--size", "1MiB", "--jobs", "2", "-o", result}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json run = LoadJson(result);
  ExpectValidResult(run);
  ASSERT_TRUE(run.contains("audit"));
  EXPECT_EQ(run["audit"]["witness"], witness);
  // Every write was a commit the result measured, and every one was acknowledged.
  EXPECT_EQ(run["phases"][0]["ops"]["commit"]["count"], 4000);
  // Sequence numbers are the audit's: no two writes of the two jobs share one.
  Result<AuditLog> log = ParseWitnessLog(ReadFile(dir.File("witness.log")));
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_EQ(log->jobs.size(), 2u);
  std::set<uint64_t> sequences;
  for (const auto& [job, j] : log->jobs) {
    for (const AuditLog::Intent& in : j.intents) {
      EXPECT_TRUE(sequences.insert(in.sequence).second)
          << "job " << job << " reuses sequence " << in.sequence;
    }
  }

  auto [rc, v] = Verify(target.path(), witness, {"--audit-id", run["audit"]["id"]});
  ASSERT_EQ(rc, 0) << v.dump();
  EXPECT_EQ(v["verdict"], "kept");
  EXPECT_EQ(v["audit"], run["audit"]["id"]);
  EXPECT_EQ(v["blocks"], 512);  // 2 jobs x 1 MiB / 4 KiB
  EXPECT_EQ(v["acknowledged_writes"], 4000);
  EXPECT_EQ(v["intact"].get<uint64_t>() + v["untouched"].get<uint64_t>(), 512u);
  EXPECT_EQ(v["lost"], 0);
  EXPECT_EQ(v["corrupt"], 0);
  EXPECT_EQ(v["misdirected"], 0);
  EXPECT_EQ(v["in_flight_missing"], 0);
  EXPECT_EQ(v["loss_window"]["lost_writes"], 0);
  std::string listing;
  Shell("ls -A " + target.path(), &listing);
  EXPECT_EQ(listing, "") << "verify removes the audit's files";
  // Verified and removed: a second verify finds no audit there.
  auto [again, why] = Verify(target.path(), witness);
  EXPECT_EQ(again, 2);
  EXPECT_NE(why["stderr"].get<std::string>().find("does not exist"), std::string::npos)
      << why.dump();
}

TEST(Audit, ThroughAWitnessServerWithQueuedEngines) {
  TempDir dir;
  WitnessProcess witness(dir.File("w"));
  ASSERT_FALSE(witness.address().empty());
  // libaio needs O_DIRECT, which tmpfs may refuse: a directory on the test's own filesystem.
  TempDir target;
  for (const char* engine : {"psync", "libaio", "io_uring"}) {
    SCOPED_TRACE(engine);
    const bool psync = engine == std::string("psync");
    std::vector<std::string> extra = {
        "--engine", engine, "--iodepth", psync ? "1" : "8",
        "--jobs",   "2",    "--runtime", "1s",
        "--size",   "2MiB", "--sync",    psync ? "rwf_dsync" : "fdatasync"};
    if (engine == std::string("libaio")) extra.push_back("--direct");
    CommandResult r = Durabench(AuditArgs(target.path(), witness.address(), extra));
    if (r.exit_code == 2 && (r.err.find("not supported") != std::string::npos ||
                             r.err.find("unknown engine") != std::string::npos ||
                             r.err.find("O_DIRECT") != std::string::npos)) {
      std::printf("note: engine %s cannot run here: %s", engine, r.err.c_str());
      continue;
    }
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto [rc, v] = Verify(target.path(), witness.address());
    EXPECT_EQ(rc, 0) << v.dump();
    EXPECT_EQ(v["verdict"], "kept");
    EXPECT_GT(v["acknowledged_writes"].get<uint64_t>(), 100u);
    EXPECT_EQ(
        v["lost"].get<uint64_t>() + v["corrupt"].get<uint64_t>() + v["misdirected"].get<uint64_t>(),
        0u);
  }
  EXPECT_EQ(witness.Stop(), 128 + SIGTERM);  // stopped by SIGTERM, as every command
}

TEST(Audit, TheWitnessGoingAwayStopsTheAuditWithAClearError) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  WitnessProcess witness(dir.File("w"));
  ASSERT_FALSE(witness.address().empty());
  Shell("(sleep 1; kill " + std::to_string(witness.pid()) + ") >/dev/null 2>&1 &");
  const auto start = std::chrono::steady_clock::now();
  CommandResult r = Durabench(AuditArgs(target.path(), witness.address(), {"--runtime", "60s"}));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("could not be verified"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("witness " + witness.address()), std::string::npos) << r.err;
  EXPECT_LT(took, std::chrono::seconds(30)) << "the audit must stop, not run on unwitnessed";
}

TEST(Audit, VerifyAgainstAWitnessOfAnotherAuditIsAUsageError) {
  TempDir a{"/dev/shm"};
  TempDir b{"/dev/shm"};
  TempDir dir;
  const std::string wa = "file:" + dir.File("a.log");
  const std::string wb = "file:" + dir.File("b.log");
  ASSERT_EQ(Durabench(AuditArgs(a.path(), wa, {"--ops", "100", "--size", "256KiB"})).exit_code, 0);
  ASSERT_EQ(Durabench(AuditArgs(b.path(), wb, {"--ops", "100", "--size", "256KiB"})).exit_code, 0);
  auto [rc, v] = Verify(a.path(), wb);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(v["stderr"].get<std::string>().find("another target's audit"), std::string::npos)
      << v.dump();
  auto [wrong_id, w] = Verify(a.path(), wa, {"--audit-id", std::string(32, '0')});
  EXPECT_EQ(wrong_id, 2) << w.dump();
  // A cluster target whose witness holds a local audit: refused before any connection.
  for (const char* uri : {"rbd://rep3/img", "rados://rep1", "gluster://127.0.0.1/vol/dir"}) {
    auto [cluster, c] = Verify(uri, wa);
    EXPECT_EQ(cluster, 2) << uri << ": " << c.dump();
    EXPECT_NE(c["stderr"].get<std::string>().find("another target's audit"), std::string::npos)
        << uri << ": " << c.dump();
  }
  EXPECT_EQ(Verify(a.path(), wa).first, 0);
  EXPECT_EQ(Verify(b.path(), wb).first, 0);
}

TEST(Audit, AReadingPatternIsRefusedBeforeAnything) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string witness = "file:" + dir.File("w.log");
  CommandResult r = Durabench(AuditArgs(target.path(), witness, {"--pattern", "randread"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("an audit writes only"), std::string::npos) << r.err;
  r = Durabench({"audit", target.path(), "--witness", "nohost"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(Shell("test -e " + dir.File("w.log")), 0) << "nothing was written";
}

// SIGKILL of the writer (the cut command kills durabench itself, its parent): the page cache
// survives a process crash, so nothing acknowledged may be missing, whatever the sync method.
// On tmpfs, and on ext4 on a loop device (root), whose verify reads with O_DIRECT, from the
// device, not from the cache.
// SIGKILLs the audit once its (file) witness holds 200 acknowledgements, however slow the host:
// the cut waits for them rather than for a fixed time.
void KillTheWriter(const std::string& target, const char* sync, const std::string& witness) {
  const std::string log = witness.substr(std::string("file:").size());
  CommandResult r =
      Durabench(AuditArgs(target, witness,
                          {"--runtime", "60s", "--size", "1MiB", "--sync", sync, "--cut-after",
                           "100ms", "--cut-command",
                           "while [ \"$(grep -c '^A ' '" + log +
                               "')\" -lt 200 ]; do sleep 0.05; done; kill -KILL $PPID"}));
  EXPECT_EQ(r.exit_code, 128 + SIGKILL) << r.err;
}

TEST(Audit, SigkillOfTheWriterLosesNothing) {
  for (const char* sync : {"fdatasync", "none"}) {
    SCOPED_TRACE(sync);
    TempDir target{"/dev/shm"};
    TempDir dir;
    const std::string witness = "file:" + dir.File("w.log");
    KillTheWriter(target.path(), sync, witness);
    auto [rc, v] = Verify(target.path(), witness);
    EXPECT_EQ(rc, 0) << v.dump();
    EXPECT_EQ(v["verdict"], "kept");
    EXPECT_GT(v["acknowledged_writes"].get<uint64_t>(), 100u);
  }
}

TEST(Audit, SigkillOfTheWriterOnExt4LosesNothing) {
  TempDir base;
  LoopDevice loop(base.path(), 128ull << 20, "mkfs.ext4");
  if (!loop.ok() || !loop.Mount()) GTEST_SKIP() << "skipped: " << loop.skip_reason();
  for (const char* sync : {"fdatasync", "none"}) {
    SCOPED_TRACE(sync);
    const std::string witness = "file:" + base.File(std::string("w-") + sync + ".log");
    KillTheWriter(loop.mount_point(), sync, witness);
    // With --sync none the blocks may be only in the page cache; the kernel writes them back
    // (the process is gone, the system is not), which verify's O_DIRECT then reads.
    Shell("sync");
    auto [rc, v] = Verify(loop.mount_point(), witness);
    EXPECT_EQ(rc, 0) << v.dump();
    EXPECT_EQ(v["verdict"], "kept");
    EXPECT_GT(v["acknowledged_writes"].get<uint64_t>(), 100u);
  }
}

// The shim drops every 37th write, flips a byte in every 41st and misdirects every 43rd (one
// job, which so takes every sequence number of the audit, psync, queue depth 1: the n-th write
// the shim sees is the audit's sequence n). From the witness log and the shim's fault log the
// test works out what each block holds and so what verify must count, exactly.
TEST(Audit, ShimWriteFaultsAreCountedExactly) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string witness = "file:" + dir.File("w.log");
  const std::string faults = dir.File("faults.log");
  constexpr uint64_t kDrop = 37, kFlip = 41, kMisdirect = 43;
  CommandResult r = Durabench(
      AuditArgs(target.path(), witness,
                {"--ops", "3000", "--size", "8MiB", "--no-layout-fill", "--engine", "psync"}),
      ShimEnv({{"SHIM_DROP_WRITE_EVERY", std::to_string(kDrop)},
               {"SHIM_FLIP_WRITE_EVERY", std::to_string(kFlip)},
               {"SHIM_MISDIRECT_WRITE_EVERY", std::to_string(kMisdirect)},
               {"SHIM_FAULT_LOG", faults}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  Result<AuditLog> log = ParseWitnessLog(ReadFile(dir.File("w.log")));
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_EQ(log->jobs.size(), 1u);
  const AuditLog::Job& job = log->jobs.begin()->second;
  ASSERT_TRUE(job.ended);
  ASSERT_EQ(job.last_issued, 3000u);
  const uint64_t bs = job.layout.block_bytes;

  // What the device holds per block: (the offset its block names, generation, flipped).
  struct Held {
    uint64_t names;
    uint64_t generation;
    bool flipped;
  };
  std::map<uint64_t, Held> disk;
  std::map<uint64_t, uint64_t> acked;  // block offset -> last acknowledged generation
  std::istringstream fault_lines(ReadFile(faults));
  uint64_t faulted = 0;
  for (const AuditLog::Intent& in : job.intents) {
    if (in.sequence > job.last_issued) continue;
    ASSERT_TRUE(job.acks.count(in.sequence)) << "write " << in.sequence << " not acknowledged";
    acked[in.offset] = in.generation;
    const uint64_t n = in.sequence;
    const char* kind = n % kDrop == 0        ? "drop"
                       : n % kMisdirect == 0 ? "misdirect"
                       : n % kFlip == 0      ? "flip"
                                             : nullptr;
    if (kind == nullptr) {
      disk[in.offset] = {in.offset, in.generation, false};
      continue;
    }
    std::string line;
    ASSERT_TRUE(std::getline(fault_lines, line)) << "no fault logged for write " << n;
    std::istringstream fields(line);
    std::string got;
    uint64_t offset = 0, length = 0, extra = 0;
    fields >> got >> offset >> length;
    ASSERT_EQ(got, kind) << line;
    ASSERT_EQ(offset, in.offset) << line;
    ASSERT_EQ(length, bs) << line;
    ++faulted;
    if (got == "misdirect") {
      fields >> extra;
      disk[extra] = {in.offset, in.generation, false};
    } else if (got == "flip") {
      disk[in.offset] = {in.offset, in.generation, true};
    }
  }
  std::string rest;
  EXPECT_FALSE(std::getline(fault_lines, rest)) << "a fault the test did not expect: " << rest;
  EXPECT_EQ(faulted, 3000 / kDrop + 3000 / kMisdirect - 3000 / (kDrop * kMisdirect) +
                         (3000 / kFlip - 3000 / (kFlip * kDrop) - 3000 / (kFlip * kMisdirect)));

  uint64_t intact = 0, lost = 0, corrupt = 0, misdirected = 0, untouched = 0;
  for (uint64_t b = 0; b < job.layout.blocks; ++b) {
    const uint64_t offset = job.layout.region_offset + b * bs;
    const auto d = disk.find(offset);
    const auto a = acked.find(offset);
    if (d == disk.end()) {
      (a != acked.end() ? lost : untouched)++;
    } else if (d->second.flipped) {
      ++corrupt;
    } else if (d->second.names != offset) {
      ++misdirected;
    } else if (d->second.generation < a->second) {
      ++lost;
    } else {
      ++intact;
    }
  }
  EXPECT_GT(lost, 5u);
  EXPECT_GT(corrupt, 5u);
  EXPECT_GT(misdirected, 5u);
  auto [rc, v] = Verify(target.path(), witness);
  EXPECT_EQ(rc, 1) << v.dump();
  EXPECT_EQ(v["verdict"], "lost-acknowledged-writes");
  EXPECT_EQ(v["intact"], intact);
  EXPECT_EQ(v["lost"], lost);
  EXPECT_EQ(v["corrupt"], corrupt);
  EXPECT_EQ(v["misdirected"], misdirected);
  EXPECT_EQ(v["untouched"], untouched);
  EXPECT_EQ(v["acknowledged_writes"], 3000);
}

// Two phases over the same file, one job each (psync, queue depth 1), the shim dropping every
// 29th write of the process. The witness log then has phase 0's end record before phase 1's
// writes; without phase 1's end it is the log of a cut during phase 1. Either way verify must
// count exactly the blocks whose last acknowledged write was dropped as lost, those of phase 1
// among them (a phase's end record once made the next phase's writes look never issued).
// 1024 blocks: a dropped write is lost when no later write reaches its block, so phase 1 loses
// about 27 on average (256 blocks gave about 9: 5 or fewer in about one run of eight).
TEST(Audit, ALaterPhasesLostWritesAreCountedAfterAnEarlierPhaseEnded) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string log_path = dir.File("w.log");
  const std::string witness = "file:" + log_path;
  const std::string workload = dir.File("two.toml");
  std::ofstream(workload) << "[defaults]\npattern = \"randwrite\"\nengine = \"psync\"\n"
                             "sync = \"fdatasync\"\nsize = \"4MiB\"\nruntime = \"0s\"\n"
                             "[[phase]]\nname = \"first\"\nops = 1500\n"
                             "[[phase]]\nname = \"second\"\nops = 1500\n";
  constexpr uint64_t kDrop = 29;
  CommandResult r =
      Durabench(AuditArgs(target.path(), witness, {"--workload", workload, "--no-layout-fill"}),
                ShimEnv({{"SHIM_DROP_WRITE_EVERY", std::to_string(kDrop)},
                         {"SHIM_FAULT_LOG", dir.File("faults.log")}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string full = ReadFile(log_path);
  Result<AuditLog> log = ParseWitnessLog(full);
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_EQ(log->jobs.size(), 2u) << "one job in each phase, each with its own records";
  const AuditLog::Job& second = log->jobs.rbegin()->second;
  ASSERT_EQ(second.layout.phase, 1u);
  ASSERT_EQ(log->jobs.begin()->second.layout.phase, 0u);
  ASSERT_EQ(second.layout.path, log->jobs.begin()->second.layout.path);

  // The writes in the order they were issued (sequence numbers grow across the phases); the
  // n-th was dropped when n % kDrop == 0. What each block holds, and its last acknowledged write.
  std::map<uint64_t, const AuditLog::Intent*> issued;  // sequence -> intent
  std::map<uint64_t, uint64_t> ack_of;                 // sequence -> job
  for (const auto& [job, j] : log->jobs) {
    ASSERT_TRUE(j.ended);
    for (const AuditLog::Intent& in : j.intents) {
      if (in.sequence > j.last_issued) continue;
      ASSERT_TRUE(j.acks.count(in.sequence)) << "write " << in.sequence << " not acknowledged";
      issued[in.sequence] = &in;
      ack_of[in.sequence] = job;
    }
  }
  ASSERT_EQ(issued.size(), 3000u);
  std::map<uint64_t, uint64_t> holds, acked;  // offset -> sequence
  std::istringstream faults(ReadFile(dir.File("faults.log")));
  uint64_t n = 0, dropped_in_second = 0;
  for (const auto& [seq, in] : issued) {
    acked[in->offset] = seq;
    if (++n % kDrop != 0) {
      holds[in->offset] = seq;
      continue;
    }
    std::string kind;
    uint64_t offset = 0;
    ASSERT_TRUE(faults >> kind >> offset) << "no fault logged for write " << n;
    std::string rest;
    std::getline(faults, rest);
    ASSERT_EQ(kind, "drop");
    ASSERT_EQ(offset, in->offset) << "write " << n;
    if (ack_of[seq] == log->jobs.rbegin()->first) ++dropped_in_second;
  }
  uint64_t lost = 0, lost_in_second = 0, intact = 0;
  for (const auto& [offset, seq] : acked) {
    const auto h = holds.find(offset);
    if (h != holds.end() && h->second == seq) {
      ++intact;
    } else {
      ++lost;
      if (ack_of[seq] == log->jobs.rbegin()->first) ++lost_in_second;
    }
  }
  EXPECT_GT(dropped_in_second, 20u);
  EXPECT_GT(lost_in_second, 5u) << "the test needs losses in the second phase";

  // The cut during the second phase: its end record never reached the witness.
  const std::string end = "E " + std::to_string(log->jobs.rbegin()->first) + " " +
                          std::to_string(second.last_issued) + "\n";
  const size_t at = full.rfind(end);
  ASSERT_NE(at, std::string::npos);
  std::ofstream(log_path, std::ios::trunc) << full.substr(0, at) + full.substr(at + end.size());
  for (const bool cut : {true, false}) {
    SCOPED_TRACE(cut ? "cut in the second phase" : "both phases ended");
    auto [rc, v] = Verify(target.path(), witness, {"--keep"});
    EXPECT_EQ(rc, 1) << v.dump();
    EXPECT_EQ(v["verdict"], "lost-acknowledged-writes");
    EXPECT_EQ(v["blocks"], 1024);  // 4 MiB / 4 KiB, each counted once for the two phases
    EXPECT_EQ(v["lost"], lost);
    EXPECT_EQ(v["intact"], intact);
    // After the cut, a block only announced (ahead) counts as in flight, not untouched.
    if (!cut) {
      EXPECT_EQ(v["untouched"], 1024 - acked.size());
    }
    EXPECT_EQ(v["corrupt"], 0);
    EXPECT_EQ(v["misdirected"], 0);
    EXPECT_EQ(v["acknowledged_writes"], 3000);
    std::ofstream(log_path, std::ios::trunc) << full;
  }
}

// plp --audit: the verify results of cuts join the PLP verdict; a loss fails --expect.
TEST(Audit, PlpFoldsTheCutsIntoItsVerdict) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string kept = dir.File("kept.json");
  const std::string lost = dir.File("lost.json");
  const std::string w1 = "file:" + dir.File("w1.log");
  const std::string w2 = "file:" + dir.File("w2.log");
  ASSERT_EQ(Durabench(AuditArgs(target.path(), w1, {"--ops", "500", "--size", "1MiB"})).exit_code,
            0);
  ASSERT_EQ(Durabench({"audit", "--verify", target.path(), "--witness", w1, "-o", kept}).exit_code,
            0);
  ASSERT_EQ(Durabench(AuditArgs(target.path(), w2,
                                {"--ops", "500", "--size", "4MiB", "--no-layout-fill"}),
                      ShimEnv({{"SHIM_DROP_WRITE_EVERY", "10"}}))
                .exit_code,
            0);
  ASSERT_EQ(Durabench({"audit", "--verify", target.path(), "--witness", w2, "-o", lost}).exit_code,
            1);

  const std::vector<std::string> plp = {"plp",    target.path(), "--runtime", "200ms",
                                        "--size", "4MiB",        "--json"};
  std::vector<std::string> args = plp;
  args.insert(args.end(), {"--audit", kept});
  CommandResult r = Durabench(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = Json::parse(r.out);
  EXPECT_NE(j["headline"].get<std::string>().find("kept every acknowledged write across 1 cut"),
            std::string::npos)
      << j["headline"];
  EXPECT_EQ(j["evidence"]["audits"].size(), 1u);

  args = plp;
  args.insert(args.end(),
              {"--audit", lost, "--audit", kept, "--expect", j["verdict"].get<std::string>()});
  r = Durabench(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  j = Json::parse(r.out);
  EXPECT_NE(j["headline"].get<std::string>().find("LOST acknowledged writes in 1 of 2 cuts"),
            std::string::npos)
      << j["headline"];
  EXPECT_EQ(j["evidence"]["lost_acknowledged_writes"], true);

  args = plp;
  args.insert(args.end(), {"--audit", dir.File("w1.log")});  // not a verify result
  r = Durabench(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not a verify result"), std::string::npos) << r.err;
}

#ifdef DURABENCH_HAVE_EMUDRIVE

struct CutOutcome {
  int cuts = 0;
  int kept = 0;
  uint64_t lost_writes = 0;
  uint64_t corrupt = 0;
  Json last;
};

// `cuts` audits on a fresh emulated drive in `mode`, each cut through the drive's control file
// at a random time in [100, 400) ms after the witness got its first acknowledgement, then
// verified on the drive mounted again over the same backing files. (A cut 100-400 ms after the
// start of the run, under ASan beside other tests, once came before any write was acknowledged.)
CutOutcome CutRepeatedly(const EmuDriveOptions& options, int cuts) {
  CutOutcome out;
  std::mt19937 rng(0xa0d17);
  for (int i = 0; i < cuts; ++i) {
    TempDir dir;
    const std::string witness = "file:" + dir.File("w.log");
    std::string mount;
    {
      EmuDriveMount drive(options, dir.File("backing"), dir.File("mnt"));
      if (!drive.ok()) {
        ADD_FAILURE() << "skip: " << drive.skip_reason();
        return out;
      }
      mount = drive.mount_point();
      const int after_ms = 100 + static_cast<int>(rng() % 300);
      const std::string cut = "until grep -q '^A' " + dir.File("w.log") +
                              "; do sleep 0.01; done; sleep " + std::to_string(after_ms / 1000.0) +
                              "; echo powercut > " + drive.control_file();
      CommandResult r = Durabench(AuditArgs(
          mount, witness,
          {"--runtime", "30s", "--size", "256KiB", "--cut-after", "1ms", "--cut-command", cut}));
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_TRUE(drive.WaitForCut()) << drive.log();
    }
    EmuDriveOptions plain = options;
    plain.torn = false;
    EmuDriveMount again(plain, dir.File("backing"), dir.File("mnt"));
    EXPECT_TRUE(again.ok()) << again.skip_reason();
    auto [rc, v] = Verify(mount, witness);
    ++out.cuts;
    if (rc == 0) ++out.kept;
    EXPECT_TRUE(rc == 0 || rc == 1) << v.dump();
    EXPECT_GT(v.value("acknowledged_writes", uint64_t{0}), 0u) << v.dump();
    out.lost_writes += v.value("loss_window", Json::object()).value("lost_writes", uint64_t{0});
    out.corrupt += v.value("corrupt", uint64_t{0});
    out.last = v;
  }
  return out;
}

bool CanMount() {
  TempDir dir;
  EmuDriveMount drive("plp", "0ms", dir.File("backing"), dir.File("mnt"));
  return drive.ok();
}

TEST(AuditEmuDrive, HonestDrivesKeepEveryAcknowledgedWriteAcrossTwentyCuts) {
  if (!CanMount())
    GTEST_SKIP() << "skipped: the emulated drive cannot be mounted (root, /dev/fuse)";
  for (const char* mode : {"plp", "writethrough", "volatile"}) {
    SCOPED_TRACE(mode);
    EmuDriveOptions o{mode, "200us"};
    const CutOutcome c = CutRepeatedly(o, 20);
    EXPECT_EQ(c.cuts, 20);
    EXPECT_EQ(c.kept, c.cuts) << c.last.dump();
  }
}

TEST(AuditEmuDrive, ALiarLosesAcknowledgedWritesInEveryCut) {
  if (!CanMount())
    GTEST_SKIP() << "skipped: the emulated drive cannot be mounted (root, /dev/fuse)";
  EmuDriveOptions o{"liar", "200us"};
  const CutOutcome c = CutRepeatedly(o, 20);
  EXPECT_EQ(c.cuts, 20);
  EXPECT_EQ(c.kept, 0) << "a liar must be caught in every cut";
  EXPECT_GT(c.lost_writes, 20u);
  EXPECT_EQ(c.last["verdict"], "lost-acknowledged-writes");
  EXPECT_GT(c.last["loss_window"]["oldest_before_last_ack_ns"].get<uint64_t>(), 0u);
}

TEST(AuditEmuDrive, ATornWriteIsCorrupt) {
  if (!CanMount())
    GTEST_SKIP() << "skipped: the emulated drive cannot be mounted (root, /dev/fuse)";
  // Without a flush call the last write sits in the cache at the cut, and --torn tears it.
  EmuDriveOptions o{"volatile", "200us"};
  o.torn = true;
  TempDir dir;
  const std::string witness = "file:" + dir.File("w.log");
  std::string mount;
  {
    EmuDriveMount drive(o, dir.File("backing"), dir.File("mnt"));
    ASSERT_TRUE(drive.ok()) << drive.skip_reason();
    mount = drive.mount_point();
    CommandResult r = Durabench(
        AuditArgs(mount, witness,
                  {"--runtime", "30s", "--size", "256KiB", "--sync", "none", "--cut-after", "300ms",
                   "--cut-command", "echo powercut > " + drive.control_file()}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(drive.WaitForCut()) << drive.log();
  }
  EmuDriveMount again("plp", "0ms", dir.File("backing"), dir.File("mnt"));
  ASSERT_TRUE(again.ok());
  auto [rc, v] = Verify(mount, witness);
  EXPECT_EQ(rc, 1) << v.dump();
  EXPECT_EQ(v["corrupt"], 1) << v.dump();
}

#endif  // DURABENCH_HAVE_EMUDRIVE

}  // namespace
}  // namespace durabench::testing
