// durabench: what it costs, in latency, to make a write durable.
#include <signal.h>

#include <cctype>
#include <cstdio>
#include <map>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/terminal.h"
#include "durabench/config.h"
#include "measure/clock.h"
#include "util/output_file.h"
#include "util/strings.h"

namespace {

// `durabench NAME ...` with NAME no command: CLI11 alone would say "A subcommand is required".
// The message, or "" when argv[1] is an option or a command.
std::string UnknownCommand(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return "";
  const std::string name = argv[1];
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->check_name(name)) return "";
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  return "unknown command '" + name + "'; commands: " + names;
}

// `durabench CMD ... --NAME ...` with --NAME no option of CMD: CLI11 alone would say "The
// following argument was not expected" (or first that a required option is missing). The message
// names the first such option and, when one of CMD's options is close to it (a missing dash, a
// typo), suggests it: "unknown option --blocksize; did you mean --block-size?". A short option
// -X that CMD lacks is named too, with the one long option starting with X when there is one
// ("unknown option -t; did you mean --threshold?"). "" when every option is known (the error is
// about something else) or no command was named.
std::string UnknownOption(CLI::App& app, int argc, char** argv) {
  if (argc < 3 || argv[1][0] == '-') return "";
  CLI::App* sub = nullptr;
  for (CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (s->check_name(argv[1])) sub = s;
  }
  if (sub == nullptr) return "";
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;  // what follows is positional
    if (arg.size() >= 2 && arg[0] == '-' && std::isalpha(static_cast<unsigned char>(arg[1]))) {
      const std::string name(arg.substr(0, 2));
      if (sub->get_option_no_throw(name) != nullptr || app.get_option_no_throw(name) != nullptr) {
        continue;
      }
      std::string message = "unknown option " + name, only;
      int starting = 0;
      for (const CLI::Option* o : sub->get_options()) {
        for (const std::string& l : o->get_lnames()) {
          if (l[0] == name[1]) ++starting, only = l;
        }
      }
      if (starting == 1) message += "; did you mean --" + only + "?";
      return message;
    }
    if (arg.size() < 3 || !arg.starts_with("--")) continue;
    const std::string name(arg.substr(0, arg.find('=')));
    if (sub->get_option_no_throw(name) != nullptr || app.get_option_no_throw(name) != nullptr) {
      continue;
    }
    std::vector<std::string> known;
    for (const CLI::Option* o : sub->get_options()) {
      for (const std::string& l : o->get_lnames()) known.push_back(l);
    }
    const std::string_view closest =
        durabench::ClosestName(std::string_view(name).substr(2),
                               std::vector<std::string_view>(known.begin(), known.end()));
    std::string message = "unknown option " + name;
    if (!closest.empty()) message += "; did you mean --" + std::string(closest) + "?";
    return message;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  durabench::SetCommandLine(argc, argv);
  durabench::InitClock();
  // A closed stdout (`durabench ... | head`) is a write error (EPIPE, exit 3), not a kill that
  // would leave a run's files behind. No child inherits this: durabench starts no process.
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"durabench " DURABENCH_VERSION
               " - storage benchmark and fsync-latency profiler: what it costs, in latency, "
               "to make a write durable."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "durabench " DURABENCH_VERSION);
  app.footer(
      "Examples:\n"
      "  durabench run ceph-wal --target /mnt/ssd/scratch --runtime 30s\n"
      "  durabench run --target /tmp --sync fdatasync --block-size 8KiB --runtime 5s\n"
      "  durabench run sync-methods --target ./scratch -o result.json\n"
      "  durabench plp /mnt/ssd/scratch\n"
      "  durabench eval /mnt/ssd/scratch --quick\n"
      "  durabench probe /mnt/ssd/scratch\n"
      "  durabench compare local.json ceph.json\n"
      "  durabench gate --baseline base-*.json --candidate new-*.json\n"
      "  durabench report result.json -o reports/ssd/\n"
      "  durabench list\n"
      "Exit codes: 0 ok, 1 regression (gate) or verdict not as expected (plp --expect),\n"
      "2 usage or input error, 3 I/O or runtime error, 128+N: run, plp or eval stopped by\n"
      "signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT, 138 SIGUSR1): the partial\n"
      "result is written and the target's files are removed.");

  std::map<CLI::App*, durabench::CommandAction> actions;
  CLI::App* run = app.add_subcommand("run", "Run a workload against a target and report latency");
  actions[run] = durabench::RegisterRunCommand(*run);
  CLI::App* list = app.add_subcommand("list", "List workloads, engines and sync methods");
  actions[list] = durabench::RegisterListCommand(*list);
  CLI::App* probe = app.add_subcommand(
      "probe", "Show what a target sits on: devices, write cache, filesystem, backend");
  actions[probe] = durabench::RegisterProbeCommand(*probe);
  CLI::App* plp = app.add_subcommand(
      "plp", "Power-loss protection verdict: what a flush costs here, and what that means");
  actions[plp] = durabench::RegisterPlpCommand(*plp);
  CLI::App* eval = app.add_subcommand(
      "eval", "Pre-purchase drive evaluation: PLP, Ceph/etcd/PostgreSQL WAL, sustained writes");
  actions[eval] = durabench::RegisterEvalCommand(*eval);
  CLI::App* compare = app.add_subcommand(
      "compare", "Results side by side against the first, with what differs between them");
  actions[compare] = durabench::RegisterCompareCommand(*compare);
  CLI::App* gate = app.add_subcommand(
      "gate", "CI regression gate: fail when a candidate is significantly slower than a baseline");
  actions[gate] = durabench::RegisterGateCommand(*gate);
  CLI::App* merge =
      app.add_subcommand("merge", "Add runs of one workload (e.g. from several hosts) into one");
  actions[merge] = durabench::RegisterMergeCommand(*merge);
  CLI::App* report = app.add_subcommand(
      "report", "HTML report with percentile spectrum, histogram, CDF and time-series plots");
  actions[report] = durabench::RegisterReportCommand(*report);
  CLI::App* audit = app.add_subcommand(
      "audit", "Durability audit: write, cut, and verify that every acknowledged write was kept");
  actions[audit] = durabench::RegisterAuditCommand(*audit);
  CLI::App* witness = app.add_subcommand(
      "witness", "The audit's witness: a TCP server, on another host, that logs what it is told");
  actions[witness] = durabench::RegisterWitnessCommand(*witness);

  if (const std::string unknown = UnknownCommand(app, argc, argv); !unknown.empty()) {
    const int rc = durabench::UsageError(unknown);
    std::fprintf(stderr, "Run with --help for usage.\n");
    return rc;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string unknown = UnknownOption(app, argc, argv);
    const int rc = durabench::UsageError(unknown.empty() ? e.what() : unknown);
    std::fprintf(stderr, "Run with --help for usage.\n");
    return rc;
  }
  int rc = durabench::kExitInputError;  // no subcommand ran
  try {
    for (CLI::App* sub : app.get_subcommands()) {
      rc = actions[sub]();
      break;
    }
  } catch (const std::system_error& e) {
    // {fmt} reports a failed write to stdout this way ("cannot write to file: No space left");
    // so does std::thread when no thread can be created.
    rc = durabench::ExitFor(durabench::Status::IoError(e.what()));
  } catch (const std::bad_alloc&) {
    // Unwinding to here removed the target's files (their PreparedTarget was destroyed).
    rc = durabench::ExitFor(durabench::Status::IoError("out of memory"));
  }
  // Whatever a command printed must have reached stdout: `--json > file` on a full disk, or a
  // closed pipe, is an error (3), never a truncated output with exit 0.
  if (durabench::Status st = durabench::FlushStdout(); !st.ok()) {
    const int write_rc = durabench::ExitFor(st);
    if (rc < write_rc) rc = write_rc;
  }
  // A measuring command stopped by a signal (cli/terminal.h) exits as a shell reports a process
  // killed by it: 128 + its number, 130 for Ctrl-C; its partial result was written.
  if (const int sig = durabench::StopSignal(); sig != 0) return 128 + sig;
  return rc;
}
