// durabench: what it costs, in latency, to make a write durable.
#include <cstdio>
#include <map>
#include <string>

#include "cli/commands.h"
#include "durabench/config.h"
#include "measure/clock.h"

int main(int argc, char** argv) {
  durabench::SetCommandLine(argc, argv);
  durabench::InitClock();
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
      "2 usage or input error, 3 I/O or runtime error.");

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    durabench::PrintError(e.what());
    std::fprintf(stderr, "Run with --help for usage.\n");
    return 2;
  }
  for (CLI::App* sub : app.get_subcommands()) return actions[sub]();
  return 2;
}
