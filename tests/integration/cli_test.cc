// The command line as a user meets it: help with examples, exit codes, one-line errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "durabench_runner.h"
#include "engine/registry.h"
#include "spec/spec.h"

namespace durabench::testing {
namespace {

TEST(Cli, HelpShowsExamplesAndExitsZero) {
  CommandResult r = Durabench({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples"), std::string::npos) << r.out;
  r = Durabench({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("durabench run ceph-wal"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--block-size"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--fsync-every"), std::string::npos) << r.out;
}

// Every workload flag's help lists the values it takes, from the tables the parser uses: every
// sync method, pattern and engine of this build, and the data kinds.
TEST(Cli, RunHelpListsEveryValidValueOfEachFlag) {
  CommandResult r = Durabench({"run", "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The help line of `flag` (CLI11 prints one line per option).
  const auto help_of = [&](const std::string& flag) {
    const size_t at = r.out.find("\n  " + flag + " ");
    if (at == std::string::npos) return std::string();
    return r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
  };
  std::map<std::string, std::vector<std::string>> expect = {
      {"--sync", {}},
      {"--pattern", {}},
      {"--engine", {}},
      {"--data", {"random", "zero", "compressible:N%"}}};
  for (std::string_view s : AllSyncMethodNames()) expect["--sync"].emplace_back(s);
  for (std::string_view p : AllPatternNames()) expect["--pattern"].emplace_back(p);
  for (const EngineInfo* e : AllEngines()) expect["--engine"].emplace_back(e->name);
  for (const auto& [flag, values] : expect) {
    const std::string help = help_of(flag);
    ASSERT_FALSE(help.empty()) << flag << " not in:\n" << r.out;
    const size_t valid = help.find("valid: ");
    ASSERT_NE(valid, std::string::npos) << help;
    // The list's items, each a value possibly followed by a note ("compressible:N% (N = ...)").
    std::vector<std::string> items;
    std::stringstream list(help.substr(valid + 7));
    for (std::string item; std::getline(list, item, ',');) {
      item.erase(0, item.find_first_not_of(' '));
      items.push_back(item.substr(0, item.find(' ')));
    }
    for (const std::string& v : values) {
      EXPECT_NE(std::find(items.begin(), items.end(), v), items.end())
          << flag << " lacks " << v << ":\n"
          << help;
    }
  }
  // Numbers and sizes say their range.
  EXPECT_NE(help_of("--iodepth").find("valid: 1..65536"), std::string::npos) << r.out;
  EXPECT_NE(help_of("--block-size").find("valid: 1B..1GiB"), std::string::npos) << r.out;
}

TEST(Cli, VersionExitsZero) {
  CommandResult r = Durabench({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("durabench"), std::string::npos);
}

TEST(Cli, UsageErrorsExitTwoWithOneLine) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  } cases[] = {
      {{}, "subcommand"},
      {{"run"}, "--target"},
      {{"run", "--target", "/tmp", "--block-size", "4XB"}, "--block-size"},
      {{"run", "--target", "/tmp", "--sync", "sometimes"}, "fdatasync"},
      {{"run", "no-such-workload", "--target", "/tmp"}, "ceph-wal"},
      {{"run", "--target", "/tmp", "--engine", "warp"}, "psync"},
      {{"run", "--target", "/tmp", "--runtime", "10"}, "--runtime"},
      {{"run", "--target", "/tmp", "--bogus"}, "--bogus"},
      // From the engine's declared capabilities (EngineCaps::sqpoll), not its name.
      {{"run", "--target", "/tmp", "--engine", "psync", "--sqpoll"},
       "engine psync has no submission-queue polling"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    CommandResult r = Durabench(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
    EXPECT_NE(r.err.find("durabench: error:"), std::string::npos) << joined << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << joined << "\n" << r.err;
  }
}

// A mistyped option is named, with the closest option of that command when one is near.
TEST(Cli, UnknownOptionSuggestsTheClosestOne) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  } cases[] = {
      {{"run", "--target", "/tmp", "--blocksize", "4k"},
       "unknown option --blocksize; did you mean --block-size?"},
      {{"run", "--block-sise=4k", "--target", "/tmp"},
       "unknown option --block-sise; did you mean --block-size?"},
      // Named first even when a required option is missing too.
      {{"run", "--iodeth", "4"}, "unknown option --iodeth; did you mean --iodepth?"},
      {{"audit", "/tmp", "--witness", "file:/tmp/w", "--no-fil"},
       "unknown option --no-fil; did you mean --no-fill?"},
      {{"compare", "a.json", "b.json", "--markdwon"},
       "unknown option --markdwon; did you mean --markdown?"},
  };
  for (const Case& c : cases) {
    CommandResult r = Durabench(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[1] << "\n" << r.err;
    EXPECT_NE(r.err.find("durabench: error: " + c.expect), std::string::npos) << r.err;
  }
  // Nothing close: named, and no guess.
  CommandResult r = Durabench({"run", "--target", "/tmp", "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown option --frobnicate"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;
}

TEST(Cli, BadWorkloadFileNamesFileLineAndKey) {
  TempDir dir;
  const std::string path = dir.File("bad.toml");
  std::ofstream(path)
      << "description = \"x\"\n[defaults]\nblock_size = \"4KiB\"\nsnyc = \"fsync\"\n";
  CommandResult r = Durabench({"run", path, "--target", dir.path()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.toml:4"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("snyc"), std::string::npos) << r.err;
}

TEST(Cli, MissingTargetIsAnInputError) {
  CommandResult r = Durabench({"run", "--target", "/nonexistent-dir/sub/file", "--ops", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/nonexistent-dir"), std::string::npos) << r.err;
}

// A target that does not exist is a typo (./scrach for ./scratch) or a disk not mounted: refused
// before anything is made, unless --create asks for a new file. The header names what the run
// lands on, so an unmounted /mnt/ssd is seen to be the root disk.
TEST(Cli, ATargetThatDoesNotExistNeedsCreate) {
  TempDir dir;
  const std::string typo = dir.File("scrach");
  CommandResult r = Durabench({"run", typo, "--ops", "10", "--size", "1MiB", "--sync", "none"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("durabench: error: target " + typo +
                       " does not exist; create the directory, or name a new file with --create"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(::access(typo.c_str(), F_OK), -1) << "the refused target was created";

  r = Durabench({"run", typo, "--create", "--ops", "10", "--size", "1MiB", "--sync", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("target " + typo + " (file; "), std::string::npos) << r.out;
  EXPECT_EQ(::access(typo.c_str(), F_OK), -1) << "the file it created was left";
  r = Durabench({"run", "--target", dir.path(), "--ops", "10", "--size", "1MiB", "--sync", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json probe =
      nlohmann::json::parse(Durabench({"probe", dir.path(), "--json"}).out);
  const nlohmann::json& mount_point = probe["filesystem"]["mount_point"];
  const std::string mount = mount_point.is_string() ? mount_point.get<std::string>() : "";
  EXPECT_NE(
      r.out.find("target " + dir.path() + " (directory; " + probe.value("backend_detail", "")),
      std::string::npos)
      << r.out;
  if (!mount.empty()) {
    EXPECT_NE(r.out.find(mount), std::string::npos) << r.out;
  }
}

// The target is the last word or -t/--target in every command that takes one; -t means nothing
// else anywhere (gate's thresholds are --threshold only).
TEST(Cli, OneWayToNameATarget) {
  TempDir dir;
  const std::string toml = dir.File("w.toml");
  std::ofstream(toml) << "[[phase]]\nname = \"p\"\nsync = \"none\"\nops = 10\nsize = \"1MiB\"\n";
  const std::vector<std::string> small = {"--ops",  "10",   "--size", "1MiB",
                                          "--sync", "none", "-q",     "-o"};
  struct Case {
    std::vector<std::string> args;
    std::string workload;  // the result's workload name
  } cases[] = {
      {{"run", dir.path()}, "adhoc"},               // the lone word is a directory: the target
      {{"run", "-t", dir.path()}, "adhoc"},         // -t
      {{"run", toml, dir.path()}, "w"},             // workload, then target
      {{"run", toml, "--target", dir.path()}, "w"}  // workload, target as a flag
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.end(), small.begin(), small.end());
    args.push_back(dir.File("r.json"));
    CommandResult r = Durabench(args);
    ASSERT_EQ(r.exit_code, 0) << args[1] << " " << args[2] << "\n" << r.err;
    const nlohmann::json j = LoadJson(dir.File("r.json"));
    EXPECT_EQ(j["target"]["path"], dir.path());
    EXPECT_EQ(j["workload"]["name"], c.workload);
  }
  CommandResult r = Durabench({"run", dir.path(), "--target", "/tmp", "--ops", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("the target is named twice"), std::string::npos) << r.err;
  r = Durabench({"run", "ceph-wal", "--ops", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("name the target"), std::string::npos) << r.err;
  // probe, plp and eval take -t too: they get as far as their own checks.
  r = Durabench({"probe", "-t", dir.path(), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["path"], dir.path());
  r = Durabench({"plp", "--target", dir.path(), "--expect", "maybe"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--expect 'maybe'"), std::string::npos) << r.err;
  r = Durabench({"eval", "-t", dir.path(), "--interval", "0s"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--interval"), std::string::npos) << r.err;
  r = Durabench({"gate", "--baseline", toml, "--candidate", toml, "-t", "iops=-5%"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown option -t; did you mean --threshold?"), std::string::npos) << r.err;
}

// An error quoting what the user handed in never passes a control character to the terminal:
// ESC [ 2 J in a path would clear the screen.
TEST(Cli, ErrorMessagesShowControlCharactersEscaped) {
  CommandResult r = Durabench({"run", "--target", "/nonexistent-dir/\x1b[2J\x07x", "--ops", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/nonexistent-dir/\\x1b[2J\\x07x"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x07'), std::string::npos) << r.err;
}

// One mapping from what went wrong to the exit code, for every command (Status::ExitCode): input
// the user can fix is 2, a failed read or write is 3, whichever command met it.
TEST(Cli, ExitCodesAreTheSameForEveryCommand) {
  TempDir dir;
  std::vector<std::string> runs;
  for (int i = 0; i < 4; ++i) {
    runs.push_back(dir.File("r" + std::to_string(i) + ".json"));
    CommandResult r = Durabench({"run", "--target", dir.path(), "--ops", "200", "--size", "1MiB",
                                 "--sync", "none", "-q", "-o", runs.back()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string not_dir = runs[0] + "/x";  // ENOTDIR: a path the user mistyped
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string expect;
  } cases[] = {
      {{"compare", runs[0], not_dir}, 2, not_dir},
      {{"merge", runs[0], not_dir, "-o", dir.File("m.json")}, 2, not_dir},
      {{"gate", "--baseline", runs[0], runs[1], "--candidate", not_dir, runs[2]}, 2, not_dir},
      {{"report", runs[0], not_dir, "-o", dir.File("rep")}, 2, not_dir},
      // /proc/self/mem is a regular file whose read at offset 0 fails with EIO: a failed read,
      // not a bad input (before: 2).
      {{"compare", "/proc/self/mem", runs[0]}, 3, "Input/output error"},
      {{"merge", "/proc/self/mem", runs[0], "-o", dir.File("m.json")}, 3, "Input/output error"},
      // A failed write of any output.
      {{"gate", "--baseline", runs[0], runs[1], "--candidate", runs[2], runs[3], "--junit",
        "/dev/full"},
       3,
       "No space left"},
      {{"merge", "--sequential", runs[0], runs[1], "-o", "/dev/full"}, 3, "No space left"},
      {{"compare", runs[0], runs[1], "-o", "/dev/full"}, 3, "No space left"},
  };
  for (const Case& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    CommandResult r = Durabench(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << joined << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << joined << "\n" << r.err;
  }
}

// The progress line on a terminal (script(1) gives the run a pseudo-terminal) uses the
// terminal's own "clear to end of line" from terminfo; a terminal without one (TERM=dumb) gets
// no escape sequence at all, the line overwritten with spaces instead.
TEST(Cli, ProgressLineUsesTheTerminalsOwnControls) {
  if (Shell("command -v script >/dev/null") != 0) GTEST_SKIP() << "script(1) not installed";
  TempDir dir;
  const std::string run = "'" + kBinary + "' run --target '" + dir.path() +
                          "' --runtime 700ms --interval 100ms --size 1MiB --sync none "
                          "-o /dev/null";
  std::string xterm, dumb;
  ASSERT_EQ(Shell("TERM=xterm script -qec \"" + run + "\" /dev/null", &xterm), 0) << xterm;
  ASSERT_EQ(Shell("TERM=dumb script -qec \"" + run + "\" /dev/null", &dumb), 0) << dumb;
  EXPECT_NE(xterm.find("IOPS"), std::string::npos) << xterm;
  EXPECT_NE(xterm.find("\r\x1b[K[1/1] adhoc"), std::string::npos) << xterm;
  EXPECT_NE(dumb.find("\r[1/1] adhoc"), std::string::npos) << dumb;
  EXPECT_EQ(dumb.find('\x1b'), std::string::npos) << dumb;
}

TEST(Cli, ListShowsWorkloadsEnginesAndSyncMethods) {
  CommandResult r = Durabench({"list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"ceph-wal", "etcd-wal", "postgres-wal", "sync-methods", "ci-smoke", "psync",
                        "null", "fdatasync", "sync_file_range", "rwf_dsync", "odsync"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
}

TEST(Cli, ListJsonHasEveryEngineAndSyncMethod) {
  CommandResult r = Durabench({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  std::set<std::string> engines, sync;
  for (const auto& e : j["engines"]) engines.insert(e["name"].get<std::string>());
  for (const auto& m : j["sync_methods"]) sync.insert(m["name"].get<std::string>());
  for (const char* e : {"psync", "io_uring", "libaio", "null", "rados", "rbd", "gfapi"}) {
    EXPECT_EQ(engines.count(e), 1u) << e << "\n" << r.out;
  }
  EXPECT_EQ(sync, (std::set<std::string>{"none", "fsync", "fdatasync", "sync_file_range", "osync",
                                         "odsync", "rwf_dsync", "rwf_sync"}));
  EXPECT_EQ(j["engines"][0]["name"], "psync");
  EXPECT_EQ(j["engines"][0]["max_iodepth"], 1);
  bool ci_smoke = false;
  for (const auto& w : j["workloads"]) ci_smoke |= w["name"] == "ci-smoke";
  EXPECT_TRUE(ci_smoke) << r.out;
}

// `run --format csv` and `compare --format csv`: the numbers of the JSON results, one line per
// phase and op kind (and input); --json with --format csv is a usage error.
TEST(Cli, CsvOfARunAndOfAComparison) {
  TempDir target("/dev/shm");
  TempDir out;
  const std::string a = out.File("a.json");
  const std::string b = out.File("b.json");
  const std::vector<std::string> run = {"run",       "--target", target.path(), "--ops", "500",
                                        "--runtime", "0s",       "--size",      "1MiB"};
  std::vector<std::string> args = run;
  args.insert(args.end(), {"--format", "csv", "-o", a});
  CommandResult r = Durabench(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << r.out;  // header, write, flush, commit
  EXPECT_EQ(lines[0].rfind("phase,op,latency_from,count,iops,mb_per_s,p50_ns,", 0), 0u) << r.out;
  const nlohmann::json ja = LoadJson(a);
  EXPECT_EQ(lines[1].rfind("adhoc,write,submission,500,", 0), 0u) << r.out;
  EXPECT_NE(
      lines[1].find(
          "," + std::to_string(ja["phases"][0]["ops"]["write"]["lat_ns"]["max"].get<uint64_t>()) +
          ",0"),
      std::string::npos)
      << r.out;
  args = run;
  args.insert(args.end(), {"-q", "-o", b});
  ASSERT_EQ(Durabench(args).exit_code, 0);
  r = Durabench({"compare", a, b, "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines.clear();
  std::istringstream cmp(r.out);
  for (std::string line; std::getline(cmp, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 7u) << r.out;  // header, 3 op kinds x 2 inputs
  EXPECT_EQ(lines[1].rfind("adhoc,write,0,", 0), 0u) << r.out;
  EXPECT_EQ(lines[1].substr(lines[1].size() - 2), ",,") << "the reference has no change";
  EXPECT_EQ(lines[2].rfind("adhoc,write,1,", 0), 0u) << r.out;
  args = run;
  args.insert(args.end(), {"--json", "--format", "csv"});
  r = Durabench(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exclude each other"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace durabench::testing

namespace durabench::testing {
namespace {

// Every preset and a spread of flags: the printed fio command lines are accepted by fio itself.
TEST(Cli, FioEquivalentCommandsParseInFio) {
  if (Shell("command -v fio >/dev/null") != 0) GTEST_SKIP() << "skipped: fio is not installed";
  TempDir dir;
  const std::vector<std::vector<std::string>> runs = {
      {"ceph-wal"},
      {"etcd-wal"},
      {"postgres-wal"},
      {"sync-methods"},
      {"ci-smoke"},
      {"--engine", "io_uring", "--iodepth", "16", "--jobs", "2", "--direct", "--sync", "fdatasync",
       "--sqpoll"},
      {"--engine",
       "libaio",
       "--pattern",
       "randrw",
       "--read-percent",
       "70",
       "--direct",
       "--rate-iops",
       "100",
       "--data",
       "compressible:50%",
       "--cpus",
       "0-1",
       "--ramp",
       "1s",
       "--ops",
       "100",
       "--sync",
       "fsync",
       "--fsync-every",
       "4"},
      {"--engine", "null", "--data", "zero", "--runtime", "500ms"},
  };
  for (const auto& extra : runs) {
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"--target", dir.path(), "--fio-equivalent"});
    CommandResult r = Durabench(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    int commands = 0;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#') continue;
      ASSERT_EQ(line.rfind("fio ", 0), 0u) << line;
      std::string out;
      EXPECT_EQ(Shell(line + " --parse-only 2>&1", &out), 0) << line << "\n" << out;
      ++commands;
    }
    EXPECT_GT(commands, 0) << r.out;
  }
}

}  // namespace
}  // namespace durabench::testing
