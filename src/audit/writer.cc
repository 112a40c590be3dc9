#include "audit/writer.h"

#include <fmt/format.h>
#include <time.h>

namespace durabench {
namespace {

// Acknowledgements are sent at least this often while writes are issued, and whenever this
// many bytes of them wait.
constexpr uint64_t kAckPeriodNs = 1'000'000;
constexpr size_t kAckBytes = 8192;

uint64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// xorshift64*: the block choice needs speed and spread, not quality.
uint64_t NextRandom(uint64_t* state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545f4914f6cdd1dull;
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
      AuditIdHex(id), RealtimeNs() / 1'000'000'000, layout.job, layout.path, layout.region_offset,
      layout.blocks, layout.block_bytes, layout.phase)));
  DURABENCH_RETURN_IF_ERROR(audit->TopUp());
  return audit;
}

WriteAudit::WriteAudit(const AuditId& id, std::unique_ptr<WitnessLink> link,
                       const AuditJobLayout& layout, uint64_t seed,
                       std::shared_ptr<AuditSequences> sequences)
    : id_(id),
      link_(std::move(link)),
      layout_(layout),
      sequences_(std::move(sequences)),
      rng_(seed | 1),
      generation_(layout.blocks, 0),
      busy_(layout.blocks, 0) {}

Status WriteAudit::Fail(Status st) {
  if (status_.ok()) {
    status_ = Status::IoError("audit stopped, it could not be verified: " + st.message());
  }
  return status_;
}

Status WriteAudit::TopUp() {
  if (planned_.size() + kBatch > kLookahead) return Status::Ok();
  const uint64_t first = sequences_->fetch_add(kBatch, std::memory_order_relaxed) + 1;
  std::string lines;
  for (uint64_t i = 0; i < kBatch; ++i) {
    const uint64_t block = NextRandom(&rng_) % layout_.blocks;
    const Planned p{first + i, block, ++generation_[block]};
    planned_.push_back(p);
    fmt::format_to(std::back_inserter(lines), "I {} {} {} {}\n", layout_.job, p.sequence,
                   layout_.region_offset + block * layout_.block_bytes, p.generation);
  }
  if (Status st = link_->Send(lines); !st.ok()) return Fail(st);
  Result<uint64_t> token = link_->RequestDurable();
  if (!token.ok()) return Fail(token.status());
  requests_.emplace_back(first + kBatch - 1, *token);
  return Status::Ok();
}

bool WriteAudit::Ready() {
  if (!status_.ok()) return true;  // Next() reports it
  if (planned_.empty() && !TopUp().ok()) return true;
  return busy_[planned_.front().block] == 0;
}

Status WriteAudit::Next(uint8_t* buf, uint64_t* offset, uint64_t* sequence) {
  if (!status_.ok()) return status_;
  if (planned_.empty()) DURABENCH_RETURN_IF_ERROR(TopUp());
  const Planned p = planned_.front();
  while (durable_through_ < p.sequence) {
    const auto [last, token] = requests_.front();
    if (Status st = link_->WaitDurable(token); !st.ok()) return Fail(st);
    durable_through_ = last;
    requests_.pop_front();
  }
  planned_.pop_front();
  busy_[p.block] = 1;
  last_issued_ = p.sequence;
  *offset = layout_.region_offset + p.block * layout_.block_bytes;
  *sequence = p.sequence;
  AuditBlockInfo info;
  info.offset = *offset;
  info.generation = p.generation;
  info.sequence = p.sequence;
  info.time_ns = RealtimeNs();
  info.job = layout_.job;
  FormatAuditBlock(id_, info, buf, layout_.block_bytes);
  DURABENCH_RETURN_IF_ERROR(TopUp());
  if (!acks_.empty() && info.time_ns - acks_since_ns_ >= kAckPeriodNs) {
    DURABENCH_RETURN_IF_ERROR(SendAcks());
  }
  return Status::Ok();
}

void WriteAudit::Completed(uint64_t offset) {
  busy_[(offset - layout_.region_offset) / layout_.block_bytes] = 0;
}

void WriteAudit::Acknowledged(uint64_t sequence, uint64_t now_ns) {
  if (acks_.empty()) acks_since_ns_ = RealtimeNs();
  fmt::format_to(std::back_inserter(acks_), "A {} {} {}\n", layout_.job, sequence, now_ns);
  if (acks_.size() >= kAckBytes && status_.ok()) (void)SendAcks();
}

Status WriteAudit::SendAcks() {
  if (Status st = link_->Send(acks_); !st.ok()) return Fail(st);
  acks_.clear();
  return Status::Ok();
}

Status WriteAudit::Finish() {
  if (!status_.ok()) return status_;
  acks_ += fmt::format("E {} {}\n", layout_.job, last_issued_);
  DURABENCH_RETURN_IF_ERROR(SendAcks());
  Result<uint64_t> token = link_->RequestDurable();
  if (!token.ok()) return Fail(token.status());
  if (Status st = link_->WaitDurable(*token); !st.ok()) return Fail(st);
  return Status::Ok();
}

}  // namespace durabench
