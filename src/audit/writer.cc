#include "audit/writer.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <initializer_list>
#include <system_error>

#include "util/clock_ns.h"

namespace durabench {
namespace {

// Acknowledgements are sent at least this often while they come, and whenever this many bytes
// of them wait. The witness thread also wakes at least this often.
constexpr uint64_t kAckPeriodNs = 1'000'000;
constexpr size_t kAckBytes = 8192;

// xorshift64*: the block choice needs speed and spread, not quality.
uint64_t NextRandom(uint64_t* state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545f4914f6cdd1dull;
}

// Appends "TAG F1 F2 ...\n" to *out: the witness log's line of an intent or acknowledgement
// (audit/witness.h), written without a format string since the witness thread writes one per
// write, on the CPU the job shares with it.
void AppendRecord(std::string* out, char tag, std::initializer_list<uint64_t> fields) {
  char line[2 + 21 * 4 + 1];
  char* p = line;
  *p++ = tag;
  for (uint64_t f : fields) {
    *p++ = ' ';
    p = std::to_chars(p, line + sizeof(line), f).ptr;
  }
  *p++ = '\n';
  out->append(line, static_cast<size_t>(p - line));
}

Status Stopped(const Status& st) {
  return Status::IoError("audit stopped, it could not be verified: " + st.message());
}

}  // namespace

Result<std::unique_ptr<WriteAudit>> WriteAudit::Open(const AuditId& id, const std::string& witness,
                                                     const AuditJobLayout& layout, uint64_t seed,
                                                     std::shared_ptr<AuditSequences> sequences) {
  if (layout.blocks == 0 || layout.block_bytes < kMinAuditBlockBytes) {
    return Status::InvalidArgument(
        fmt::format("audit: job {} has {} blocks of {} bytes; an audit needs at least one block "
                    "of {} bytes or more",
                    layout.job, layout.blocks, layout.block_bytes, kMinAuditBlockBytes));
  }
  if (layout.path.find_first_of(" \n") != std::string::npos) {
    return Status::InvalidArgument("audit: the target path '" + layout.path +
                                   "' holds a space or newline, which the witness log cannot");
  }
  Result<std::unique_ptr<WitnessLink>> link = ConnectWitness(witness, AuditIdHex(id));
  if (!link.ok()) return link.status();
  std::unique_ptr<WriteAudit> audit(
      new WriteAudit(id, std::move(link).value(), layout, seed, std::move(sequences)));
  DURABENCH_RETURN_IF_ERROR(audit->link_->Send(fmt::format(
      "durabench-audit {} audit={} started={}\nH {} {} {} {} {} {}\n", kWitnessLogVersion,
      AuditIdHex(id), ClockNs(CLOCK_REALTIME) / 1'000'000'000, layout.job, layout.path,
      layout.region_offset, layout.blocks, layout.block_bytes, layout.phase)));
  // The first batch here, before the thread: a witness that cannot take it fails the phase
  // before any I/O, and the job's first write does not wait.
  if (Status st = audit->PlanBatch(); !st.ok()) return Stopped(st);
  try {
    audit->thread_ = std::thread([a = audit.get()] { a->WitnessLoop(); });
  } catch (const std::system_error& e) {
    return Status::IoError("audit: cannot start the witness thread of job " +
                           std::to_string(layout.job) + ": " + e.code().message());
  }
  return audit;
}

WriteAudit::WriteAudit(const AuditId& id, std::unique_ptr<WitnessLink> link,
                       const AuditJobLayout& layout, uint64_t seed,
                       std::shared_ptr<AuditSequences> sequences)
    : id_(id),
      link_(std::move(link)),
      layout_(layout),
      formatter_(id, layout.block_bytes),
      sequences_(std::move(sequences)),
      rng_(seed | 1),
      generation_(layout.blocks, 0),
      plans_(kLookahead),
      ack_ring_(kAckRing),
      busy_(layout.blocks, 0) {}

WriteAudit::~WriteAudit() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  WakeWitness();
  thread_.join();
}

// --- the witness thread ---

Status WriteAudit::PlanBatch() {
  const uint64_t first = sequences_->fetch_add(kBatch, std::memory_order_relaxed) + 1;
  const uint64_t at = published_.load(std::memory_order_relaxed);
  lines_.clear();
  for (uint64_t i = 0; i < kBatch; ++i) {
    const uint64_t block = NextRandom(&rng_) % layout_.blocks;
    AuditBlockInfo info;
    info.offset = layout_.region_offset + block * layout_.block_bytes;
    info.generation = ++generation_[block];
    info.sequence = first + i;
    info.job = layout_.job;
    plans_[(at + i) % kLookahead] = {info.sequence, block, info.generation,
                                     formatter_.Prepare(info)};
    AppendRecord(&lines_, 'I', {layout_.job, info.sequence, info.offset, info.generation});
  }
  DURABENCH_RETURN_IF_ERROR(link_->Send(lines_));
  Result<uint64_t> token = link_->RequestDurable();
  if (!token.ok()) return token.status();
  DURABENCH_RETURN_IF_ERROR(link_->WaitDurable(*token));
  // Durable: the job thread may issue them.
  published_.store(at + kBatch, std::memory_order_release);
  witness_epoch_.fetch_add(1, std::memory_order_release);
  witness_epoch_.notify_all();
  return Status::Ok();
}

Status WriteAudit::TakeAcks(bool now) {
  const uint64_t given = acks_given_.load(std::memory_order_acquire);
  uint64_t taken = acks_taken_.load(std::memory_order_relaxed);
  if (taken != given) {
    for (; taken != given; ++taken) {
      const Ack& a = ack_ring_[taken % kAckRing];
      AppendRecord(&acks_, 'A', {layout_.job, a.sequence, a.now_ns});
    }
    acks_taken_.store(taken);  // seq_cst: against job_waits_for_acks_ (Acknowledged())
    if (job_waits_for_acks_.exchange(false)) {
      witness_epoch_.fetch_add(1, std::memory_order_release);
      witness_epoch_.notify_all();
    }
  }
  const uint64_t t = ClockNs(CLOCK_MONOTONIC);
  if (!acks_.empty() && (now || acks_.size() >= kAckBytes || t - acks_sent_ns_ >= kAckPeriodNs)) {
    DURABENCH_RETURN_IF_ERROR(link_->Send(acks_));
    acks_.clear();
    acks_sent_ns_ = t;
  }
  return Status::Ok();
}

void WriteAudit::FailWitness(const Status& st) {
  witness_status_ = Stopped(st);
  failed_.store(true, std::memory_order_release);
  witness_epoch_.fetch_add(1, std::memory_order_release);
  witness_epoch_.notify_all();
}

void WriteAudit::WitnessLoop() {
  while (true) {
    const bool finishing = finish_.load();
    if (Status st = TakeAcks(finishing); !st.ok()) return FailWitness(st);
    if (finishing) {
      Status st = link_->Send(fmt::format("E {} {}\n", layout_.job, last_issued_));
      Result<uint64_t> token = st.ok() ? link_->RequestDurable() : Result<uint64_t>(st);
      if (token.ok()) st = link_->WaitDurable(*token);
      if (!token.ok() || !st.ok()) FailWitness(token.ok() ? st : token.status());
      return;
    }
    if (stop_.load()) return;
    const auto room = [this] {
      return published_.load(std::memory_order_relaxed) + kBatch - consumed_.load() <= kLookahead;
    };
    if (room()) {
      if (Status st = PlanBatch(); !st.ok()) return FailWitness(st);
      continue;
    }
    // Nothing to plan: sleep until the job thread makes room, ends, or the acknowledgements are
    // due. witness_sleeps_ and the job thread's stores are sequentially consistent: either the
    // job thread sees it set (and notifies under the mutex, so not before the wait), or this
    // thread sees what the job thread stored.
    std::unique_lock<std::mutex> lock(mutex_);
    witness_sleeps_.store(true);
    if (!finish_.load() && !stop_.load() && !room()) {
      wake_.wait_for(lock, std::chrono::nanoseconds(kAckPeriodNs));
    }
    witness_sleeps_.store(false, std::memory_order_relaxed);
  }
}

// --- the job thread ---

void WriteAudit::WakeWitness() {
  if (witness_sleeps_.load()) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_one();
  }
}

bool WriteAudit::WaitPlanned() {
  // A failure is seen at the latest when the plans published before it run out.
  if (seen_published_ > next_) return true;
  while (true) {
    const uint32_t epoch = witness_epoch_.load(std::memory_order_acquire);
    if (failed_.load(std::memory_order_acquire)) {
      if (status_.ok()) status_ = witness_status_;
      return false;
    }
    seen_published_ = published_.load(std::memory_order_acquire);
    if (seen_published_ > next_) return true;
    witness_epoch_.wait(epoch, std::memory_order_acquire);
  }
}

bool WriteAudit::Ready() {
  if (!status_.ok() || !WaitPlanned()) return true;  // Next() reports it
  return busy_[plans_[next_ % kLookahead].block] == 0;
}

Status WriteAudit::Next(uint64_t now_ns, uint8_t* buf, uint64_t* offset, uint64_t* sequence) {
  if (!status_.ok() || !WaitPlanned()) return status_;
  // The wall clock is read once a batch (the first write included), and the block's time is
  // the job's clock carried over from there.
  if (next_ % kBatch == 0) {
    wall_minus_clock_ =
        static_cast<int64_t>(ClockNs(CLOCK_REALTIME)) - static_cast<int64_t>(now_ns);
  }
  const Planned p = plans_[next_ % kLookahead];
  ++next_;
  if (next_ % kBatch == 0) {
    // Room for the next batch: seq_cst against witness_sleeps_ (WakeWitness). Only here can the
    // witness thread's room() turn true, so the writes between need no more than release.
    consumed_.store(next_);
    WakeWitness();
  } else {
    consumed_.store(next_, std::memory_order_release);
  }
  busy_[p.block] = 1;
  last_issued_ = p.sequence;
  AuditBlockInfo info;
  info.offset = layout_.region_offset + p.block * layout_.block_bytes;
  info.generation = p.generation;
  info.sequence = p.sequence;
  info.time_ns = static_cast<uint64_t>(static_cast<int64_t>(now_ns) + wall_minus_clock_);
  info.job = layout_.job;
  formatter_.Format(info, p.prepared, buf);
  *offset = info.offset;
  *sequence = p.sequence;
  return Status::Ok();
}

void WriteAudit::Completed(uint64_t offset) {
  busy_[(offset - layout_.region_offset) / layout_.block_bytes] = 0;
}

void WriteAudit::Acknowledged(uint64_t sequence, uint64_t now_ns) {
  const uint64_t given = acks_given_.load(std::memory_order_relaxed);
  // A full ring: the witness thread is behind (or gone); wait until it takes some.
  while (given - acks_taken_.load(std::memory_order_acquire) >= kAckRing) {
    job_waits_for_acks_.store(true);
    const uint32_t epoch = witness_epoch_.load(std::memory_order_acquire);
    if (failed_.load(std::memory_order_acquire)) return;  // the audit stops; Next() says why
    if (given - acks_taken_.load() < kAckRing) break;
    WakeWitness();
    witness_epoch_.wait(epoch, std::memory_order_acquire);
  }
  ack_ring_[given % kAckRing] = {sequence, now_ns};
  acks_given_.store(given + 1, std::memory_order_release);
}

Status WriteAudit::Finish() {
  if (!thread_.joinable()) return status_.ok() ? Status::Internal("audit finished twice") : status_;
  finish_.store(true);  // seq_cst: against witness_sleeps_ (WakeWitness)
  WakeWitness();
  thread_.join();
  if (failed_.load(std::memory_order_acquire) && status_.ok()) status_ = witness_status_;
  return status_;
}

}  // namespace durabench
