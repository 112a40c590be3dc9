#include "audit/verify.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <unordered_set>

#include "audit/witness.h"

namespace durabench {
namespace {

// Blocks read per call of the reader.
constexpr uint64_t kReadBlocks = 256;

// One write the witness knows of at a block.
struct Write {
  uint64_t sequence;
  uint64_t generation;
  bool acked;
  uint64_t ack_ns;  // with `acked`
  uint32_t job;
};

// What the witness says of one block: every write announced and issued there, by any job of any
// phase. Writes to one block are never in flight together and the audit's sequence numbers grow
// across its phases, so the sequence numbers order them (generations restart with each phase).
struct History {
  std::vector<Write> writes;
  uint64_t acked_sequence = 0;  // the last acknowledged write (0: none)
  uint64_t acked_generation = 0;
  uint64_t newest_sequence = 0;  // the newest issued
  uint32_t newest_job = 0;
  const Write* Find(uint64_t sequence) const {
    for (const Write& w : writes) {
      if (w.sequence == sequence) return &w;
    }
    return nullptr;
  }
};

Status Malformed(size_t line_no, std::string_view line, const char* why) {
  return Status::InvalidArgument(
      fmt::format("witness log line {}: {} ('{}')", line_no, why, std::string(line.substr(0, 80))));
}

}  // namespace

Result<AuditLog> ParseWitnessLog(std::string_view text) {
  AuditLog log;
  size_t line_no = 0;
  bool header = false;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) break;  // a last line cut short: never confirmed
    const std::string line(text.substr(0, nl));
    text.remove_prefix(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    if (line.rfind("durabench-audit ", 0) == 0) {
      char id[33] = {};
      char started[64] = {};
      int version = 0;
      if (std::sscanf(line.c_str(), "durabench-audit %d audit=%32s started=%63s", &version, id,
                      started) < 2 ||
          version < 1 || version > kWitnessLogVersion) {
        return Malformed(line_no, line, "not a version 1 or 2 audit header");
      }
      AuditId parsed{};
      if (!ParseAuditIdHex(id, &parsed)) return Malformed(line_no, line, "bad audit id");
      if (header && parsed != log.id) {
        return Malformed(line_no, line, "a second audit in one log");
      }
      if (header && version != log.version) {
        return Malformed(line_no, line, "log versions mixed in one audit");
      }
      log.id = parsed;
      log.version = version;
      log.started = started;
      header = true;
      continue;
    }
    unsigned job = 0, phase = 0;
    unsigned long long a = 0, b = 0, c = 0, d = 0;
    char path[4096] = {};
    switch (line[0]) {
      case 'H': {
        // Version 2 adds the job's phase; version 1 had none (and so numbered the jobs of each
        // phase from 0 again).
        const int fields = log.version >= 2 ? 6 : 5;
        if (std::sscanf(line.c_str(), "H %u %4095s %llu %llu %llu %u", &job, path, &a, &b, &c,
                        &phase) != fields ||
            c < kMinAuditBlockBytes || c > (1u << 30)) {
          return Malformed(line_no, line, "bad job layout");
        }
        AuditLog::Job& j = log.jobs[job];
        if (j.has_layout) {
          return Malformed(line_no, line,
                           log.version >= 2
                               ? "a job's layout given twice"
                               : "a job's layout given twice: a workload of several phases "
                                 "audited before witness log version 2, whose phases' records "
                                 "cannot be told apart; it cannot be verified");
        }
        j.layout = {job, phase, path, a, b, static_cast<uint32_t>(c)};
        j.has_layout = true;
        break;
      }
      case 'I':
        if (std::sscanf(line.c_str(), "I %u %llu %llu %llu", &job, &a, &b, &c) != 4) {
          return Malformed(line_no, line, "bad intent");
        }
        log.jobs[job].intents.push_back({a, b, c});
        break;
      case 'A':
        if (std::sscanf(line.c_str(), "A %u %llu %llu", &job, &a, &b) != 3) {
          return Malformed(line_no, line, "bad acknowledgement");
        }
        log.jobs[job].acks[a] = b;
        break;
      case 'E':
        if (std::sscanf(line.c_str(), "E %u %llu", &job, &d) != 2) {
          return Malformed(line_no, line, "bad end");
        }
        log.jobs[job].ended = true;
        log.jobs[job].last_issued = d;
        break;
      default:
        return Malformed(line_no, line, "unknown record");
    }
  }
  if (!header) {
    return Status::InvalidArgument(
        "witness log: no 'durabench-audit' header line; not an audit's log");
  }
  for (const auto& [job, j] : log.jobs) {
    if (!j.has_layout) {
      return Status::InvalidArgument(
          fmt::format("witness log: job {} has records but no layout", job));
    }
  }
  return log;
}

Result<AuditVerdict> VerifyAudit(const AuditLog& log, const AuditBlockReader& read) {
  AuditVerdict v;
  uint64_t last_ack = 0;
  for (const auto& [job, j] : log.jobs) {
    for (const auto& [seq, t] : j.acks) last_ack = std::max(last_ack, t);
  }
  // Jobs of several phases may write the same blocks of a file: each block is classified once,
  // against the writes of all of them, so they must see the file in the same blocks.
  std::map<std::string, const AuditJobLayout*> grid;
  for (const auto& [job, j] : log.jobs) {
    const AuditJobLayout& L = j.layout;
    const auto [it, first] = grid.emplace(L.path, &L);
    if (!first && (it->second->block_bytes != L.block_bytes ||
                   it->second->region_offset % L.block_bytes != L.region_offset % L.block_bytes)) {
      return Status::InvalidArgument(fmt::format(
          "witness log: jobs {} and {} write {} in different blocks ({} bytes from {}, {} bytes "
          "from {}); verify reads a file in one size of block",
          it->second->job, job, L.path, it->second->block_bytes, it->second->region_offset,
          L.block_bytes, L.region_offset));
    }
  }
  std::map<std::string, std::unordered_map<uint64_t, History>> history;  // path -> block offset
  for (const auto& [job, j] : log.jobs) {
    const AuditJobLayout& L = j.layout;
    std::unordered_map<uint64_t, History>& file = history[L.path];
    for (const AuditLog::Intent& in : j.intents) {
      if (j.ended && in.sequence > j.last_issued) continue;  // announced, never issued
      if (in.offset < L.region_offset || (in.offset - L.region_offset) % L.block_bytes != 0 ||
          (in.offset - L.region_offset) / L.block_bytes >= L.blocks) {
        return Status::InvalidArgument(fmt::format(
            "witness log: job {} announced offset {}, outside its layout", job, in.offset));
      }
      History& h = file[in.offset];
      const auto ack = j.acks.find(in.sequence);
      const bool acked = ack != j.acks.end();
      h.writes.push_back({in.sequence, in.generation, acked, acked ? ack->second : 0, job});
      if (in.sequence > h.newest_sequence) {
        h.newest_sequence = in.sequence;
        h.newest_job = job;
      }
      if (acked) {
        ++v.acknowledged_writes;
        if (in.sequence > h.acked_sequence) {
          h.acked_sequence = in.sequence;
          h.acked_generation = in.generation;
        }
      }
    }
  }
  uint64_t oldest_lost_ack = std::numeric_limits<uint64_t>::max();
  uint64_t newest_lost_ack = 0;
  const auto example = [&](const std::string& text) {
    if (v.examples.size() < kMaxAuditExamples) v.examples.push_back(text);
  };
  std::map<std::string, std::unordered_set<uint64_t>> classified;  // path -> offsets
  for (const auto& [job, j] : log.jobs) {
    const AuditJobLayout& L = j.layout;
    const std::unordered_map<uint64_t, History>& file = history[L.path];
    std::unordered_set<uint64_t>& done = classified[L.path];
    std::vector<uint8_t> buf(kReadBlocks * L.block_bytes);
    for (uint64_t first = 0; first < L.blocks; first += kReadBlocks) {
      const uint64_t n = std::min(kReadBlocks, L.blocks - first);
      const uint64_t at = L.region_offset + first * L.block_bytes;
      bool all_done = true;  // another job's layout covered these blocks: read them once
      for (uint64_t i = 0; i < n && all_done; ++i) all_done = done.count(at + i * L.block_bytes);
      if (all_done) continue;
      DURABENCH_RETURN_IF_ERROR(read(L, at, n * L.block_bytes, buf.data()));
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t offset = at + i * L.block_bytes;
        if (!done.insert(offset).second) continue;
        ++v.blocks;
        const auto found = file.find(offset);
        const History none;
        const History& h = found == file.end() ? none : found->second;
        if (!h.writes.empty()) ++v.written;
        AuditBlockInfo info;
        const AuditBlockState state =
            ParseAuditBlock(log.id, buf.data() + i * L.block_bytes, L.block_bytes, &info);
        const std::string where =
            fmt::format("job {} offset {}", h.writes.empty() ? job : h.newest_job, offset);
        // Every acknowledged write after write `held` (0: none of this audit) is lost.
        const auto lose = [&](uint64_t held, const std::string& what) {
          ++v.lost;
          for (const Write& w : h.writes) {
            if (!w.acked || w.sequence <= held) continue;
            ++v.lost_writes;
            oldest_lost_ack = std::min(oldest_lost_ack, w.ack_ns);
            newest_lost_ack = std::max(newest_lost_ack, w.ack_ns);
          }
          example(fmt::format("{}: lost ({}, generation {} was acknowledged)", where, what,
                              h.acked_generation));
        };
        if (state == AuditBlockState::kCorrupt) {
          ++v.corrupt;
          example(where + ": corrupt (checksum fails: torn or damaged)");
          continue;
        }
        if (state == AuditBlockState::kNone) {
          if (h.acked_sequence != 0) {
            lose(0, "no block of this audit there");
          } else if (!h.writes.empty()) {
            ++v.in_flight_missing;
          } else {
            ++v.untouched;
          }
          continue;
        }
        if (info.offset != offset) {
          ++v.misdirected;
          example(fmt::format("{}: misdirected (holds the block of offset {}, generation {})",
                              where, info.offset, info.generation));
          continue;
        }
        const Write* held = h.Find(info.sequence);
        if (held == nullptr || held->generation != info.generation) {
          ++v.corrupt;
          example(fmt::format("{}: corrupt (generation {}, write {}, was never announced)", where,
                              info.generation, info.sequence));
        } else if (info.sequence < h.acked_sequence) {
          lose(info.sequence, fmt::format("holds generation {}", info.generation));
        } else {
          ++v.intact;
          if (info.sequence > h.acked_sequence) ++v.in_flight_landed;
          if (info.sequence < h.newest_sequence) ++v.in_flight_missing;
        }
      }
    }
  }
  if (v.lost_writes != 0) {
    v.lost_oldest_before_last_ack_ns = last_ack - oldest_lost_ack;
    v.lost_newest_before_last_ack_ns = last_ack - newest_lost_ack;
  }
  v.verdict = v.lost != 0                            ? "lost-acknowledged-writes"
              : v.corrupt != 0 || v.misdirected != 0 ? "corrupt"
                                                     : "kept";
  return v;
}

}  // namespace durabench
