// `durabench audit --verify TARGET --witness W`: reads back every block an audit wrote and
// classifies it against the witness's log (audit/verify.h); and `durabench witness`, the TCP
// server that keeps such logs (audit/witness.h). Writing the audit is `run`'s (run_command.cc).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/block.h"
#include "audit/verify.h"
#include "audit/witness.h"
#include "backend/backend.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/terminal.h"
#include "engine/engine.h"
#include "engine/registry.h"
#include "result/json.h"
#include "util/errno_status.h"
#include "util/read_file.h"
#include "util/units.h"

namespace durabench {
namespace {

namespace fs = std::filesystem;

// Whether `path` (a file an audit wrote) belongs to `target`: the target itself, or a file
// directly in the target directory.
bool BelongsTo(const std::string& path, const std::string& target) {
  struct stat t, p;
  if (stat(target.c_str(), &t) != 0) return false;
  if (S_ISDIR(t.st_mode)) {
    struct stat parent;
    const std::string dir = fs::path(path).parent_path().string();
    return stat(dir.empty() ? "." : dir.c_str(), &parent) == 0 && parent.st_dev == t.st_dev &&
           parent.st_ino == t.st_ino;
  }
  if (stat(path.c_str(), &p) != 0) return false;
  if (S_ISBLK(t.st_mode)) return S_ISBLK(p.st_mode) && p.st_rdev == t.st_rdev;
  return p.st_dev == t.st_dev && p.st_ino == t.st_ino;
}

// Reads blocks with O_DIRECT where the file allows it (what the media holds, not a cache of
// this host), else through the page cache. Beyond the end of the file reads zeros.
class BlockReader {
 public:
  ~BlockReader() {
    for (auto& [path, fd] : fds_) ::close(fd);
    std::free(scratch_);
  }
  Status Read(const AuditJobLayout& job, uint64_t offset, size_t len, uint8_t* buf) {
    auto it = fds_.find(job.path);
    if (it == fds_.end()) {
      int fd = ::open(job.path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
      if (fd < 0 && errno == EINVAL) fd = ::open(job.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return ErrnoStatus("open", job.path, errno);
      it = fds_.emplace(job.path, fd).first;
    }
    if (len > scratch_len_) {
      std::free(scratch_);
      scratch_ = nullptr;
      if (posix_memalign(&scratch_, 4096, len) != 0) return Status::IoError("out of memory");
      scratch_len_ = len;
    }
    size_t got = 0;
    while (got < len) {
      const ssize_t n = ::pread(it->second, static_cast<uint8_t*>(scratch_) + got, len - got,
                                static_cast<off_t>(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus("read", job.path, errno);
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    std::memcpy(buf, scratch_, got);
    std::memset(buf + got, 0, len - got);
    return Status::Ok();
  }

 private:
  std::map<std::string, int> fds_;
  void* scratch_ = nullptr;
  size_t scratch_len_ = 0;
};

// Reads an audit's blocks on a URI target through the target's native engine (rados, rbd,
// gfapi), one engine per job path, in pieces that never cross a 1 MiB boundary (a rados read
// stays within its 4 MiB object). An object the audit never wrote reads as zeros.
class EngineBlockReader {
 public:
  static constexpr uint64_t kPieceBytes = 1 << 20;

  explicit EngineBlockReader(BackendConnection* connection) : connection_(connection) {}
  ~EngineBlockReader() {
    for (auto& [path, engine] : engines_) engine->Close();
    std::free(scratch_);
  }

  Status Read(const AuditJobLayout& job, uint64_t offset, size_t len, uint8_t* buf) {
    Result<Engine*> engine = EngineFor(job.path);
    if (!engine.ok()) return engine.status();
    if (scratch_ == nullptr && posix_memalign(&scratch_, 4096, kPieceBytes) != 0) {
      scratch_ = nullptr;
      return Status::IoError("out of memory");
    }
    for (uint64_t done = 0; done < len;) {
      const uint64_t at = offset + done;
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(len - done, kPieceBytes - at % kPieceBytes));
      IoRequest req;
      req.type = IoType::kRead;
      req.buf = scratch_;
      req.length = static_cast<uint32_t>(n);
      req.offset = at;
      int r = (*engine)->Submit(&req);
      if (r == Engine::kQueued) {
        IoRequest* out = nullptr;
        r = (*engine)->Commit();
        if (r >= 0) r = (*engine)->Reap(1, 1, &out);
        if (r >= 0 && out != &req) r = -EIO;
      }
      if (r < 0) return ErrnoStatus("read", job.path, -r);
      int64_t got = req.result;
      if (got == -ENOENT) got = 0;  // an object never written
      if (got < 0) return ErrnoStatus("read", job.path, static_cast<int>(-got));
      const size_t have = std::min(n, static_cast<size_t>(got));
      std::memcpy(buf + done, scratch_, have);
      std::memset(buf + done + have, 0, n - have);
      done += n;
    }
    return Status::Ok();
  }

 private:
  Result<Engine*> EngineFor(const std::string& path) {
    auto it = engines_.find(path);
    if (it != engines_.end()) return it->second.get();
    Result<const EngineInfo*> info = FindEngine(connection_->engine_name());
    if (!info.ok()) return info.status();
    std::unique_ptr<Engine> engine = (*info)->create();
    EngineOpenOptions open;
    open.writes = false;
    open.iodepth = 1;
    open.connection = connection_;
    open.direct = true;  // what the servers hold: no client cache (rbd_cache off)
    Status st = engine->Open(path, open);
    if (!st.ok()) {
      open.direct = false;  // a volume that refuses O_DIRECT
      st = engine->Open(path, open);
    }
    if (!st.ok()) return st;
    return engines_.emplace(path, std::move(engine)).first->second.get();
  }

  BackendConnection* connection_;
  std::map<std::string, std::unique_ptr<Engine>> engines_;
  void* scratch_ = nullptr;
};

Json VerdictToJson(const AuditLog& log, const AuditVerdict& v, const std::string& witness) {
  Json j;
  j["verdict"] = v.verdict;
  j["audit"] = AuditIdHex(log.id);
  j["witness"] = witness;
  j["blocks"] = v.blocks;
  j["written"] = v.written;
  j["intact"] = v.intact;
  j["lost"] = v.lost;
  j["corrupt"] = v.corrupt;
  j["misdirected"] = v.misdirected;
  j["untouched"] = v.untouched;
  j["in_flight_landed"] = v.in_flight_landed;
  j["in_flight_missing"] = v.in_flight_missing;
  j["acknowledged_writes"] = v.acknowledged_writes;
  j["loss_window"] = {{"lost_writes", v.lost_writes},
                      {"oldest_before_last_ack_ns", v.lost_oldest_before_last_ack_ns},
                      {"newest_before_last_ack_ns", v.lost_newest_before_last_ack_ns}};
  j["examples"] = v.examples;
  return j;
}

void PrintVerdict(const AuditLog& log, const AuditVerdict& v) {
  std::printf("audit %s: %s\n", AuditIdHex(log.id).c_str(), v.verdict.c_str());
  std::printf(
      "  blocks %llu (written %llu, untouched %llu): intact %llu, lost %llu, corrupt %llu, "
      "misdirected %llu\n",
      static_cast<unsigned long long>(v.blocks), static_cast<unsigned long long>(v.written),
      static_cast<unsigned long long>(v.untouched), static_cast<unsigned long long>(v.intact),
      static_cast<unsigned long long>(v.lost), static_cast<unsigned long long>(v.corrupt),
      static_cast<unsigned long long>(v.misdirected));
  std::printf("  acknowledged writes %llu; in flight at the end: %llu landed, %llu did not\n",
              static_cast<unsigned long long>(v.acknowledged_writes),
              static_cast<unsigned long long>(v.in_flight_landed),
              static_cast<unsigned long long>(v.in_flight_missing));
  if (v.lost_writes != 0) {
    std::printf(
        "  loss window: %llu acknowledged writes lost, acknowledged from %s to %s before the last "
        "acknowledgement\n",
        static_cast<unsigned long long>(v.lost_writes),
        FormatDurationNs(v.lost_oldest_before_last_ack_ns).c_str(),
        FormatDurationNs(v.lost_newest_before_last_ack_ns).c_str());
  }
  // A few examples; --json lists up to kMaxAuditExamples.
  constexpr size_t kShown = 5;
  for (size_t i = 0; i < v.examples.size() && i < kShown; ++i) {
    std::printf("  %s\n", v.examples[i].c_str());
  }
  const uint64_t problems = v.lost + v.corrupt + v.misdirected;
  if (problems > kShown) {
    std::printf("  ... %llu more (--json lists the first %zu)\n",
                static_cast<unsigned long long>(problems - kShown), kMaxAuditExamples);
  }
}

// Prints the verdict (unless --json) and writes or prints its JSON.
Status Report(const AuditVerifyArgs& args, const AuditLog& log, const AuditVerdict& verdict,
              const std::optional<OutputPath>& output) {
  if (!args.json) PrintVerdict(log, verdict);
  return EmitResult(VerdictToJson(log, verdict, args.witness), output, args.json, !args.json);
}

// Verify on rados://, rbd:// or gluster://: the module reopens what the audit's jobs wrote
// (refusing names the target's runs never make), the native engine reads it back, and what the
// audit created is removed unless --keep.
int VerifyUri(const AuditVerifyArgs& args, const AuditLog& log) {
  std::vector<JobFile> jobs;
  for (const auto& [job, j] : log.jobs) {
    JobFile f;
    f.path = j.layout.path;
    f.offset_bytes = j.layout.region_offset;
    f.size_bytes = j.layout.blocks * j.layout.block_bytes;
    jobs.push_back(std::move(f));
  }
  Result<std::optional<OutputPath>> output = CheckResultOutput(args.output, args.target);
  if (!output.ok()) return ExitFor(output.status());
  Result<std::shared_ptr<BackendConnection>> connection =
      ReopenBackendTarget(args.target, jobs, args.backend);
  if (!connection.ok()) {
    return ExitFor(connection.status().WithContext("audit " + AuditIdHex(log.id)));
  }
  Result<AuditVerdict> verdict = Status::Internal("not verified");
  {
    EngineBlockReader reader(connection->get());
    verdict =
        VerifyAudit(log, [&reader](const AuditJobLayout& job, uint64_t offset, size_t len,
                                   uint8_t* buf) { return reader.Read(job, offset, len, buf); });
  }
  if (!verdict.ok()) return ExitFor(verdict.status());
  Status written = Report(args, log, *verdict, *output);
  (*connection)->RemoveCreated(args.keep);
  if (!written.ok()) return ExitFor(written);
  return verdict->verdict == "kept" ? kExitOk : 1;
}

int Verify(const AuditVerifyArgs& args) {
  const std::string wanted = args.audit_id.empty() ? "latest" : args.audit_id;
  AuditId wanted_id{};
  if (!args.audit_id.empty() && !ParseAuditIdHex(args.audit_id, &wanted_id)) {
    return UsageError("--audit-id: expected 32 lower-case hex digits");
  }
  Result<std::string> text = FetchWitnessLog(args.witness, wanted);
  if (!text.ok()) return ExitFor(text.status());
  Result<AuditLog> log = ParseWitnessLog(*text);
  if (!log.ok()) return ExitFor(log.status().WithContext("witness " + args.witness));
  if (!args.audit_id.empty() && log->id != wanted_id) {
    return UsageError(fmt::format("witness {} holds audit {}, not {}", args.witness,
                                  AuditIdHex(log->id), args.audit_id));
  }
  if (LooksLikeTargetUri(args.target)) return VerifyUri(args, *log);
  for (const auto& [job, j] : log->jobs) {
    struct stat st;
    if (stat(j.layout.path.c_str(), &st) != 0) {
      return UsageError(fmt::format(
          "audit {} wrote {}, which does not exist (verified and removed already, or another "
          "target's audit?)",
          AuditIdHex(log->id), j.layout.path));
    }
    if (!BelongsTo(j.layout.path, args.target)) {
      return UsageError(
          fmt::format("audit {} wrote {}, which is not {}: the witness holds another "
                      "target's audit (--audit-id picks one)",
                      AuditIdHex(log->id), j.layout.path, args.target));
    }
  }
  Result<std::optional<OutputPath>> output = CheckResultOutput(args.output, args.target);
  if (!output.ok()) return ExitFor(output.status());
  BlockReader reader;
  Result<AuditVerdict> verdict =
      VerifyAudit(*log, [&reader](const AuditJobLayout& job, uint64_t offset, size_t len,
                                  uint8_t* buf) { return reader.Read(job, offset, len, buf); });
  if (!verdict.ok()) return ExitFor(verdict.status());
  Status written = Report(args, *log, *verdict, *output);
  if (!args.keep) {
    for (const auto& [job, j] : log->jobs) {
      struct stat st;
      const std::string name = fs::path(j.layout.path).filename().string();
      if (name.rfind("durabench-", 0) == 0 && lstat(j.layout.path.c_str(), &st) == 0 &&
          S_ISREG(st.st_mode)) {
        ::unlink(j.layout.path.c_str());
      }
    }
  }
  if (!written.ok()) return ExitFor(written);
  return verdict->verdict == "kept" ? kExitOk : 1;
}

struct WitnessArgs {
  std::string listen;
  std::string dir;
};

void PrintListening(const std::string& address, void* dir) {
  std::printf("durabench witness: listening on %s, logs in %s\n", address.c_str(),
              static_cast<const std::string*>(dir)->c_str());
  std::fflush(stdout);
}

}  // namespace

int RunAuditVerify(const AuditVerifyArgs& args) { return Verify(args); }

Result<std::vector<PlpAuditResult>> ReadAuditResults(const std::vector<std::string>& files) {
  std::vector<PlpAuditResult> out;
  for (const std::string& file : files) {
    Result<std::string> text = ReadRegularFile(file, 16 << 20, "verify result");
    if (!text.ok()) return text.status().WithContext("--audit");
    const Json j = Json::parse(*text, nullptr, false);
    const auto count = [&j](const char* key) -> uint64_t {
      return j.contains(key) && j[key].is_number_unsigned() ? j[key].get<uint64_t>() : 0;
    };
    if (j.is_discarded() || !j.is_object() || !j.contains("verdict") || !j["verdict"].is_string() ||
        !j.contains("audit") || !j.contains("acknowledged_writes")) {
      return Status::InvalidArgument(
          "--audit " + file +
          ": not a verify result (write one with `durabench audit --verify ... -o FILE`)");
    }
    PlpAuditResult r;
    r.source = file;
    r.verdict = j["verdict"].get<std::string>();
    if (r.verdict != "kept" && r.verdict != "lost-acknowledged-writes" && r.verdict != "corrupt") {
      return Status::InvalidArgument("--audit " + file + ": unknown verdict '" + r.verdict + "'");
    }
    r.acknowledged_writes = count("acknowledged_writes");
    r.corrupt = count("corrupt");
    r.misdirected = count("misdirected");
    if (j.contains("loss_window") && j["loss_window"].is_object() &&
        j["loss_window"].contains("lost_writes") &&
        j["loss_window"]["lost_writes"].is_number_unsigned()) {
      r.lost_writes = j["loss_window"]["lost_writes"].get<uint64_t>();
    }
    out.push_back(std::move(r));
  }
  return out;
}

CommandAction RegisterWitnessCommand(CLI::App& app) {
  auto args = std::make_shared<WitnessArgs>();
  app.add_option("-l,--listen", args->listen, "ADDR:PORT to listen on (port 0: any free port)")
      ->required();
  app.add_option(
         "-d,--dir", args->dir,
         "Directory for the logs (AUDIT_ID.log; created), on storage the cut does not touch")
      ->required();
  app.footer(
      "Runs until SIGINT or SIGTERM. Every record an audit sends is appended to DIR/AUDIT.log\n"
      "and fdatasync'd before the audit is told so; `audit --verify` fetches the log from here.\n"
      "Examples:\n"
      "  durabench witness --listen 0.0.0.0:7000 --dir /var/lib/durabench-witness\n"
      "  durabench witness --listen 127.0.0.1:0 --dir /tmp/w     (prints the port it got)\n"
      "Exit: 128+N after stop signal N (143 for SIGTERM, 130 for Ctrl-C), 2 usage, 3 cannot\n"
      "listen or write.");
  return [args] {
    WitnessServerOptions options;
    options.listen = args->listen;
    options.dir = args->dir;
    options.stop = InstallStopHandlers();
    options.ready = &PrintListening;
    options.ready_arg = &args->dir;
    Status st = RunWitnessServer(options);
    return ExitFor(st);
  };
}

}  // namespace durabench
