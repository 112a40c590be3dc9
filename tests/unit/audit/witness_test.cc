// The witness: a real server on 127.0.0.1 and real log files; what the audit sends is durable
// and fetched back as it was sent, and a witness that goes away is an error, never silence.
#include "audit/witness.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "audit/block.h"
#include "support/test_util.h"
#include "witness_server.h"

namespace durabench {
namespace {

using durabench::testing::TempDir;
using durabench::testing::WitnessServerThread;

TEST(Witness, TcpRecordsAreDurableAndFetchedBackAsSent) {
  TempDir dir;
  WitnessServerThread server(dir.path());
  const std::string audit = AuditIdHex(NewAuditId());
  Result<std::unique_ptr<WitnessLink>> link = ConnectWitness(server.address(), audit);
  ASSERT_TRUE(link.ok()) << link.status().message();
  std::string sent;
  for (int batch = 0; batch < 50; ++batch) {
    std::string lines;
    for (int i = 0; i < 100; ++i) lines += "I 0 " + std::to_string(batch * 100 + i) + " 0 1\n";
    ASSERT_TRUE((*link)->Send(lines).ok());
    sent += lines;
    Result<uint64_t> token = (*link)->RequestDurable();
    ASSERT_TRUE(token.ok());
    if (batch % 10 == 9) {
      ASSERT_TRUE((*link)->WaitDurable(*token).ok());
    }
  }
  Result<std::string> log = FetchWitnessLog(server.address(), audit);
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_EQ(*log, sent);
  EXPECT_EQ(durabench::testing::ReadFile(dir.File(audit + ".log")), sent);
  // "latest" is this audit's; an audit the witness never saw is NotFound.
  Result<std::string> latest = FetchWitnessLog(server.address(), "latest");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, sent);
  Result<std::string> none = FetchWitnessLog(server.address(), AuditIdHex(NewAuditId()));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kNotFound);
}

TEST(Witness, ConnectionsOfSeveralJobsAppendWholeLines) {
  TempDir dir;
  WitnessServerThread server(dir.path());
  const std::string audit = AuditIdHex(NewAuditId());
  std::vector<std::thread> jobs;
  for (int j = 0; j < 4; ++j) {
    jobs.emplace_back([&, j] {
      Result<std::unique_ptr<WitnessLink>> link = ConnectWitness(server.address(), audit);
      ASSERT_TRUE(link.ok());
      for (int i = 0; i < 2000; ++i) {
        ASSERT_TRUE(
            (*link)->Send("A " + std::to_string(j) + " " + std::to_string(i) + " 7\n").ok());
      }
      Result<uint64_t> token = (*link)->RequestDurable();
      ASSERT_TRUE(token.ok());
      ASSERT_TRUE((*link)->WaitDurable(*token).ok());
    });
  }
  for (std::thread& t : jobs) t.join();
  Result<std::string> log = FetchWitnessLog(server.address(), audit);
  ASSERT_TRUE(log.ok());
  size_t lines = 0;
  for (size_t at = 0, nl; (nl = log->find('\n', at)) != std::string::npos; at = nl + 1) {
    const std::string line = log->substr(at, nl - at);
    ASSERT_EQ(line.rfind("A ", 0), 0u) << line;
    ASSERT_EQ(line.substr(line.size() - 2), " 7") << line;
    ++lines;
  }
  EXPECT_EQ(lines, 4u * 2000);
}

TEST(Witness, AWitnessThatGoesAwayIsAnError) {
  TempDir dir;
  auto server = std::make_unique<WitnessServerThread>(dir.path());
  const std::string address = server->address();
  Result<std::unique_ptr<WitnessLink>> link = ConnectWitness(address, AuditIdHex(NewAuditId()));
  ASSERT_TRUE(link.ok());
  server.reset();  // stopped: its connections are closed
  Status st = Status::Ok();
  for (int i = 0; i < 100 && st.ok(); ++i) {
    st = (*link)->Send("I 0 1 0 1\n");
    if (st.ok()) {
      Result<uint64_t> token = (*link)->RequestDurable();
      st = token.ok() ? (*link)->WaitDurable(*token) : token.status();
    }
  }
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("witness " + address), std::string::npos) << st.message();
  // Nobody listens there any more.
  EXPECT_FALSE(ConnectWitness(address, AuditIdHex(NewAuditId())).ok());
}

TEST(Witness, AFileWitnessIsAppendedAndSynced) {
  TempDir dir;
  const std::string spec = "file:" + dir.File("w.log");
  Result<std::unique_ptr<WitnessLink>> a = ConnectWitness(spec, AuditIdHex(NewAuditId()));
  Result<std::unique_ptr<WitnessLink>> b = ConnectWitness(spec, AuditIdHex(NewAuditId()));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Send("one\n").ok());
  ASSERT_TRUE((*b)->Send("two\n").ok());
  ASSERT_TRUE((*a)->RequestDurable().ok());
  Result<std::string> log = FetchWitnessLog(spec, "latest");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(*log, "one\ntwo\n");
  EXPECT_FALSE(FetchWitnessLog("file:" + dir.File("none.log"), "latest").ok());
}

TEST(Witness, AFileWitnessIsNeverADeviceNode) {
  Result<std::unique_ptr<WitnessLink>> r = ConnectWitness("file:/dev/null", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not a regular file"), std::string::npos);
}

TEST(Witness, MalformedSpecsAreUsageErrors) {
  for (const char* spec : {"nohost", ":7000", "127.0.0.1:", "file:"}) {
    Result<std::unique_ptr<WitnessLink>> r = ConnectWitness(spec, AuditIdHex(NewAuditId()));
    ASSERT_FALSE(r.ok()) << spec;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << spec;
  }
}

}  // namespace
}  // namespace durabench
