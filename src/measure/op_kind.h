// OpKind: what was timed. The vocabulary of every measurement and of the result model: the
// recorder keeps a histogram per kind, a result holds statistics per kind, compare and gate name
// metrics by kind ("commit.p99"). Here, in measure/, because the recorder below the result model
// needs it.
//
//   read   - a read call;          write - a write call;
//   flush  - the fsync/fdatasync/sync_file_range call itself (an rbd or gfapi flush);
//   commit - from the start of a write until it is durable (the write plus the flush that covers
//            it, or the write alone under O_SYNC / O_DSYNC / RWF_DSYNC / RWF_SYNC).
#pragma once

#include <string_view>

namespace durabench {

enum class OpKind : int { kRead = 0, kWrite = 1, kFlush = 2, kCommit = 3 };
inline constexpr int kOpKindCount = 4;

// "read", "write", "flush", "commit" (as in the result file and metric names).
constexpr std::string_view OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kRead:
      return "read";
    case OpKind::kWrite:
      return "write";
    case OpKind::kFlush:
      return "flush";
    case OpKind::kCommit:
      return "commit";
  }
  return "unknown";
}

}  // namespace durabench
