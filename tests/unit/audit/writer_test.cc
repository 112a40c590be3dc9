// The writer against a real file witness: sequence numbers unique across the jobs of an audit,
// no write before its intent is in the log, acknowledgements streamed while writes are issued,
// and the end recorded by Finish(); against a witness server in a thread that goes away: the
// job's writes stop with the witness's name. Concurrent (the job's witness thread): also in the
// ThreadSanitizer leg.
#include "audit/writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "audit/verify.h"
#include "support/test_util.h"
#include "witness_server.h"

namespace durabench {
namespace {

using durabench::testing::ReadFile;
using durabench::testing::TempDir;
using durabench::testing::WitnessServerThread;

constexpr uint32_t kBlockBytes = 4096;

AuditJobLayout Layout(uint32_t job, uint64_t blocks) {
  AuditJobLayout layout;
  layout.job = job;
  layout.path = "/nowhere/job" + std::to_string(job);
  layout.region_offset = job * blocks * kBlockBytes;
  layout.blocks = blocks;
  layout.block_bytes = kBlockBytes;
  return layout;
}

std::unique_ptr<WriteAudit> OpenAudit(const AuditId& id, const std::string& witness,
                                      const AuditJobLayout& layout,
                                      std::shared_ptr<AuditSequences> sequences) {
  Result<std::unique_ptr<WriteAudit>> audit =
      WriteAudit::Open(id, witness, layout, 1234 + layout.job, std::move(sequences));
  EXPECT_TRUE(audit.ok()) << audit.status().message();
  return audit.ok() ? std::move(audit).value() : nullptr;
}

// One write as a queue-depth-1 job does it: the block, its completion, its acknowledgement.
// Returns its sequence number; the block in `buf` must name it.
uint64_t WriteOne(WriteAudit* audit, std::vector<uint8_t>* buf, const AuditId& id) {
  EXPECT_TRUE(audit->Ready());
  uint64_t offset = 0, sequence = 0;
  const Status st = audit->Next(0, buf->data(), &offset, &sequence);
  EXPECT_TRUE(st.ok()) << st.message();
  AuditBlockInfo info;
  EXPECT_EQ(ParseAuditBlock(id, buf->data(), buf->size(), &info), AuditBlockState::kValid);
  EXPECT_EQ(info.sequence, sequence);
  EXPECT_EQ(info.offset, offset);
  audit->Completed(offset);
  audit->Acknowledged(sequence, 1000 + sequence);
  return sequence;
}

TEST(WriteAudit, TwoJobsNeverShareASequenceNumber) {
  TempDir dir;
  const std::string witness = "file:" + dir.File("w.log");
  const AuditId id = NewAuditId();
  auto sequences = std::make_shared<AuditSequences>(0);
  // Several batches each, the two jobs alternating, so their ranges interleave.
  constexpr uint64_t kWrites = 3 * WriteAudit::kBatch + 17;
  std::unique_ptr<WriteAudit> a = OpenAudit(id, witness, Layout(0, 64), sequences);
  std::unique_ptr<WriteAudit> b = OpenAudit(id, witness, Layout(1, 64), sequences);
  ASSERT_TRUE(a && b);
  std::vector<uint8_t> buf(kBlockBytes);
  std::vector<uint64_t> issued[2];
  for (uint64_t i = 0; i < kWrites; ++i) {
    issued[0].push_back(WriteOne(a.get(), &buf, id));
    issued[1].push_back(WriteOne(b.get(), &buf, id));
  }
  ASSERT_TRUE(a->Finish().ok());
  ASSERT_TRUE(b->Finish().ok());

  std::set<uint64_t> seen;
  for (const std::vector<uint64_t>& job : issued) {
    for (size_t i = 0; i < job.size(); ++i) {
      EXPECT_TRUE(seen.insert(job[i]).second) << "sequence " << job[i] << " issued twice";
      if (i > 0) {
        EXPECT_GT(job[i], job[i - 1]) << "a job's sequence numbers grow";
      }
    }
  }
  // The witness log agrees: unique intents across the jobs, every issued write acknowledged,
  // and each job's end naming its last issued write (later intents were never issued).
  Result<AuditLog> log = ParseWitnessLog(ReadFile(dir.File("w.log")));
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_EQ(log->jobs.size(), 2u);
  std::set<uint64_t> announced;
  for (const auto& [job, j] : log->jobs) {
    ASSERT_TRUE(j.ended);
    EXPECT_EQ(j.last_issued, issued[job].back());
    for (const AuditLog::Intent& in : j.intents) {
      EXPECT_TRUE(announced.insert(in.sequence).second) << "intent " << in.sequence << " twice";
    }
    EXPECT_EQ(j.acks.size(), kWrites);
    for (uint64_t sequence : issued[job]) EXPECT_EQ(j.acks.count(sequence), 1u) << sequence;
  }
}

TEST(WriteAudit, NoWriteIsIssuedBeforeItsIntentIsInTheLog) {
  TempDir dir;
  const std::string witness = "file:" + dir.File("w.log");
  const AuditId id = NewAuditId();
  std::unique_ptr<WriteAudit> audit =
      OpenAudit(id, witness, Layout(0, 16), std::make_shared<AuditSequences>(0));
  ASSERT_TRUE(audit);
  std::vector<uint8_t> buf(kBlockBytes);
  const auto wall = [] {
    return static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch() /
                                 std::chrono::nanoseconds(1));
  };
  uint64_t batch_wall_lo = 0, batch_wall_hi = 0;
  for (uint64_t i = 0; i < 2 * WriteAudit::kBatch + 3; ++i) {
    uint64_t offset = 0, sequence = 0;
    ASSERT_TRUE(audit->Ready());
    // The job's clock: 1 ms a write from an arbitrary origin. The block's time is the wall
    // clock read at the batch's first write plus the job's clock since.
    const uint64_t wall_before = wall();
    ASSERT_TRUE(audit->Next(7'000'000 + i * 1'000'000, buf.data(), &offset, &sequence).ok());
    const uint64_t wall_after = wall();
    if (i % WriteAudit::kBatch == 0) {
      batch_wall_lo = wall_before;
      batch_wall_hi = wall_after;
    }
    // The file witness made it durable (fdatasync) before Next() returned.
    const std::string intent = "\nI 0 " + std::to_string(sequence) + " " + std::to_string(offset);
    ASSERT_NE(ReadFile(dir.File("w.log")).find(intent), std::string::npos) << intent;
    AuditBlockInfo info;
    ASSERT_EQ(ParseAuditBlock(id, buf.data(), buf.size(), &info), AuditBlockState::kValid);
    const uint64_t carried = (i % WriteAudit::kBatch) * 1'000'000;
    EXPECT_GE(info.time_ns, batch_wall_lo + carried) << i;
    EXPECT_LE(info.time_ns, batch_wall_hi + carried) << i;
    audit->Completed(offset);
  }
  ASSERT_TRUE(audit->Finish().ok());
}

TEST(WriteAudit, AcknowledgementsReachTheWitnessWhileWritesAreIssued) {
  TempDir dir;
  const std::string witness = "file:" + dir.File("w.log");
  const AuditId id = NewAuditId();
  std::unique_ptr<WriteAudit> audit =
      OpenAudit(id, witness, Layout(0, 16), std::make_shared<AuditSequences>(0));
  ASSERT_TRUE(audit);
  std::vector<uint8_t> buf(kBlockBytes);
  const uint64_t first = WriteOne(audit.get(), &buf, id);
  // More than a millisecond later, the next write hands the acknowledgement over; the witness
  // thread sends it without waiting for more (polled: no bound on its scheduling is assumed).
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  WriteOne(audit.get(), &buf, id);
  const std::string ack = "\nA 0 " + std::to_string(first) + " ";
  bool found = false;
  for (int i = 0; i < 1000 && !found; ++i) {
    found = ReadFile(dir.File("w.log")).find(ack) != std::string::npos;
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(found) << "no '" << ack << "' in the log before Finish()";
  ASSERT_TRUE(audit->Finish().ok());
}

TEST(WriteAudit, AJobThatEndsBeforeItsFirstWriteRecordsItsEnd) {
  TempDir dir;
  const std::string witness = "file:" + dir.File("w.log");
  std::unique_ptr<WriteAudit> audit =
      OpenAudit(NewAuditId(), witness, Layout(3, 8), std::make_shared<AuditSequences>(0));
  ASSERT_TRUE(audit);
  ASSERT_TRUE(audit->Finish().ok());
  Result<AuditLog> log = ParseWitnessLog(ReadFile(dir.File("w.log")));
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_TRUE(log->jobs.at(3).ended);
  EXPECT_EQ(log->jobs.at(3).last_issued, 0u);
}

TEST(WriteAudit, AWitnessThatGoesAwayStopsTheWrites) {
  TempDir dir;
  WitnessServerThread server(dir.path());
  const std::string address = server.address();
  const AuditId id = NewAuditId();
  std::unique_ptr<WriteAudit> audit =
      OpenAudit(id, address, Layout(0, 64), std::make_shared<AuditSequences>(0));
  ASSERT_TRUE(audit);
  std::vector<uint8_t> buf(kBlockBytes);
  for (int i = 0; i < 100; ++i) WriteOne(audit.get(), &buf, id);
  server.Stop();  // its connections are closed
  // The writes planned while it was there may still go; the next batch's intents cannot be
  // made durable, and the writes stop there.
  Status st = Status::Ok();
  uint64_t writes = 0;
  while (st.ok() && writes < 100 * WriteAudit::kLookahead) {
    uint64_t offset = 0, sequence = 0;
    audit->Ready();
    st = audit->Next(0, buf.data(), &offset, &sequence);
    if (!st.ok()) break;
    ++writes;
    audit->Completed(offset);
    audit->Acknowledged(sequence, writes);
  }
  ASSERT_FALSE(st.ok()) << "the audit went on without its witness";
  EXPECT_LE(writes, WriteAudit::kLookahead) << "no write beyond those durable at the witness";
  EXPECT_NE(st.message().find("could not be verified"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("witness " + address), std::string::npos) << st.message();
  const Status end = audit->Finish();
  EXPECT_FALSE(end.ok());
  EXPECT_EQ(end.message(), st.message());
}

TEST(WriteAudit, AnAuditDestroyedWithoutFinishStopsItsWitnessThread) {
  TempDir dir;
  const std::string witness = "file:" + dir.File("w.log");
  const AuditId id = NewAuditId();
  std::unique_ptr<WriteAudit> audit =
      OpenAudit(id, witness, Layout(0, 16), std::make_shared<AuditSequences>(0));
  ASSERT_TRUE(audit);
  std::vector<uint8_t> buf(kBlockBytes);
  for (uint64_t i = 0; i < WriteAudit::kBatch + 5; ++i) WriteOne(audit.get(), &buf, id);
  audit.reset();  // an aborted phase: no end record, and no thread left behind
  Result<AuditLog> log = ParseWitnessLog(ReadFile(dir.File("w.log")));
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_FALSE(log->jobs.at(0).ended);
}

}  // namespace
}  // namespace durabench
