#include "audit/verify.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>

namespace durabench {
namespace {

// Blocks read per call of the reader.
constexpr uint64_t kReadBlocks = 256;

// What the witness says of one block: its writes, oldest first.
struct History {
  uint64_t acked_generation = 0;   // A: the last acknowledged generation (0: none)
  uint64_t newest_generation = 0;  // I: the newest announced
  std::vector<std::pair<uint64_t, uint64_t>> acked;  // (generation, ack time) of every ack
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
          version != 1) {
        return Malformed(line_no, line, "not a version 1 audit header");
      }
      AuditId parsed{};
      if (!ParseAuditIdHex(id, &parsed)) return Malformed(line_no, line, "bad audit id");
      if (header && parsed != log.id) {
        return Malformed(line_no, line, "a second audit in one log");
      }
      log.id = parsed;
      log.started = started;
      header = true;
      continue;
    }
    unsigned job = 0;
    unsigned long long a = 0, b = 0, c = 0, d = 0;
    char path[4096] = {};
    switch (line[0]) {
      case 'H': {
        if (std::sscanf(line.c_str(), "H %u %4095s %llu %llu %llu", &job, path, &a, &b, &c) != 5 ||
            c < kMinAuditBlockBytes || c > (1u << 30)) {
          return Malformed(line_no, line, "bad job layout");
        }
        AuditLog::Job& j = log.jobs[job];
        j.layout = {job, path, a, b, static_cast<uint32_t>(c)};
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
  uint64_t oldest_lost_ack = std::numeric_limits<uint64_t>::max();
  uint64_t newest_lost_ack = 0;
  const auto example = [&](const std::string& text) {
    if (v.examples.size() < kMaxAuditExamples) v.examples.push_back(text);
  };
  for (const auto& [job, j] : log.jobs) {
    const AuditJobLayout& L = j.layout;
    std::unordered_map<uint64_t, History> history;
    for (const AuditLog::Intent& in : j.intents) {
      if (j.ended && in.sequence > j.last_issued) continue;  // announced, never issued
      if (in.offset < L.region_offset || (in.offset - L.region_offset) % L.block_bytes != 0 ||
          (in.offset - L.region_offset) / L.block_bytes >= L.blocks) {
        return Status::InvalidArgument(fmt::format(
            "witness log: job {} announced offset {}, outside its layout", job, in.offset));
      }
      History& h = history[in.offset];
      h.newest_generation = std::max(h.newest_generation, in.generation);
      const auto ack = j.acks.find(in.sequence);
      if (ack != j.acks.end()) {
        ++v.acknowledged_writes;
        h.acked.emplace_back(in.generation, ack->second);
        h.acked_generation = std::max(h.acked_generation, in.generation);
      }
    }
    std::vector<uint8_t> buf(kReadBlocks * L.block_bytes);
    for (uint64_t first = 0; first < L.blocks; first += kReadBlocks) {
      const uint64_t n = std::min(kReadBlocks, L.blocks - first);
      const uint64_t at = L.region_offset + first * L.block_bytes;
      DURABENCH_RETURN_IF_ERROR(read(L, at, n * L.block_bytes, buf.data()));
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t offset = at + i * L.block_bytes;
        ++v.blocks;
        const auto found = history.find(offset);
        const History none;
        const History& h = found == history.end() ? none : found->second;
        if (h.newest_generation != 0) ++v.written;
        AuditBlockInfo info;
        const AuditBlockState state =
            ParseAuditBlock(log.id, buf.data() + i * L.block_bytes, L.block_bytes, &info);
        const std::string where = fmt::format("job {} offset {}", job, offset);
        // Every acknowledged write newer than `held` is lost.
        const auto lose = [&](uint64_t held, const std::string& what) {
          ++v.lost;
          for (const auto& [gen, t] : h.acked) {
            if (gen <= held) continue;
            ++v.lost_writes;
            oldest_lost_ack = std::min(oldest_lost_ack, t);
            newest_lost_ack = std::max(newest_lost_ack, t);
          }
          example(fmt::format("{}: lost ({}, generation {} was acknowledged)", where, what,
                              h.acked_generation));
        };
        if (state == AuditBlockState::kCorrupt) {
          ++v.corrupt;
          example(where + ": corrupt (checksum fails: torn or damaged)");
        } else if (state == AuditBlockState::kNone) {
          if (h.acked_generation != 0) {
            lose(0, "no block of this audit there");
          } else if (h.newest_generation != 0) {
            ++v.in_flight_missing;
          } else {
            ++v.untouched;
          }
        } else if (info.offset != offset) {
          ++v.misdirected;
          example(fmt::format("{}: misdirected (holds the block of offset {}, generation {})",
                              where, info.offset, info.generation));
        } else if (info.generation > h.newest_generation) {
          ++v.corrupt;
          example(fmt::format("{}: corrupt (generation {} was never announced)", where,
                              info.generation));
        } else if (info.generation < h.acked_generation) {
          lose(info.generation, fmt::format("holds generation {}", info.generation));
        } else {
          ++v.intact;
          if (info.generation > h.acked_generation) ++v.in_flight_landed;
          if (info.generation < h.newest_generation) ++v.in_flight_missing;
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
