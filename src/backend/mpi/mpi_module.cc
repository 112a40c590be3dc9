// The MPI module (durabench-mpi.so): the group of a multi-client run (backend/group.h) on Open
// MPI's C API, for `mpirun -np N durabench run ...` (docs/scale-out.md). Only the main thread
// calls MPI (MPI_THREAD_FUNNELED); errors come back as codes (MPI_ERRORS_RETURN), not as an
// abort of the job, so the caller can still clean up its files.
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/group.h"
#include "backend/module.h"
#include "util/clock_ns.h"

namespace durabench {
namespace {

Status MpiError(const char* what, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) len = 0;
  return Status::IoError(std::string("MPI ") + what + ": " + std::string(text, len));
}

int64_t RealtimeNs() { return static_cast<int64_t>(ClockNs(CLOCK_REALTIME)); }

class MpiGroup final : public ProcessGroup {
 public:
  static Result<std::unique_ptr<ProcessGroup>> Join() {
    int provided = 0;
    if (int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
        rc != MPI_SUCCESS) {
      return MpiError("init", rc);
    }
    auto g = std::unique_ptr<MpiGroup>(new MpiGroup());
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g->rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &g->size_);
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    if (MPI_Get_processor_name(name, &len) == MPI_SUCCESS) g->host_.assign(name, len);
    return std::unique_ptr<ProcessGroup>(std::move(g));
  }

  ~MpiGroup() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string host() const override { return host_; }

  Result<int64_t> AllMax(int64_t mine) override {
    int64_t all = 0;
    if (int rc = MPI_Allreduce(&mine, &all, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
        rc != MPI_SUCCESS) {
      return MpiError("allreduce", rc);
    }
    return all;
  }

  Result<std::vector<std::string>> Gather(const std::string& mine) override {
    if (mine.size() > static_cast<size_t>(INT_MAX)) {
      return Status::InvalidArgument("a rank's result is over 2 GiB");
    }
    const int n = static_cast<int>(mine.size());
    std::vector<int> sizes(rank_ == 0 ? static_cast<size_t>(size_) : 0);
    if (int rc = MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
        rc != MPI_SUCCESS) {
      return MpiError("gather", rc);
    }
    std::vector<int> offsets(sizes.size());
    std::string all;
    if (rank_ == 0) {
      int64_t total = 0;
      for (size_t r = 0; r < sizes.size(); ++r) {
        offsets[r] = static_cast<int>(total);
        total += sizes[r];
      }
      if (total > INT_MAX) return Status::InvalidArgument("the ranks' results are over 2 GiB");
      all.resize(static_cast<size_t>(total));
    }
    if (int rc = MPI_Gatherv(mine.data(), n, MPI_CHAR, all.data(), sizes.data(), offsets.data(),
                             MPI_CHAR, 0, MPI_COMM_WORLD);
        rc != MPI_SUCCESS) {
      return MpiError("gather", rc);
    }
    std::vector<std::string> out;
    for (size_t r = 0; r < sizes.size(); ++r) out.push_back(all.substr(offsets[r], sizes[r]));
    return out;
  }

  // Rank 0 sends each other rank its clock kRounds times and gets the rank's clock back; the
  // offset is the rank's reading minus the midpoint of rank 0's send and receive, from the round
  // with the shortest round trip (the tightest bound, as NTP takes it).
  Result<std::vector<ClockOffset>> ClockOffsets() override {
    constexpr int kRounds = 8;
    constexpr int kTag = 7101;
    std::vector<ClockOffset> out;
    if (rank_ == 0) out.resize(static_cast<size_t>(size_));
    for (int peer = 1; peer < size_; ++peer) {
      ClockOffset best{0, INT64_MAX};
      for (int round = 0; round < kRounds; ++round) {
        if (rank_ == 0) {
          const int64_t sent = RealtimeNs();
          int64_t theirs = 0;
          if (int rc = MPI_Send(&sent, 1, MPI_INT64_T, peer, kTag, MPI_COMM_WORLD);
              rc != MPI_SUCCESS) {
            return MpiError("send", rc);
          }
          if (int rc =
                  MPI_Recv(&theirs, 1, MPI_INT64_T, peer, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
              rc != MPI_SUCCESS) {
            return MpiError("receive", rc);
          }
          const int64_t back = RealtimeNs();
          if (back - sent < best.rtt_ns) best = {theirs - (sent + (back - sent) / 2), back - sent};
        } else if (rank_ == peer) {
          int64_t ping = 0;
          if (int rc = MPI_Recv(&ping, 1, MPI_INT64_T, 0, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
              rc != MPI_SUCCESS) {
            return MpiError("receive", rc);
          }
          const int64_t now = RealtimeNs();
          if (int rc = MPI_Send(&now, 1, MPI_INT64_T, 0, kTag, MPI_COMM_WORLD); rc != MPI_SUCCESS) {
            return MpiError("send", rc);
          }
        }
      }
      if (rank_ == 0) out[static_cast<size_t>(peer)] = best;
    }
    return out;
  }

  // An announcement is one int64 (the phase) with its own tag: a message that small goes out at
  // once (eagerly), so MPI_Send returns without the receiver having asked for it.
  Status Announce(int64_t phase) override {
    for (int peer = 0; peer < size_; ++peer) {
      if (peer == rank_) continue;
      if (int rc = MPI_Send(&phase, 1, MPI_INT64_T, peer, kAnnounceTag, MPI_COMM_WORLD);
          rc != MPI_SUCCESS) {
        return MpiError("send", rc);
      }
    }
    return Status::Ok();
  }

  Result<bool> Announced(int64_t phase) override {
    bool announced = false;
    Status st = Drain<1>(kAnnounceTag, [&](int, const int64_t* theirs) {
      announced = announced || theirs[0] == phase;
    });
    if (!st.ok()) return st;
    return announced;
  }

  Status SendProgress(const RankProgress& p) override {
    const int64_t values[4] = {p.phase, p.ops, p.iops, p.p99_ns};
    if (int rc = MPI_Send(values, 4, MPI_INT64_T, 0, kProgressTag, MPI_COMM_WORLD);
        rc != MPI_SUCCESS) {
      return MpiError("send", rc);
    }
    return Status::Ok();
  }

  Result<std::vector<RankProgress>> ReceiveProgress() override {
    std::vector<RankProgress> latest(static_cast<size_t>(size_));
    Status st = Drain<4>(kProgressTag, [&](int source, const int64_t* v) {
      if (source >= 0 && source < size_)
        latest[static_cast<size_t>(source)] = {v[0], v[1], v[2], v[3]};
    });
    if (!st.ok()) return st;
    return latest;
  }

 private:
  // Receives every message of N int64s with `tag` that has arrived, from any rank, handing each
  // to take(source, values); returns when none is left, without waiting for more.
  template <int N, typename Take>
  Status Drain(int tag, Take take) {
    for (;;) {
      int arrived = 0;
      MPI_Status status;
      if (int rc = MPI_Iprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &arrived, &status);
          rc != MPI_SUCCESS) {
        return MpiError("probe", rc);
      }
      if (!arrived) return Status::Ok();
      int64_t values[N] = {};
      if (int rc = MPI_Recv(values, N, MPI_INT64_T, status.MPI_SOURCE, tag, MPI_COMM_WORLD,
                            MPI_STATUS_IGNORE);
          rc != MPI_SUCCESS) {
        return MpiError("receive", rc);
      }
      take(status.MPI_SOURCE, values);
    }
  }

  static constexpr int kAnnounceTag = 7102;
  static constexpr int kProgressTag = 7103;

  MpiGroup() = default;

  int rank_ = 0;
  int size_ = 1;
  std::string host_;
};

class MpiModule final : public Module {
 public:
  std::vector<EngineInfo> Engines() const override { return {}; }
  Result<std::unique_ptr<ProcessGroup>> JoinGroup() override { return MpiGroup::Join(); }
};

}  // namespace
}  // namespace durabench

DURABENCH_MODULE(durabench::MpiModule)
