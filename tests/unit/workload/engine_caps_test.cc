// CheckEngineCaps (workload/runner.h): what a phase asks of its engine against what the engine
// declares, with the message a user acts on (the phase, the limit, the fix).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "workload/runner.h"

namespace durabench {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint32_t kEvery = (1u << kSyncMethodCount) - 1;

EngineInfo MakeEngine(const char* name, uint32_t max_iodepth, uint32_t sync_methods = kEvery) {
  EngineInfo e;
  e.name = name;
  e.caps.max_iodepth = max_iodepth;
  e.caps.sync_methods = sync_methods;
  return e;
}

// Engines as the registry declares them, and one that cannot do O_DIRECT.
const EngineInfo kPsync = MakeEngine("psync", 1);
const EngineInfo kUring = [] {
  EngineInfo e = MakeEngine("io_uring", 65536);
  e.caps.sqpoll = true;
  return e;
}();
const EngineInfo kAio = [] {
  EngineInfo e = MakeEngine("libaio", 4096,
                            SyncMethodBit(SyncMethod::kNone) | SyncMethodBit(SyncMethod::kFsync) |
                                SyncMethodBit(SyncMethod::kFdatasync));
  e.caps.requires_direct = true;
  return e;
}();
const EngineInfo kNull = [] {
  EngineInfo e = MakeEngine("null", 1);
  e.caps.does_io = false;
  return e;
}();
const EngineInfo kBuffered = [] {
  EngineInfo e = MakeEngine("buffered", 1);
  e.caps.supports_direct = false;
  return e;
}();
const std::vector<const EngineInfo*> kAll = {&kPsync, &kUring, &kAio, &kNull, &kBuffered};

PhaseSpec Phase() {
  PhaseSpec p;
  p.name = "adhoc";
  return p;
}

std::string Error(const PhaseSpec& p, const EngineInfo& e,
                  const std::vector<const EngineInfo*>& alternatives = kAll) {
  Status st = CheckEngineCaps(p, e, alternatives);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << st.message();
  return st.message();
}

TEST(CheckEngineCaps, WhatTheEngineCanDoPasses) {
  PhaseSpec p = Phase();
  EXPECT_TRUE(CheckEngineCaps(p, kPsync, kAll).ok());
  p.iodepth = 64;
  p.sqpoll = true;
  p.direct = true;
  EXPECT_TRUE(CheckEngineCaps(p, kUring, kAll).ok());
}

TEST(CheckEngineCaps, QueueDepthNamesThePhaseTheLimitAndTheFix) {
  PhaseSpec p = Phase();
  p.iodepth = 16;
  p.direct = true;
  EXPECT_EQ(Error(p, kPsync),
            "phase 'adhoc': engine psync runs one request at a time (iodepth 16 asked); use "
            "--engine io_uring or libaio, or --iodepth 1");
  // Buffered, libaio is no fix (it needs O_DIRECT): only io_uring is suggested.
  p.direct = false;
  EXPECT_THAT(Error(p, kPsync), HasSubstr("(iodepth 16 asked); use --engine io_uring, or "
                                          "--iodepth 1"));
  p.direct = true;
  p.iodepth = 5000;
  EXPECT_EQ(Error(p, kAio),
            "phase 'adhoc': engine libaio runs at most 4096 requests at a time (iodepth 5000 "
            "asked); use --engine io_uring, or --iodepth 4096");
}

TEST(CheckEngineCaps, OnlyEnginesThatFitTheWholePhaseAreSuggested) {
  PhaseSpec p = Phase();
  p.iodepth = 8;
  p.sync = SyncMethod::kOdsync;  // libaio cannot, io_uring can
  EXPECT_THAT(Error(p, kPsync), AllOf(HasSubstr("use --engine io_uring, or --iodepth 1"),
                                      Not(HasSubstr("libaio")), Not(HasSubstr("null"))));
  // No alternatives (a URI target's engine is the URI's): only the value to change.
  EXPECT_THAT(Error(p, kPsync, {}), HasSubstr("(iodepth 8 asked); use --iodepth 1"));
}

TEST(CheckEngineCaps, SyncMethodListsWhatTheEngineImplements) {
  PhaseSpec p = Phase();
  p.direct = true;
  p.sync = SyncMethod::kSyncFileRange;
  EXPECT_EQ(Error(p, kAio),
            "phase 'adhoc': engine libaio does not implement sync method sync_file_range; use "
            "--engine psync or io_uring, or --sync one of none, fsync, fdatasync");
}

TEST(CheckEngineCaps, DirectAllowedDirectRequiredAndSqpoll) {
  PhaseSpec p = Phase();
  p.direct = true;
  EXPECT_THAT(Error(p, kBuffered),
              AllOf(HasSubstr("engine buffered cannot open files with O_DIRECT"),
                    HasSubstr("use --engine psync, io_uring or libaio, or --no-direct")));
  p.direct = false;
  EXPECT_THAT(Error(p, kAio),
              AllOf(HasSubstr("engine libaio needs O_DIRECT (direct = false asked"),
                    HasSubstr("use --engine psync, io_uring or buffered, or --direct")));
  p.sqpoll = true;
  EXPECT_THAT(Error(p, kPsync), AllOf(HasSubstr("engine psync has no submission-queue polling"),
                                      HasSubstr("use --engine io_uring, or --no-sqpoll")));
}

}  // namespace
}  // namespace durabench
