// Verify's classification against a witness log and an in-memory "device" whose blocks the
// tests set one by one: every class, the loss window, the end record, malformed logs.
#include "audit/verify.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace durabench {
namespace {

constexpr uint32_t kBlock = 4096;
constexpr uint64_t kBlocks = 8;

class VerifyTest : public ::testing::Test {
 protected:
  VerifyTest() : id_(NewAuditId()) {
    log_ = "durabench-audit 2 audit=" + AuditIdHex(id_) + " started=1\n";
    Job(0, 0);
  }
  // Job `job` of phase `phase` writes the file's blocks (all of them).
  void Job(uint32_t job, uint32_t phase) {
    log_ += "H " + std::to_string(job) + " /x/durabench-1-0.dat 0 " + std::to_string(kBlocks) +
            " " + std::to_string(kBlock) + " " + std::to_string(phase) + "\n";
  }
  // Job `job` announces write `seq` of generation `gen` to block `block`; `ack_ns` > 0
  // acknowledges it.
  void Write(uint64_t seq, uint64_t block, uint64_t gen, uint64_t ack_ns, uint32_t job = 0) {
    const std::string j = std::to_string(job);
    log_ += "I " + j + " " + std::to_string(seq) + " " + std::to_string(block * kBlock) + " " +
            std::to_string(gen) + "\n";
    if (ack_ns) log_ += "A " + j + " " + std::to_string(seq) + " " + std::to_string(ack_ns) + "\n";
    sequence_[{block, gen}] = seq;  // the newest job's write of that generation
  }
  // The device holds generation `gen` of block `named` (the write announced as such, else one
  // never announced) at block `block`.
  void Holds(uint64_t block, uint64_t gen, uint64_t named) {
    std::vector<uint8_t> b(kBlock);
    AuditBlockInfo info;
    info.offset = named * kBlock;
    info.generation = gen;
    const auto seq = sequence_.find({named, gen});
    info.sequence = seq == sequence_.end() ? 999'999 : seq->second;
    FormatAuditBlock(id_, info, b.data(), kBlock);
    disk_[block] = b;
  }
  void Holds(uint64_t block, uint64_t gen) { Holds(block, gen, block); }
  AuditVerdict Verify() {
    Result<AuditLog> log = ParseWitnessLog(log_);
    EXPECT_TRUE(log.ok()) << log.status().message();
    Result<AuditVerdict> v =
        VerifyAudit(*log, [this](const AuditJobLayout&, uint64_t offset, size_t len, uint8_t* buf) {
          for (size_t at = 0; at < len; at += kBlock) {
            const auto it = disk_.find((offset + at) / kBlock);
            if (it == disk_.end()) {
              std::memset(buf + at, 0, kBlock);
            } else {
              std::memcpy(buf + at, it->second.data(), kBlock);
            }
          }
          return Status::Ok();
        });
    EXPECT_TRUE(v.ok()) << v.status().message();
    return *v;
  }

  AuditId id_;
  std::string log_;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> sequence_;  // (block, generation) -> seq
  std::map<uint64_t, std::vector<uint8_t>> disk_;
};

TEST_F(VerifyTest, KeptWithInFlightWritesEitherWay) {
  Write(1, 0, 1, 100);
  Write(2, 1, 1, 200);
  Write(3, 1, 2, 0);  // in flight, landed
  Write(4, 2, 1, 300);
  Write(5, 2, 2, 0);  // in flight, did not land
  Write(6, 3, 1, 0);  // in flight, did not land, nothing acknowledged there
  Holds(0, 1);
  Holds(1, 2);
  Holds(2, 1);
  const AuditVerdict v = Verify();
  EXPECT_EQ(v.verdict, "kept");
  EXPECT_EQ(v.blocks, kBlocks);
  EXPECT_EQ(v.written, 4u);
  EXPECT_EQ(v.intact, 3u);
  EXPECT_EQ(v.in_flight_landed, 1u);
  EXPECT_EQ(v.in_flight_missing, 2u);
  EXPECT_EQ(v.untouched, 4u);
  EXPECT_EQ(v.acknowledged_writes, 3u);
  EXPECT_EQ(v.lost + v.corrupt + v.misdirected, 0u);
}

TEST_F(VerifyTest, LostWritesAndTheLossWindow) {
  Write(1, 0, 1, 1000);
  Write(2, 0, 2, 2000);
  Write(3, 0, 3, 3000);  // block 0 holds generation 1: generations 2 and 3 lost
  Write(4, 1, 1, 4000);  // block 1 holds nothing: generation 1 lost
  Write(5, 2, 1, 9000);  // the last acknowledgement, kept
  Holds(0, 1);
  Holds(2, 1);
  const AuditVerdict v = Verify();
  EXPECT_EQ(v.verdict, "lost-acknowledged-writes");
  EXPECT_EQ(v.lost, 2u);
  EXPECT_EQ(v.lost_writes, 3u);
  EXPECT_EQ(v.lost_oldest_before_last_ack_ns, 7000u);  // 9000 - 2000
  EXPECT_EQ(v.lost_newest_before_last_ack_ns, 5000u);  // 9000 - 4000
  EXPECT_EQ(v.intact, 1u);
  ASSERT_EQ(v.examples.size(), 2u);
  EXPECT_NE(v.examples[0].find("holds generation 1, generation 3 was acknowledged"),
            std::string::npos)
      << v.examples[0];
}

TEST_F(VerifyTest, CorruptAndMisdirectedBlocks) {
  Write(1, 0, 1, 10);
  Write(2, 1, 1, 20);
  Write(3, 2, 1, 30);
  Write(4, 3, 1, 40);
  Holds(0, 1);
  disk_[0][100] ^= 0xff;  // damaged
  Holds(1, 1, 2);         // block 2's write landed on block 1
  Holds(2, 1);
  Holds(3, 5);  // a generation never announced
  const AuditVerdict v = Verify();
  EXPECT_EQ(v.verdict, "corrupt");
  EXPECT_EQ(v.corrupt, 2u);
  EXPECT_EQ(v.misdirected, 1u);
  EXPECT_EQ(v.intact, 1u);
  EXPECT_EQ(v.lost, 0u);
}

TEST_F(VerifyTest, IntentsAfterTheEndWereNeverIssued) {
  Write(1, 0, 1, 10);
  Write(2, 0, 2, 0);  // announced ahead, never issued
  log_ += "E 0 1\n";
  Holds(0, 1);
  const AuditVerdict v = Verify();
  EXPECT_EQ(v.verdict, "kept");
  EXPECT_EQ(v.in_flight_missing, 0u);
}

TEST_F(VerifyTest, AGenerationAnnouncedAfterTheEndIsCorrupt) {
  Write(1, 0, 1, 10);
  Write(2, 0, 2, 0);
  log_ += "E 0 1\n";
  Holds(0, 2);  // the never-issued write is on the device: something else wrote it
  EXPECT_EQ(Verify().verdict, "corrupt");
}

// Two phases over the same blocks: job 0 (phase 0) ended cleanly, job 1 (phase 1) was cut. Phase
// 1's generations start from 1 again; its sequence numbers order its writes after phase 0's.
TEST_F(VerifyTest, APhaseEndDoesNotHideTheNextPhasesWrites) {
  Write(1, 0, 1, 10);
  Write(2, 0, 2, 20);
  Write(3, 1, 1, 30);
  Write(4, 2, 1, 0);  // announced ahead, never issued
  log_ += "E 0 3\n";
  Job(1, 1);
  Write(257, 0, 1, 40, 1);  // acknowledged, lost: block 0 still holds phase 0's generation 2
  Write(258, 1, 1, 50, 1);  // acknowledged, kept
  Write(259, 3, 1, 60, 1);  // acknowledged, lost: nothing there
  Write(260, 2, 1, 0, 1);   // in flight, landed
  Holds(1, 1);
  Holds(2, 1);
  Holds(0, 2);
  const AuditVerdict v = Verify();
  EXPECT_EQ(v.verdict, "lost-acknowledged-writes");
  EXPECT_EQ(v.blocks, kBlocks);  // each block once, though both phases' jobs cover it
  EXPECT_EQ(v.lost, 2u);
  EXPECT_EQ(v.lost_writes, 2u);
  EXPECT_EQ(v.intact, 2u);
  EXPECT_EQ(v.in_flight_landed, 1u);
  EXPECT_EQ(v.acknowledged_writes, 6u);
  ASSERT_FALSE(v.examples.empty());
  EXPECT_NE(v.examples[0].find("job 1 offset 0: lost (holds generation 2"), std::string::npos)
      << v.examples[0];
}

TEST(WitnessLog, AVersionOneLogOfSeveralPhasesIsRefused) {
  const std::string head = "durabench-audit 1 audit=" + AuditIdHex(NewAuditId()) + " started=1\n";
  // Read as before with one phase...
  EXPECT_TRUE(ParseWitnessLog(head + "H 0 /x/f 0 8 4096\nI 0 1 0 1\nA 0 1 5\nE 0 1\n").ok());
  // ... but a second phase's job 0 cannot be told from the first's.
  Result<AuditLog> r = ParseWitnessLog(head + "H 0 /x/f 0 8 4096\nI 0 1 0 1\nE 0 1\n" + head +
                                       "H 0 /x/f 0 8 4096\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot be verified"), std::string::npos)
      << r.status().message();
}

TEST(WitnessLog, MalformedLogsAreRefusedWithTheLine) {
  EXPECT_FALSE(ParseWitnessLog("").ok());
  EXPECT_FALSE(ParseWitnessLog("I 0 1 0 1\n").ok());
  const std::string head = "durabench-audit 1 audit=" + AuditIdHex(NewAuditId()) + " started=1\n";
  Result<AuditLog> r = ParseWitnessLog(head + "H 0 /x/f 0 8 4096\nI 0 one 0 1\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 3"), std::string::npos) << r.status().message();
  EXPECT_FALSE(ParseWitnessLog(head + "I 0 1 0 1\n").ok());  // records without a layout
  EXPECT_FALSE(
      ParseWitnessLog(head + "durabench-audit 1 audit=" + AuditIdHex(NewAuditId()) + " started=1\n")
          .ok());  // two audits
  // A last line cut short (the witness died writing it) is ignored.
  r = ParseWitnessLog(head + "H 0 /x/f 0 8 4096\nI 0 1 0 1\nA 0 1 5");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->jobs[0].acks.empty());
}

TEST(WitnessLog, AnIntentOutsideTheLayoutIsRefused) {
  const std::string head = "durabench-audit 1 audit=" + AuditIdHex(NewAuditId()) + " started=1\n";
  Result<AuditLog> log = ParseWitnessLog(head + "H 0 /x/f 0 8 4096\nI 0 1 40960 1\n");
  ASSERT_TRUE(log.ok());
  Result<AuditVerdict> v = VerifyAudit(
      *log, [](const AuditJobLayout&, uint64_t, size_t, uint8_t*) { return Status::Ok(); });
  EXPECT_FALSE(v.ok());
}

}  // namespace
}  // namespace durabench
