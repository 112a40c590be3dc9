// The processes of one multi-client run (docs/scale-out.md): `mpirun -np N durabench run ...`
// starts N ranks, and each rank's durabench joins the group its launcher made. The group is what
// the ranks need of each other and nothing more; the durabench-mpi module implements it on Open
// MPI (backend/mpi/), so the binary itself links no MPI library and runs without one.
//
// Every method but rank(), size(), host(), Announce(), Announced(), SendProgress() and
// ReceiveProgress() is collective: each rank calls it, in the same order, or the ranks that did
// wait forever. Errors are those of the transport (a rank gone).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace durabench {

// One rank's clock against rank 0's, measured by ping-pong (ClockOffsets).
struct ClockOffset {
  int64_t offset_ns = 0;  // this rank's CLOCK_REALTIME minus rank 0's at the same instant
  int64_t rtt_ns = 0;     // round trip of the exchange the offset came from (its uncertainty)
};

// Where one rank is in a phase, for rank 0's progress line of the whole run.
struct RankProgress {
  int64_t phase = -1;  // the phase's index; -1: nothing heard from the rank
  int64_t ops = 0;     // measured reads and writes so far
  int64_t iops = 0;    // over the rank's last progress period
  int64_t p99_ns = 0;  // its jobs' highest p99 of the last interval (ProgressSnapshot)
};

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;

  virtual int rank() const = 0;  // 0 .. size() - 1
  virtual int size() const = 0;
  virtual std::string host() const = 0;  // the node the rank runs on, as the launcher names it

  // The largest of every rank's `mine`: a barrier that also tells each rank the worst state.
  virtual Result<int64_t> AllMax(int64_t mine) = 0;
  // Rank 0 receives every rank's bytes in rank order (its own first); the others an empty list.
  virtual Result<std::vector<std::string>> Gather(const std::string& mine) = 0;
  // Rank 0 receives each rank's clock offset (its own is zero), the best of a few exchanges;
  // the others an empty list.
  virtual Result<std::vector<ClockOffset>> ClockOffsets() = 0;

  // Stonewalling (docs/scale-out.md): tells every other rank, without waiting for any, that this
  // one has finished the work of phase `phase`.
  virtual Status Announce(int64_t phase) = 0;
  // Whether another rank has announced `phase`, without waiting: takes every announcement that
  // has arrived, and drops those of earlier phases.
  virtual Result<bool> Announced(int64_t phase) = 0;

  // Any rank but 0: sends rank 0 where it is, without waiting.
  virtual Status SendProgress(const RankProgress& progress) = 0;
  // Rank 0: what each rank sent since the last call (index: the rank), the latest of each;
  // phase -1 for a rank that sent nothing. Does not wait.
  virtual Result<std::vector<RankProgress>> ReceiveProgress() = 0;
};

}  // namespace durabench
