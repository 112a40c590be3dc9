#include "compare/breakdown.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "spec/phase_keys.h"

namespace durabench {
namespace {

using ::testing::HasSubstr;

// A latency distribution: (ns, samples) pairs, recorded into write/flush/commit as asked.
using Samples = std::vector<std::pair<uint64_t, uint64_t>>;

// 1000 samples whose p50, p90, p99, p99.9 and max are base, base, 2x, 4x and 16x base.
Samples Tail(uint64_t base) { return {{base, 900}, {2 * base, 90}, {4 * base, 9}, {16 * base, 1}}; }

struct PhaseShape {
  std::string name = "qd1";
  std::string engine = "psync";
  uint64_t block_size_bytes = 4096;
  uint32_t iodepth = 1;
  uint64_t runtime_ns = 10'000'000'000;
  Samples commit;  // empty: no commits
  Samples write;   // empty: commit / 2 for each commit sample
};

struct Shape {
  std::string backend = "tmpfs";
  std::string replicas;          // replication.replica_count; "" = not applicable
  std::string replicas_unknown;  // a reason: the count is unknown
  std::vector<PhaseShape> phases;
};

RunResult Make(const Shape& s) {
  RunResult r;
  r.tool_version = "test";
  r.workload.name = "backend-compare";
  r.target.path = "/scratch";
  r.target.kind = "directory";
  r.probe.backend_kind = s.backend;
  ReplicationFacts& rep = r.probe.replication;
  if (!s.replicas.empty()) {
    rep.system = ProbeFact::Known("glusterfs");
    rep.replica_count = ProbeFact::Known(s.replicas);
  } else if (!s.replicas_unknown.empty()) {
    rep.system = ProbeFact::Known("ceph");
    rep.replica_count = ProbeFact::Unknown(s.replicas_unknown);
  } else {
    rep.replica_count = ProbeFact::NotApplicable("not a replicated backend");
  }
  for (const PhaseShape& ps : s.phases) {
    PhaseResult p;
    p.spec.name = ps.name;
    p.spec.engine = ps.engine;
    p.spec.block_size_bytes = ps.block_size_bytes;
    p.spec.iodepth = ps.iodepth;
    p.spec.runtime_ns = ps.runtime_ns;
    p.measured_ns = 1'000'000'000;
    auto& commit = p.ops[static_cast<int>(OpKind::kCommit)].histogram;
    auto& flush = p.ops[static_cast<int>(OpKind::kFlush)].histogram;
    auto& write = p.ops[static_cast<int>(OpKind::kWrite)].histogram;
    for (const auto& [ns, n] : ps.commit) {
      commit.RecordN(ns, n);
      flush.RecordN(ns / 2, n);
      if (ps.write.empty()) write.RecordN(ns / 2, n);
    }
    for (const auto& [ns, n] : ps.write) write.RecordN(ns, n);
    r.workload.phases.push_back(p.spec);
    r.phases.push_back(std::move(p));
  }
  return r;
}

PhaseShape Phase(const std::string& name, Samples commit, const std::string& engine = "psync") {
  PhaseShape p;
  p.name = name;
  p.engine = engine;
  p.commit = std::move(commit);
  return p;
}

Shape Local(uint64_t base = 100'000) { return {"tmpfs", "", "", {Phase("qd1", Tail(base))}}; }
Shape Replicated(const std::string& backend, const std::string& count, uint64_t base,
                 const std::string& engine = "psync") {
  return {backend, count, "", {Phase("qd1", Tail(base), engine)}};
}

BreakdownInput In(const std::string& label, const RunResult* r, bool force_local = false,
                  std::optional<int> replicas = std::nullopt) {
  BreakdownInput in;
  in.label = label;
  in.result = r;
  in.force_local = force_local;
  in.replicas = replicas;
  return in;
}

BreakdownOptions Options(const std::string& kind, std::vector<MetricStat> stats = {}) {
  BreakdownOptions o;
  o.kind = kind;
  o.stats = std::move(stats);
  return o;
}

// Within the histogram's 2^-7 relative error.
void ExpectNs(const std::optional<double>& v, double ns) {
  ASSERT_TRUE(v.has_value());
  EXPECT_NEAR(*v, ns, std::fabs(ns) / 128 + 1) << "expected about " << ns;
}

TEST(Breakdown, StepsAddUpPerPercentile) {
  const RunResult local = Make(Local(100'000));
  const RunResult rep1 = Make(Replicated("glusterfs-fuse", "1", 300'000));
  const RunResult rep3 = Make(Replicated("glusterfs-fuse", "3", 450'000));
  Result<Breakdown> b = BuildBreakdown({In("L", &local), In("R3", &rep3), In("R1", &rep1)}, {});
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->local_input, 0u);
  ASSERT_EQ(b->groups.size(), 1u);
  const BreakdownGroup& g = b->groups[0];
  EXPECT_EQ(g.access_path, "glusterfs-fuse");
  EXPECT_EQ(g.low_input, 2u);  // sorted by count, whatever the input order
  EXPECT_EQ(g.high_input, 1u);
  EXPECT_EQ(g.low_replicas, 1);
  EXPECT_EQ(g.high_replicas, 3);
  ASSERT_EQ(g.phases.size(), 1u);
  const BreakdownPhase& p = g.phases[0];
  EXPECT_EQ(p.local_kind, "commit");
  ASSERT_EQ(p.latency_ns.size(), 5u);  // p50 p90 p99 p99.9 max
  const double scale[] = {1, 1, 2, 4, 16};
  for (size_t s = 0; s < 5; ++s) {
    SCOPED_TRACE(s);
    const BreakdownValues& v = p.latency_ns[s];
    ExpectNs(v.local, 100'000 * scale[s]);
    ExpectNs(v.overhead(), 200'000 * scale[s]);
    ExpectNs(v.replication(), 150'000 * scale[s]);
    ExpectNs(v.total(), 450'000 * scale[s]);
    // Exactly additive: local + overhead + replication = the 3-replica value.
    EXPECT_DOUBLE_EQ(*v.local + *v.overhead() + *v.replication(), *v.total());
  }
  EXPECT_DOUBLE_EQ(*p.iops.local, 1000);
  EXPECT_TRUE(b->notes.empty());
  EXPECT_EQ(b->roles[1].role, "replicated");
  EXPECT_EQ(b->roles[1].source, "facts");
  EXPECT_EQ(b->roles[0].role, "local");
}

TEST(Breakdown, NegativeStepsAreShownSignedNotClamped) {
  // Constant latencies: every statistic exact.
  const RunResult local = Make({"tmpfs", "", "", {Phase("qd1", {{300'000, 100}})}});
  const RunResult rep1 = Make({"glusterfs-fuse", "1", "", {Phase("qd1", {{200'000, 100}})}});
  const RunResult rep3 = Make({"glusterfs-fuse", "3", "", {Phase("qd1", {{250'000, 100}})}});
  Result<Breakdown> b = BuildBreakdown({In("L", &local), In("R1", &rep1), In("R3", &rep3)}, {});
  ASSERT_TRUE(b.ok()) << b.status().message();
  const BreakdownValues& v = b->groups[0].phases[0].latency_ns[0];
  ExpectNs(v.overhead(), -100'000);
  ExpectNs(v.replication(), 50'000);
  EXPECT_THAT(BreakdownText(*b), HasSubstr("-100.00us"));
  EXPECT_THAT(BreakdownText(*b), HasSubstr("+50.00us"));
  EXPECT_LT(
      BreakdownToJson(*b)["groups"][0]["phases"][0]["lat_ns"]["p50"]["overhead"].get<double>(),
      -99'000);
}

TEST(Breakdown, SeveralAccessPathsAndAGroupWithOneCount) {
  const RunResult local = Make(Local());
  const RunResult rbd1 = Make(Replicated("unknown", "1", 200'000, "rbd"));
  const RunResult rbd3 = Make(Replicated("unknown", "3", 300'000, "rbd"));
  const RunResult fuse3 = Make(Replicated("ceph-fuse", "3", 500'000));
  Result<Breakdown> b =
      BuildBreakdown({In("L", &local), In("B1", &rbd1), In("B3", &rbd3), In("F3", &fuse3)}, {});
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_EQ(b->groups.size(), 2u);
  EXPECT_EQ(b->groups[0].access_path, "rbd");  // the native engine names the path
  EXPECT_EQ(b->groups[1].access_path, "ceph-fuse");
  const BreakdownGroup& f = b->groups[1];
  EXPECT_FALSE(f.high_input.has_value());
  EXPECT_EQ(f.low_replicas, 3);
  const BreakdownValues& v = f.phases[0].latency_ns[0];
  ExpectNs(v.overhead(), 400'000);
  EXPECT_FALSE(v.replication().has_value());
  ExpectNs(v.total(), 500'000);
  const std::string text = BreakdownText(*b);
  EXPECT_THAT(text, HasSubstr("+ replication (one count only)")) << text;
  EXPECT_THAT(text, HasSubstr("+ overhead (3 replicas - local)")) << text;
  EXPECT_THAT(text, HasSubstr("rbd: local [0], 1 replica [1], 3 replicas [2]")) << text;
  EXPECT_TRUE(BreakdownToJson(*b)["groups"][1]["high"].is_null());
}

TEST(Breakdown, AMiddleCountIsLeftOutWithANote) {
  const RunResult local = Make(Local());
  const RunResult r1 = Make(Replicated("glusterfs-fuse", "1", 200'000));
  const RunResult r2 = Make(Replicated("glusterfs-fuse", "2", 250'000));
  const RunResult r3 = Make(Replicated("glusterfs-fuse", "3", 300'000));
  Result<Breakdown> b =
      BuildBreakdown({In("L", &local), In("R2", &r2), In("R3", &r3), In("R1", &r1)}, {});
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->roles[1].role, "unused");
  ASSERT_EQ(b->notes.size(), 1u);
  EXPECT_THAT(b->notes[0], HasSubstr("R2"));
}

TEST(Breakdown, RolesFromOverrides) {
  // Three tmpfs runs: by the facts all three are local baselines.
  const RunResult a = Make(Local(100'000));
  const RunResult c = Make(Local(300'000));
  const RunResult d = Make(Local(200'000));
  Result<Breakdown> b = BuildBreakdown({In("A", &a), In("C", &c), In("D", &d)}, {});
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("several local baselines (A, C, D)"));

  const BreakdownInput in_a = In("A", &a, true);
  const BreakdownInput in_c = In("C", &c, false, 3);
  const BreakdownInput in_d = In("D", &d, false, 1);
  b = BuildBreakdown({in_c, in_a, in_d}, {});
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->local_input, 1u);
  EXPECT_EQ(b->roles[1].source, "--local");
  EXPECT_EQ(b->roles[0].source, "--replicas");
  EXPECT_EQ(b->groups[0].access_path, "tmpfs");
  ExpectNs(b->groups[0].phases[0].latency_ns[0].replication(), 100'000);

  // An override wins over facts: a Gluster 3-copy result named a 1-copy one.
  const RunResult g3 = Make(Replicated("glusterfs-fuse", "3", 300'000));
  b = BuildBreakdown({In("L", &a), In("G", &g3, false, 1)}, {});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->groups[0].low_replicas, 1);

  b = BuildBreakdown({In("A", &a, true, 3), In("C", &c)}, {});
  EXPECT_THAT(b.status().message(), HasSubstr("both --local and --replicas"));
  b = BuildBreakdown({In("A", &a, true, std::nullopt), In("C", &c, false, 0)}, {});
  EXPECT_THAT(b.status().message(), HasSubstr("at least 1"));
}

TEST(Breakdown, RefusesWhatTheFactsCannotPlace) {
  const RunResult local = Make(Local());
  Shape ceph = Replicated("ceph-fuse", "", 300'000);
  ceph.replicas_unknown = "pool size needs the cluster";
  const RunResult c = Make(ceph);
  Result<Breakdown> b = BuildBreakdown({In("L", &local), In("C", &c)}, {});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(b.status().message(), HasSubstr("C: backend 'ceph-fuse' without a replica count"));
  EXPECT_THAT(b.status().message(), HasSubstr("pool size needs the cluster"));
  EXPECT_THAT(b.status().message(), HasSubstr("--replicas N=FILE"));

  // A native engine without facts is not local either.
  const RunResult rados = Make(Replicated("unknown", "", 300'000, "rados"));
  b = BuildBreakdown({In("L", &local), In("R", &rados)}, {});
  EXPECT_THAT(b.status().message(), HasSubstr("backend 'rados' without a replica count"));

  const RunResult r3 = Make(Replicated("glusterfs-fuse", "3", 300'000));
  b = BuildBreakdown({In("L", &local), In("R", &r3), In("S", &r3)}, {});
  EXPECT_THAT(b.status().message(), HasSubstr("R and S are both glusterfs-fuse with 3 replicas"));
  b = BuildBreakdown({In("R", &r3)}, {});
  EXPECT_THAT(b.status().message(), HasSubstr("no local baseline"));
  b = BuildBreakdown({In("L", &local)}, {});
  EXPECT_THAT(b.status().message(), HasSubstr("no replicated input"));
}

TEST(Breakdown, RefusesDifferentPhaseSpecsButNotAnotherEngineOrRuntime) {
  const RunResult local = Make(Local());
  Shape s = Replicated("unknown", "3", 300'000, "rbd");
  s.phases[0].runtime_ns = 5'000'000'000;  // shortened on the cluster: fine
  const RunResult ok = Make(s);
  EXPECT_TRUE(BuildBreakdown({In("L", &local), In("R", &ok)}, {}).ok());

  s.phases[0].block_size_bytes = 8192;
  s.phases[0].iodepth = 4;
  const RunResult bad = Make(s);
  Result<Breakdown> b = BuildBreakdown({In("L", &local), In("R", &bad)}, {});
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("L and R ran phase 'qd1' differently"));
  EXPECT_THAT(b.status().message(), HasSubstr("block-size 4KiB vs 8KiB"));
  EXPECT_THAT(b.status().message(), HasSubstr("iodepth 1 vs 4"));

  Shape other = Replicated("unknown", "3", 300'000, "rbd");
  other.phases[0].name = "elsewhere";
  const RunResult disjoint = Make(other);
  b = BuildBreakdown({In("L", &local), In("R", &disjoint)}, {});
  EXPECT_THAT(b.status().message(), HasSubstr("no phase of the same name"));
}

TEST(Breakdown, IgnoredKeysAreKeysOfTheTable) {
  for (std::string_view key : kBreakdownIgnoredKeys) {
    EXPECT_NE(FindPhaseKey(key), nullptr) << key << " is not a phase key (spec/phase_keys.h)";
  }
}

TEST(Breakdown, PhasesMatchedByNameAndMissingOnesNoted) {
  Shape l = Local();
  l.phases.push_back(Phase("qd4", Tail(50'000)));
  l.phases.push_back(Phase("qd16", Tail(40'000)));
  const RunResult local = Make(l);
  Shape r = Replicated("glusterfs-fuse", "1", 200'000);
  r.phases.insert(r.phases.begin(), Phase("qd16", Tail(90'000)));  // other order
  const RunResult rep1 = Make(r);
  Result<Breakdown> b = BuildBreakdown({In("L", &local), In("R", &rep1)}, {});
  ASSERT_TRUE(b.ok()) << b.status().message();
  const std::vector<BreakdownPhase>& phases = b->groups[0].phases;
  ASSERT_EQ(phases.size(), 3u);
  EXPECT_EQ(phases[2].phase, "qd16");
  ExpectNs(phases[2].latency_ns[0].overhead(), 50'000);
  EXPECT_FALSE(phases[1].latency_ns[0].low.has_value());  // qd4 is not in R
  EXPECT_FALSE(phases[1].latency_ns[0].overhead().has_value());
  ASSERT_EQ(b->notes.size(), 1u);
  EXPECT_THAT(b->notes[0], HasSubstr("phase 'qd4': no commit or write samples in R"));

  // A phase only the replicated input ran is left out, with a note.
  r.phases.push_back(Phase("qd64", Tail(90'000)));
  const RunResult more = Make(r);
  b = BuildBreakdown({In("L", &local), In("R", &more)}, {});
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->groups[0].phases.size(), 3u);
  EXPECT_THAT(b->notes[0], HasSubstr("phase 'qd64' of R is not in the local baseline"));
  EXPECT_THAT(BreakdownText(*b), HasSubstr("qd4 (commit)"));
}

TEST(Breakdown, WhichLatency) {
  // O_DSYNC-like local run: writes only (no commit histogram here).
  Shape l = Local();
  l.phases[0].commit.clear();
  l.phases[0].write = Tail(70'000);
  const RunResult local = Make(l);
  const RunResult rep1 = Make(Replicated("glusterfs-fuse", "1", 200'000));
  const RunResult rep3 = Make(Replicated("glusterfs-fuse", "3", 300'000));
  Result<Breakdown> b = BuildBreakdown({In("L", &local), In("R1", &rep1), In("R3", &rep3)}, {});
  ASSERT_TRUE(b.ok());
  const BreakdownPhase& p = b->groups[0].phases[0];
  EXPECT_EQ(p.local_kind, "write");
  EXPECT_EQ(p.low_kind, "commit");
  ExpectNs(p.latency_ns[0].local, 70'000);
  ASSERT_EQ(b->notes.size(), 1u);
  EXPECT_THAT(b->notes[0], HasSubstr("different op kinds ([0] write, [1] commit, [2] commit)"));
  EXPECT_THAT(BreakdownText(*b), HasSubstr("qd1 (write/commit)"));

  b = BuildBreakdown({In("L", &local), In("R1", &rep1), In("R3", &rep3)}, Options("flush"));
  ASSERT_TRUE(b.ok());
  const BreakdownPhase& f = b->groups[0].phases[0];
  EXPECT_EQ(f.low_kind, "flush");
  EXPECT_FALSE(f.latency_ns[0].local.has_value());  // no flushes locally
  ExpectNs(f.latency_ns[0].replication(), 50'000);  // flushes are half the commits
  EXPECT_THAT(BreakdownText(*b), HasSubstr("flush latency"));

  b = BuildBreakdown({In("L", &local), In("R1", &rep1)}, Options("read"));
  EXPECT_THAT(b.status().message(), HasSubstr("expected write, flush or commit"));
}

TEST(Breakdown, ParseStats) {
  Result<std::vector<MetricStat>> s = ParseBreakdownStats("p50,99,p99.99,max,mean");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(*s, (std::vector<MetricStat>{MetricStat::kP50, MetricStat::kP99, MetricStat::kP9999,
                                         MetricStat::kMax, MetricStat::kMean}));
  EXPECT_THAT(ParseBreakdownStats("p50,iops").status().message(), HasSubstr("'iops'"));
  EXPECT_THAT(ParseBreakdownStats("p50,").status().message(), HasSubstr("''"));
  EXPECT_FALSE(ParseBreakdownStats("p42").ok());

  const RunResult local = Make(Local());
  const RunResult rep1 = Make(Replicated("glusterfs-fuse", "1", 200'000));
  Result<Breakdown> b =
      BuildBreakdown({In("L", &local), In("R", &rep1)}, Options("", {MetricStat::kMean}));
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->groups[0].phases[0].latency_ns.size(), 1u);
  // Means are additive: exactly the difference of the means.
  EXPECT_DOUBLE_EQ(*b->groups[0].phases[0].latency_ns[0].overhead(),
                   rep1.phases[0].op(OpKind::kCommit).histogram.mean() -
                       local.phases[0].op(OpKind::kCommit).histogram.mean());
}

TEST(Breakdown, Renderings) {
  // Constant latencies make every statistic exact.
  const RunResult local = Make({"tmpfs", "", "", {Phase("qd1", {{100'000, 1000}})}});
  const RunResult rep1 = Make({"glusterfs-fuse", "1", "", {Phase("qd1", {{300'000, 500}})}});
  const RunResult rep3 = Make({"glusterfs-fuse", "3", "", {Phase("qd1", {{450'000, 250}})}});
  Result<Breakdown> b = BuildBreakdown({In("L", &local), In("R1", &rep1), In("R3", &rep3)}, {});
  ASSERT_TRUE(b.ok());

  const std::string text = BreakdownText(*b);
  EXPECT_THAT(text, HasSubstr("replication breakdown of the durable write latency")) << text;
  EXPECT_THAT(text, HasSubstr("[1] R1: glusterfs-fuse, 1 replica (facts)")) << text;
  EXPECT_THAT(text, HasSubstr("+ overhead (1 replica - local)")) << text;
  EXPECT_THAT(text, HasSubstr("+ replication (3 replicas - 1 replica)")) << text;
  EXPECT_THAT(text, HasSubstr("= 3 replicas total")) << text;
  EXPECT_THAT(text, HasSubstr("IOPS: local [0] 1000, 1 replica [1] 500, 3 replicas [2] 250"));
  // The table is aligned: every row of it as wide as the header.
  std::istringstream lines(text);
  std::string line;
  std::vector<size_t> widths;
  while (std::getline(lines, line)) {
    if (line.rfind("    ", 0) == 0 && line.find("IOPS") == std::string::npos) {
      widths.push_back(line.size());
    }
  }
  ASSERT_EQ(widths.size(), 6u) << text;  // header + 5 statistics
  EXPECT_TRUE(std::all_of(widths.begin(), widths.end(), [&](size_t w) { return w == widths[0]; }))
      << text;
  EXPECT_THAT(text, HasSubstr("p99.9")) << text;

  const std::string md = BreakdownMarkdown(*b);
  EXPECT_THAT(md, HasSubstr("| stat | local | + overhead (1 replica - local) |")) << md;
  EXPECT_THAT(md, HasSubstr("| p50 | 100.00us | +200.00us | +150.00us | 450.00us |")) << md;
  EXPECT_THAT(md, HasSubstr("|---|---:|---:|---:|---:|")) << md;

  const Json j = BreakdownToJson(*b);
  EXPECT_EQ(j["kind"], "durable");
  EXPECT_EQ(j["stats"], Json({"p50", "p90", "p99", "p99.9", "max"}));
  EXPECT_EQ(j["inputs"][2]["replicas"], 3);
  EXPECT_TRUE(j["inputs"][0]["replicas"].is_null());
  EXPECT_EQ(j["local_input"], 0);
  const Json& g = j["groups"][0];
  EXPECT_EQ(g["access_path"], "glusterfs-fuse");
  EXPECT_EQ(g["low"]["input"], 1);
  EXPECT_EQ(g["high"]["replicas"], 3);
  const Json& p50 = g["phases"][0]["lat_ns"]["p50"];
  EXPECT_EQ(p50["local"].get<double>(), 100'000);
  EXPECT_EQ(p50["overhead"].get<double>(), 200'000);
  EXPECT_EQ(p50["replication"].get<double>(), 150'000);
  EXPECT_EQ(p50["total"].get<double>(), 450'000);
  EXPECT_EQ(g["phases"][0]["kinds"]["high"], "commit");
  EXPECT_EQ(g["phases"][0]["iops"]["high"].get<double>(), 250);
  EXPECT_TRUE(j["notes"].empty());
}

}  // namespace
}  // namespace durabench
